#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Submission never waits for a file's I/O (AIO_ATTR_FEAT_WORKERS): buffered
# reads of a file on ext4 over an aiodemo disk whose every access takes
# 2 ms, with a cold and then a warm page cache (PAGECACHE miss from a
# worker, then hit inline; no SUBMIT sleeps, not even with 4 request slots
# for 1024 misses), sequential reads whose page cache hits at a readahead
# mark complete from a worker, a cold extent block that a buffered read's
# SUBMIT does not wait for and an O_DIRECT read's does (the stated limit),
# ext4 buffered writes through a worker,
# AIO_ATTR_IOC_CANCEL and close() against requests queued behind a read
# that a suspended dm device holds, reads held there across a fork() (the
# data lands in the submitter's page), and a submit / cancel / close stress
# on tmpfs (100000 cycles, about a minute on an idle host, a 16th of them on
# the debug kernel; another count with
# AA_GUEST_ENV=AA_WORKER_CYCLES=N).  Groups whose members complete in
# hard interrupt context: aiodemo completion=hardirq, with a fault range
# for a member that fails there.  Cancel, groups and the worker's
# credentials as an unprivileged user (65534).  Not by default: groups
# racing a worker member against hardirq ones,
# AA_GUEST_ENV=AA_WORKER_GROUP_RACE=N (3000 rounds passed once).
# max_workers is 1 so that what waits and what runs is known.
# Program: aa_worker.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'umount /mnt/aw_ext4 /mnt/aw_tmp 2>/dev/null; dmsetup resume aw_hold >/dev/null 2>&1; dmsetup remove_all >/dev/null 2>&1; aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require aa_worker

MISS=2000000
aa_load aio_attr
aa_brd 64
# 4 request slots, far fewer than the cold reads aa_worker queues (1024,
# some 20 of them in flight were a SUBMIT to start the read): a SUBMIT
# starts no readahead, so it never waits for a free slot
aa_aiodemo aw0 128 completion=softirq cache_blocks=0 hit_nsec=$MISS miss_nsec=$MISS queue_depth=4
# 1 ms: a group's SUBMIT is over before its members complete; sectors
# 8-15, the 4k block at 4096, fail (EIO) in the hrtimer's completion
aa_aiodemo aw1 16 completion=hardirq blocksize=4096 cache_blocks=0 hit_nsec=1000000 \
	miss_nsec=1000000
echo "8 8" >/sys/block/aw1/aiodemo/fail_range
echo "0 $(blockdev --getsz /dev/ram0) linear /dev/ram0 0" | dmsetup create aw_hold ||
	{ aa_fail worker.setup "dmsetup create aw_hold"; aa_done; }
[ -b /dev/mapper/aw_hold ] || dmsetup mknodes aw_hold
/sbin/modprobe ext4 2>/dev/null
mkdir -p /mnt/aw_ext4 /mnt/aw_tmp
if ! mkfs.ext4 -q -F /dev/aw0 >/tmp/mkfs.out 2>&1 || ! mount -t ext4 /dev/aw0 /mnt/aw_ext4; then
	aa_fail worker.setup "ext4 on /dev/aw0: $(tr '\n' ' ' </tmp/mkfs.out) $(dmesg | tail -n 2)"
	aa_done
fi
mount -t tmpfs -o size=16m none /mnt/aw_tmp
# The unprivileged cases: the user reads the held device.
chmod 0644 /dev/mapper/aw_hold

P=/sys/module/aio_attr/parameters/max_workers
old=$(cat $P)
echo 1 >$P
aa_worker --file /mnt/aw_ext4/data --miss-ns $MISS --held /dev/mapper/aw_hold --dm aw_hold \
	--tmp /mnt/aw_tmp --hardirq /dev/aw1 --bad-offset 4096 --uid 65534 \
	${AA_WORKER_GROUP_RACE:+--group-race "$AA_WORKER_GROUP_RACE"} \
	--cycles "${AA_WORKER_CYCLES:-$(aa_stress_len $((100000 / (${AA_TIME_SCALE:-1} * ${AA_TIME_SCALE:-1}))))}" || AA_FAILED=1
echo "$old" >$P

# max_workers is checked: 0 and 65 are refused, the value stays
id=worker.param
if echo 0 >$P 2>/dev/null || echo 65 >$P 2>/dev/null || [ "$(cat $P)" != "$old" ]; then
	aa_fail $id "max_workers accepted 0 or 65 (now $(cat $P))"
else
	aa_pass $id
fi
umount /mnt/aw_ext4 /mnt/aw_tmp
aa_done
