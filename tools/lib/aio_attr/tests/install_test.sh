#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install_test.sh PROJ - libaioattr as a user gets it: `make install-user
# install-headers DESTDIR=<tmp> PREFIX=/usr` (the userspace part of `make
# install`), then a tiny C program built against that tree once with
# pkg-config and once with CMake's find_package(aio_attr), a C++20 program
# with find_package, and every installed man page rendered by
# `man --warnings`.  Exits nonzero with a reason on the first failure.
set -euo pipefail
# After a pipe, grep -c >/dev/null and not grep -q: a grep that quits at
# its first match can end the writer with SIGPIPE, which pipefail reports.

proj=$1
# shellcheck source=tools/lib/install_test_lib.sh
. "$(dirname "$0")/../../install_test_lib.sh"
install_tree "$proj"

pc=$(find "$root" -name aio_attr.pc -path '*/pkgconfig/*')
[[ -n $pc ]] || fail "no aio_attr.pc installed"
grep -qx 'prefix=/usr' "$pc" || fail "aio_attr.pc: prefix is not the install prefix: $(head -n 1 "$pc")"
so=$(find "$root" -name 'libaioattr.so.1' | head -n 1)
[[ -n $so ]] || fail "no libaioattr.so.1 installed"
libdir=$(dirname "$so")
[[ -f $libdir/libaioattr.a && -L $libdir/libaioattr.so ]] || fail "no libaioattr.a / libaioattr.so link"
readelf -d "$so" | grep -c 'SONAME.*\[libaioattr\.so\.1\]' >/dev/null || fail "soname is not libaioattr.so.1"
# Every exported function carries a version node, nothing else is exported.
exported=$(objdump -T "$so" | awk '$4 == ".text" { print $6, $7 }')
grep -q 'AIOATTR_1.0 aa_peek$' <<<"$exported" || fail "aa_peek not exported as AIOATTR_1.0"
grep -q 'AIOATTR_1.1 aa_enter$' <<<"$exported" || fail "aa_enter not exported as AIOATTR_1.1"
if grep -v '^AIOATTR_1\.[01] ' <<<"$exported" | grep -c . >/dev/null; then
	fail "unversioned exports: $(grep -v '^AIOATTR_1\.[01] ' <<<"$exported" | tr '\n' ' ')"
fi

cat >"$tmp/t.c" <<'C'
#include <aio_attr/aio_attr.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	static unsigned long long mem[(128 + 2048) / 8];
	struct aio_attr_ring_hdr *hdr = (struct aio_attr_ring_hdr *)mem;
	const struct aio_attr_event *ev;
	struct aio_attr_sqe sqe;
	struct aa_ring ring;
	uint64_t mask;
	char err[200], buf[64];

	if (aa_attr_parse_list("service_ns,cache", aa_attr_all(), &mask, err, sizeof(err)))
		return 1;
	aa_attr_format_list(mask, buf, sizeof(buf));
	aa_prep_read(&sqe, 3, buf, 512, 4096);
	aa_sqe_set_attrs(&sqe, mask);
	if (aa_ring_init(&ring, hdr, (char *)mem + 128, 2048) || aa_ring_peek(&ring, &ev) != -EAGAIN)
		return 2;
	printf("%s %u %llu\n", buf, sqe.len, (unsigned long long)sqe.offset);
	return 0;
}
C
want='service_ns,cache 512 4096'

# pkg-config, against the staged tree (sysroot = DESTDIR).
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR=$root
# shellcheck disable=SC2046 # word splitting of the flags is wanted
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags aio_attr) "$tmp/t.c" -o "$tmp/t_pc" \
	$(pkg-config --libs aio_attr) || fail "pkg-config build failed"
readelf -d "$tmp/t_pc" | grep -c 'NEEDED.*\[libaioattr\.so\.1\]' >/dev/null || fail "t_pc does not need libaioattr.so.1"
got=$(LD_LIBRARY_PATH=$libdir "$tmp/t_pc") || fail "t_pc exited with $?"
[[ $got == "$want" ]] || fail "t_pc printed '$got', not '$want'"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# find_package, shared for C and static for C++.
mkdir -p "$tmp/cm"
cp "$tmp/t.c" "$tmp/cm/t.c"
cat >"$tmp/cm/t.cpp" <<'CPP'
#include <aio_attr/aio_attr.hpp>
#include <cstdio>

int main()
{
	auto sqe = aio_attr::prep_write(5, "x", 1, 0).data(7).attrs(aio_attr::parse_attr_mask("all"));
	std::printf("%s %llu\n", aio_attr::format_attr_mask(sqe.attr_mask).c_str(),
		    static_cast<unsigned long long>(sqe.user_data));
	try {
		aio_attr::parse_attr_mask("");
	} catch (const std::system_error &e) {
		return e.code().value() == EINVAL ? 0 : 1;
	}
	return 1;
}
CPP
cat >"$tmp/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(aa_install_test C CXX)
find_package(aio_attr 1.0 REQUIRED)
add_executable(t t.c)
target_link_libraries(t PRIVATE aio_attr::aio_attr)
add_executable(tpp t.cpp)
target_compile_features(tpp PRIVATE cxx_std_20)
target_link_libraries(tpp PRIVATE aio_attr::aio_attr_static)
CM
if ! cmake -S "$tmp/cm" -B "$tmp/cm/build" -DCMAKE_PREFIX_PATH="$root/usr" >"$tmp/cm.log" 2>&1 ||
	! cmake --build "$tmp/cm/build" >>"$tmp/cm.log" 2>&1; then
	cat "$tmp/cm.log" >&2
	fail "find_package(aio_attr) build failed"
fi
got=$(LD_LIBRARY_PATH=$libdir "$tmp/cm/build/t") || fail "find_package C program exited with $?"
[[ $got == "$want" ]] || fail "find_package C program printed '$got'"
readelf -d "$tmp/cm/build/t" | grep -c 'NEEDED.*\[libaioattr\.so\.1\]' >/dev/null || fail "t does not need libaioattr.so.1"
got=$("$tmp/cm/build/tpp") || fail "find_package C++ program exited with $?"
[[ $got == "service_ns,queue_ns,device_ns,cache,crypt_ns,completion_ctx,pagecache 7" ]] ||
	fail "find_package C++ program printed '$got'"

# Every man page, .so links included, renders without a warning.
mandir=$root/usr/share/man
pages=$(cd "$mandir" && ls man3/*.3)
[[ $(wc -w <<<"$pages") -ge 50 ]] || fail "only $(wc -w <<<"$pages") section 3 pages installed"
for p in $pages; do
	w=$(cd "$mandir" && LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null) ||
		fail "man -l $p failed"
	[[ -z $w ]] || fail "man --warnings -l $p: $w"
done
echo "install_test: pkg-config, find_package (C shared, C++ static), $(wc -w <<<"$pages") man pages: ok"
