#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make debtest`: build the Debian packages (scripts/deb.sh, lintian
# included), then install them with apt-get in a Debian build root per
# kernel of KVERS (default "6.1 6.12": Debian 12 and Debian 13, each with
# its linux-headers-amd64 and gcc) and check there that DKMS builds the
# modules for that kernel, that the tools run and that pkg-config finds the
# library (tools/testing/deb/in-root.sh).  Nothing is loaded: the roots are
# chroots.  Each root is made once with mmdebstrap into the cache (about a
# minute and 1 GB each); a run works on an overlay of it that is thrown
# away, so the cached root never changes.
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/harness-lib.sh"

KVERS=${KVERS:-6.1 6.12}
DEBS=$AA_BUILD/deb
WORK=$AA_BUILD/deb-test
# What the checks need in a root beyond mmdebstrap's apt variant: kernel
# headers and DKMS (which bring the kernel's compiler and make), the
# packages' own run-time dependencies, so that installing them downloads
# nothing, and gcc for a program built with pkg-config.  The root's
# sources are those of an installed system: the release, its updates and
# its security updates (whose kernel headers the host has too).
ROOT_PKGS=linux-headers-amd64,dkms,dmsetup,pkgconf,libstdc++6,libc6-dev,gcc
MIRROR=http://deb.debian.org/debian

# suite_of KVER - the Debian release whose kernel KVER is.
suite_of() {
	case $1 in
	6.1) echo bookworm ;;
	6.12) echo trixie ;;
	*) return 1 ;;
	esac
}

# make_root DIR SUITE - a minimal SUITE system in DIR.
make_root() {
	aa_step "deb-test: mmdebstrap $2 into $1"
	mmdebstrap --mode=root --variant=apt --include="$ROOT_PKGS" \
		--aptopt='Acquire::Languages "none"' "$2" "$1" "deb $MIRROR $2 main" \
		"deb $MIRROR $2-updates main" "deb $MIRROR-security $2-security main" \
		>"$1.log" 2>&1 || { tail -n 20 "$1.log"; return 1; }
	rm -f "$1.log"
}

# test_in_root SUITE - the checks of in-root.sh in an overlay of SUITE's
# cached root, in a private mount namespace; prints their result lines.
test_in_root() {
	local suite=$1 root key
	key=$(echo "$suite $ROOT_PKGS $MIRROR" | sha256sum | cut -c1-12)
	root=$AA_CACHE/deb-root/$suite-$key
	aa_cache_get "$root" make_root "$suite"
	local w=$WORK/$suite
	rm -rf "$w"
	mkdir -p "$w/upper" "$w/work" "$w/merged"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private bash -c '
		set -e
		m=$3/merged
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$3/upper,workdir=$3/work" "$m"
		mount -t proc proc "$m/proc"
		mkdir -p "$m/debs" "$m/test"
		mount --bind -o ro "$2" "$m/debs"
		mount --bind -o ro "$4" "$m/test"
		chroot "$m" /test/in-root.sh' _ "$root" "$DEBS" "$w" \
		"$AA_PROJ/tools/testing/deb" 2>&1 || true
	rm -rf "$w"
}

mkdir -p "$WORK"
log=$WORK/log
passed=0 failed=0
if DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-nocheck} "$AA_PROJ/scripts/deb.sh"; then
	echo "AATEST: PASS deb_build_lintian" | tee "$log"
else
	echo "AATEST: FAIL deb_build_lintian dpkg-buildpackage or lintian failed" | tee "$log"
fi
if grep -q FAIL "$log"; then
	echo "AATEST: FAIL deb_install no packages to install" | tee -a "$log"
else
	for kver in $KVERS; do
		if ! suite=$(suite_of "$kver"); then
			echo "AATEST: FAIL deb_install-$kver no Debian release known for $kver" |
				tee -a "$log"
			continue
		fi
		aa_step "deb-test: $kver in a $suite root"
		test_in_root "$suite" | tee -a "$log"
		grep -q "^AATEST: .*-$kver\b" "$log" ||
			echo "AATEST: FAIL deb_install-$kver the root's checks did not run" | tee -a "$log"
	done
fi
passed=$(grep -c '^AATEST: PASS' "$log" || true)
failed=$(grep -c '^AATEST: FAIL' "$log" || true)
aa_result debtest "$passed" "$failed"
((failed == 0))
