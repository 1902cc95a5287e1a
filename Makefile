# SPDX-License-Identifier: GPL-2.0
#
# aio_attr - build and test entry points.  `make help` lists the targets.

PROJ := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

# Kernel release and headers to build against: the installed Debian
# linux-headers-amd64 package, not the running kernel.  KDIR= overrides.
# (Evaluated once, on first use, so that `make deps` can install them first.)
ifdef KDIR
KV ?= $(eval KV := $(shell cat $(KDIR)/include/config/kernel.release))$(KV)
else
KV ?= $(eval KV := $(shell $(PROJ)/scripts/kver.sh $(KVER)))$(KV)
KDIR = /usr/src/linux-headers-$(KV)
endif

AIO_ATTR_CACHE ?= /var/cache/aio_attr
TESTS ?=
PREFIX ?= /usr
DESTDIR ?=
VERSION := 0.1

# KV and KDIR reach the scripts only when given on the command line
# (make exports those); otherwise the scripts work them out the same way.
export AIO_ATTR_CACHE TESTS

# Every module of the tree, W=1, warnings are errors.
KCONFIG_SYMS := CONFIG_AIO_ATTR=m CONFIG_AIO_ATTR_DEMO=m CONFIG_DM_IOCRYPT=m
KBUILD_ARGS = -j$(shell nproc) W=1 AIO_ATTR_WERROR=y $(KCONFIG_SYMS)
KBUILD = $(MAKE) -C $(KDIR) M=$(PROJ) $(KBUILD_ARGS)

# KVER selects the kernel of `make modules` and `make sparse`: unset or 6.1,
# the host's Debian 12 headers (above); 6.12, Debian 13's in the trixie
# build root, made and cached by scripts/trixie-root.sh, which builds a
# copy of the sources in build/kbuild-6.12/ so that the 6.1 objects in the
# tree stay as they are.
ifeq ($(KVER),6.12)
KBUILD = $(PROJ)/scripts/trixie-root.sh kbuild $(KBUILD_ARGS)
else ifneq ($(filter-out 6.1,$(KVER)),)
$(error KVER=$(KVER): 6.1 or 6.12)
endif

.PHONY: all modules deps sparse utest user kunit vmtest vmtest-debug check install \
	install-modules install-headers install-user clean help demo fio-src fio-engine lint coccicheck \
	deb debtest

all: modules

help:
	@echo 'make [modules]   build the kernel modules (KDIR=... to override;'
	@echo '                 KVER=6.12: for Debian 13'"'"'s 6.12 in a trixie build root)'
	@echo 'make deps        install missing Debian packages (apt-get)'
	@echo 'make check       all tests, the kernel layers for each of KVERS (default'
	@echo '                 "6.1 6.12"); last line "N passed, M failed"'
	@echo '  make utest     host C++ tests (cmake + ctest)'
	@echo '  make sparse    sparse (C=2) over our modules (KVER=6.12 too)'
	@echo '  make coccicheck  no struct kiocb access in drivers/ (coccinelle)'
	@echo '  make kunit     KUnit suites under UML (KVER=6.12: from linux-source-6.12)'
	@echo '  make vmtest    guest tests in qemu (TESTS="smoke ..."; KVER=6.12: on'
	@echo '                 Debian 13'"'"'s 6.12 image)'
	@echo '  make vmtest-debug  the same on a KASAN/lockdep 6.1 kernel (built once, cached)'
	@echo 'make demo        boot the guest: aiodemo + iocrypt + fio, attribute report and PNG'
	@echo 'make bench       side-by-side benchmarks in one guest boot (~25 min; not in check;'
	@echo '                 KVER=6.12 too)'
	@echo 'make install     modules, uapi header, libaioattr, pkg-config, CMake config,'
	@echo '                 aioattr, iocryptsetup, man pages'
	@echo 'make deb         Debian packages (DKMS modules, tools, libraries) in build/deb/'
	@echo '  make debtest   install them in Debian 12 and 13 roots; DKMS builds there'
	@echo 'make lint        shellcheck the harness scripts and iocryptsetup'
	@echo 'make clean'

modules:
	@$(PROJ)/scripts/kbuild.sh build $(KBUILD) modules

deps:
ifndef AA_DEPS_DONE
	@$(PROJ)/scripts/deps.sh
endif

sparse: deps
	@$(PROJ)/scripts/kbuild.sh sparse $(KBUILD) C=2 CHECK=sparse modules

user:
	@$(PROJ)/scripts/utest.sh build

utest: deps
	@$(PROJ)/scripts/utest.sh

kunit: deps
	@$(PROJ)/tools/testing/kunit/run.sh

# The C++ guest programs are optional here: their build failure is counted
# by utest, and the shell-only guest tests still run.
vmtest: deps modules
	@$(PROJ)/scripts/utest.sh build || \
		echo 'vmtest: C++ guest programs did not build; going on without them'
	@$(MAKE) --no-print-directory fio-engine || \
		echo 'vmtest: the fio engine did not build; its tests will fail'
	@$(PROJ)/tools/testing/vm/run.sh $(TESTS)

