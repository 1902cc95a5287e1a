#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install_test.sh PROJ - libaioattr-posix as a user gets it from `make
# install-user install-headers DESTDIR=<tmp> PREFIX=/usr`: the shared and
# static libraries, the exports (the POSIX names, their *64 names and the
# extension, unversioned, nothing of libaioattr), a C program built with
# pkg-config that runs (ENOSYS with the device absent), and its man pages
# rendered by `man --warnings`.
set -euo pipefail
# After a pipe, grep -c >/dev/null and not grep -q: a grep that quits at
# its first match can end the writer with SIGPIPE, which pipefail reports.

proj=$1
# shellcheck source=tools/lib/install_test_lib.sh
. "$(dirname "$0")/../../install_test_lib.sh"
install_tree "$proj"
pc=$(find "$root" -name aio_attr_posix.pc -path '*/pkgconfig/*')
[[ -n $pc ]] || fail "no aio_attr_posix.pc installed"
so=$(find "$root" -name 'libaioattr-posix.so.1' | head -n 1)
[[ -n $so ]] || fail "no libaioattr-posix.so.1 installed"
libdir=$(dirname "$so")
[[ -f $libdir/libaioattr-posix.a && -L $libdir/libaioattr-posix.so ]] ||
	fail "no libaioattr-posix.a / libaioattr-posix.so link"
readelf -d "$so" | grep -c 'NEEDED.*libaioattr\.so' >/dev/null && fail "depends on libaioattr.so"
exported=$(objdump -T "$so" | awk '$4 == ".text" { print $NF }' | sort | tr '\n' ' ')
want="aio_attr_get aio_attr_get64 aio_attr_get_mask aio_attr_set_mask aio_cancel aio_cancel64 \
aio_error aio_error64 aio_fsync aio_fsync64 aio_read aio_read64 aio_return aio_return64 \
aio_suspend aio_suspend64 aio_write aio_write64 lio_listio lio_listio64 "
[[ $exported == "$want" ]] || fail "exports: '$exported'"

cat >"$tmp/t.c" <<'C'
#include <aio_attr/posix.h>
#include <errno.h>
#include <stdio.h>

int main(void)
{
	static char buf[8];
	struct aiocb cb = { .aio_fildes = 0, .aio_buf = buf, .aio_nbytes = 8 };
	uint64_t v;

	if (aio_read(&cb) != -1 || errno != ENOSYS)
		return 1;
	if (aio_attr_get(&cb, 0, &v) != -1 || errno != EINVAL)
		return 2;
	puts("ok");
	return 0;
}
C
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR=$root
# shellcheck disable=SC2046 # word splitting of the flags is wanted
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags aio_attr_posix) "$tmp/t.c" -o "$tmp/t" \
	$(pkg-config --libs aio_attr_posix) || fail "pkg-config build failed"
got=$(AIOATTR_DEV=/nonexistent LD_LIBRARY_PATH=$libdir "$tmp/t") || fail "t exited with $?"
[[ $got == ok ]] || fail "t printed '$got'"

mandir=$root/usr/share/man
for p in libaioattr-posix aio_attr_get aio_attr_get64 aio_attr_set_mask aio_attr_get_mask; do
	[[ -f $mandir/man3/$p.3 ]] || fail "no man page $p.3"
	w=$(cd "$mandir" && LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "man3/$p.3" 2>&1 >/dev/null) ||
		fail "man -l $p.3 failed"
	[[ -z $w ]] || fail "man --warnings -l $p.3: $w"
done
echo "install_test: libaioattr-posix exports, pkg-config, man pages: ok"
