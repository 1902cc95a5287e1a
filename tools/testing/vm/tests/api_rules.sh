#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Rules of Documentation/aio_attr/abi.rst and iodesc.rst that had no test
# (Documentation/aio_attr/claims.rst): SUBMIT asks the LSM hook (a fanotify
# FAN_ACCESS_PERM listener denies reading a tmpfs file); a worker writes
# with the submitter's credentials (the set-user-ID bit of a tmpfs file)
# and ends short at a page it cannot pin; FSYNC/FDATASYNC run with them (a
# FUSE file system the program serves sees the submitter's uid); the ring and the request table
# are charged to the memory cgroup (memory.current of a cgroup v2 group),
# and so are a worker's page cache and bios (memory.current, io.stat);
# loop without direct I/O over an aiodemo disk gives UNSUPPORTED
# attributes; PAGECACHE is PARTIAL for a buffered read of aiodemo with one
# page of two cached, UNSUPPORTED for O_DIRECT, FSYNC and tmpfs; the errors
# counter; a write to a frozen ext4 goes to a worker and SUBMIT does not
# wait for the thaw; reads and writes send no inotify events (pwrite and
# pread do); WAIT ends with EINTR on a signal; max_inflight_total refuses
# with EAGAIN (null_blk completing after 1 s holds the requests).
# Program: aa_rules.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
cg=/sys/fs/cgroup
# shellcheck disable=SC2317 # run from the EXIT trap
cleanup() {
	rmdir "$cg/aa_rules" 2>/dev/null
	umount -l /tmp/aa_fuse 2>/dev/null
	umount /mnt/aa_rules 2>/dev/null
	umount "$cg" 2>/dev/null
	aa_configfs_clean /sys/kernel/config/aiodemo
	aa_configfs_clean /sys/kernel/config/nullb
}
trap cleanup EXIT
aa_require aa_rules mkfs.ext4

aa_load aio_attr
aa_load loop
aa_load fuse
mkdir -p /tmp/aa_fuse
aa_brd 16
aa_nullb nullb0 16 irqmode=2 completion_nsec=1000000000 memory_backed=0
aa_aiodemo adru 64 cache_blocks=65536 write_policy=around hit_nsec=10000 miss_nsec=50000
head -c 65536 /dev/urandom >/tmp/aa_rules.dat
mkdir -p /mnt/aa_rules
if ! mkfs.ext4 -q -F /dev/ram0 >/tmp/mkfs.out 2>&1 || ! mount -t ext4 /dev/ram0 /mnt/aa_rules; then
	aa_fail rules.setup "ext4 on /dev/ram0: $(tr '\n' ' ' </tmp/mkfs.out)"
	exit 1
fi
mkdir -p "$cg"
mount -t cgroup2 none "$cg" || { aa_fail rules.cgroup "mount cgroup2"; exit 1; }
if ! echo +memory >"$cg/cgroup.subtree_control" || ! mkdir "$cg/aa_rules"; then
	aa_fail rules.cgroup "memory controller"
	exit 1
fi
# the io controller too, for worker_cgroup's io.stat (checked if present)
echo +io >"$cg/cgroup.subtree_control" 2>/dev/null
aa_rules --file /tmp/aa_rules.dat --bdev /dev/ram0 --suid /tmp/aa_rules.suid \
	--cgroup "$cg/aa_rules" --aiodemo /dev/adru --pcdev /dev/adru --slow /dev/nullb0 \
	--fuse-dir /tmp/aa_fuse --fsdir /mnt/aa_rules ||
	AA_FAILED=1
rm -f /tmp/aa_rules.dat /tmp/aa_rules.suid
aa_done
