#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# POSIX <aio.h> conformance of libaioattr-posix (issue 13 must-show 5):
# aa_posix checks each function's return values and errors, aio_suspend's
# timeout and EINTR, SIGEV_SIGNAL/SIGEV_THREAD delivery, cancel of a
# request queued behind a read that a suspended dm device holds in the
# only worker (max_workers=1), lio_listio LIO_WAIT/LIO_NOWAIT with failing
# members, the attribute extension, reuse and fork; then, with the module
# unloaded, that every call fails with ENOSYS instead of crashing.
# Program: aa_posix.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'umount /mnt/px 2>/dev/null; dmsetup resume px_hold >/dev/null 2>&1; dmsetup remove_all >/dev/null 2>&1' EXIT
aa_require aa_posix

aa_load aio_attr
aa_brd 64
echo "0 $(blockdev --getsz /dev/ram0) linear /dev/ram0 0" | dmsetup create px_hold ||
	{ aa_fail posix.setup "dmsetup create px_hold"; aa_done; }
[ -b /dev/mapper/px_hold ] || dmsetup mknodes px_hold
mkdir -p /mnt/px
mount -t tmpfs -o size=16m none /mnt/px

P=/sys/module/aio_attr/parameters/max_workers
old=$(cat $P)
echo 1 >$P
aa_posix --file /mnt/px/data --held /dev/mapper/px_hold --dm px_hold || AA_FAILED=1
echo "$old" >$P
umount /mnt/px
dmsetup remove px_hold

# no device: ENOSYS, never a crash
aa_unload posix aio_attr
aa_posix --enosys || AA_FAILED=1
aa_done