# The guest tests on the debug kernel (KASAN, KFENCE, lockdep, atomic sleep,
# debug objects; tools/testing/vm/debug.config), built from linux-source-6.1
# on first use and cached; our modules are built against it by run.sh.
vmtest-debug: deps
	@$(PROJ)/scripts/utest.sh build || \
		echo 'vmtest-debug: C++ guest programs did not build; going on without them'
	@$(MAKE) --no-print-directory fio-engine || \
		echo 'vmtest-debug: the fio engine did not build; its tests will fail'
	@$(PROJ)/tools/testing/vm/run.sh --debug $(TESTS)

# The fio external engine, built against the same fio source as the guest's
# fio; the guest packs build/user/guest/aioattr.so as /tests/lib/aioattr.so.
fio-engine: deps
	@$(MAKE) --no-print-directory -C $(PROJ)/tools/aio_attr/fio \
		O=$(PROJ)/build/user/guest \
		FIO_SRC=$$($(PROJ)/tools/testing/vm/build-fio.sh --print-src)

check: deps
	@MAKE='$(MAKE)' $(PROJ)/scripts/check.sh

# Path of the fio source tree (configured) for building external engines.
fio-src: deps
	@$(PROJ)/tools/testing/vm/build-fio.sh --print-src

# No struct kiocb access in drivers/; the kiocb -> iodesc rewrite works.
coccicheck: deps
	@$(PROJ)/scripts/cocci-layer.sh

# shellcheck over the harness scripts, the POSIX sh tools and the guest
# tests that are clean so far.
LINT_SH := tools/testing/vm/init tools/testing/vm/lib.sh tools/dm/iocryptsetup \
	tools/dm/tests/*.sh man/check.sh tools/testing/vm/tests/*.sh
lint:
	cd $(PROJ) && shellcheck -x scripts/*.sh tools/testing/vm/*.sh \
		tools/testing/kunit/*.sh tools/testing/bench/*.sh tools/testing/deb/*.sh tools/lib/aio_attr/tests/*.sh \
		tools/lib/aio_attr_posix/tests/*.sh tools/lib/install_test_lib.sh \
		.ci/run && \
		shellcheck -x -s sh $(LINT_SH)

# The main job: boot the guest, aiodemo + iocrypt, fio with attribute
# reporting, print the report and write the PNG.
demo: deps modules
	@$(PROJ)/scripts/utest.sh build
	@$(MAKE) --no-print-directory fio-engine
	@$(PROJ)/tools/aio_attr/demo.sh

install: install-modules install-headers install-user

# aio-attr-dkms, aioattr-tools, libaioattr1, libaioattr-posix1 and
# libaioattr-dev (debian/) in build/deb/, checked by lintian.
deb: deps
	@$(PROJ)/scripts/deb.sh

# The packages installed with apt-get in a Debian 12 (6.1) and a Debian 13
# (6.12) build root, where DKMS builds the modules (KVERS="6.1 6.12").
debtest: deps
	@$(PROJ)/scripts/deb-test.sh

install-modules: modules
	$(MAKE) -C $(KDIR) M=$(PROJ) $(KCONFIG_SYMS) \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	@# Debian's headers have no System.map, so kbuild skips depmod.
	$(if $(DESTDIR),,depmod -a $(KV))

install-headers:
	install -D -m 0644 $(PROJ)/include/uapi/linux/aio_attr.h \
		$(DESTDIR)$(PREFIX)/include/linux/aio_attr.h

# libaioattr (shared + static), the C and C++ headers, aio_attr.pc with
# prefix=$(PREFIX), the find_package(aio_attr) files, the man pages and
# the aioattr command; DESTDIR is honoured as a staging root.
install-user: user
	DESTDIR='$(DESTDIR)' cmake --install $(PROJ)/build/user --prefix $(PREFIX)

clean:
	-[ -d $(KDIR) ] && $(MAKE) -C $(KDIR) M=$(PROJ) $(KCONFIG_SYMS) clean
	rm -rf $(PROJ)/build

# ---- `make bench` (tools/testing/bench/, Documentation/aio_attr/performance.rst) ----
# One guest boot: dm-crypt (both modes), iocrypt, brd and aiodemo x libaio,
# io_uring and aioattr, the fast-path cells of issue 10 (QD128, two jobs,
# CPU per I/O, allocations and RCU callbacks per I/O), buffered file reads
# and fio's posixaio with glibc and with libaioattr-posix (issue 13); writes
# build/bench/results.{json,md,png}.  Not part of `make check`.  Knobs:
# BENCH_RUNTIME, BENCH_REPS, BENCH_REPS_REST, BENCH_SET, BENCH_ONLY,
# BENCH_KCOUNT, BENCH_PERF, BENCH_INSN, BENCH_SCHED, BENCH_OUT (see
# tools/testing/bench/run.sh).
.PHONY: bench
bench: deps modules
	@$(MAKE) --no-print-directory user fio-engine
	@$(PROJ)/tools/testing/bench/run.sh
