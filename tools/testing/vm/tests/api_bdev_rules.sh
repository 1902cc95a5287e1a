#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What block/fops.c does for O_DIRECT block-device writes, aio_attr must do
# too, and the alignment and error-reporting rules of the ABI doc:
#  - a buffered reader sees an O_DIRECT write's data once it completed,
#    even if it re-cached the range while the write was in flight
#    (dm-delay holds writes 300 ms); such completions come from a worker;
#  - writes to an active swap device: ETXTBSY (O_DIRECT: from SUBMIT);
#  - a 4096-byte logical-block device takes 512-aligned buffers, refuses
#    256-aligned buffers and 512-aligned offsets or lengths (EINVAL);
#  - an unaligned O_DIRECT buffer on an ext4 file is a -EINVAL result;
#  - a buffered write to a block device made read-only after open is a
#    -EPERM result (O_DIRECT: EPERM from SUBMIT);
#  - SETUP whose copy-out faults (userfaultfd) while another thread mmaps
#    the context: no deadlock;
#  - an O_DIRECT write updates the device node's mtime, a read its atime,
#    as pwrite and pread do;
#  - an O_DIRECT write carries the file's write hint (F_SET_RW_HINT) as
#    pwrite's does: scsi_debug counts both in the hint's group, also
#    through iocrypt, whose writes go down in bios of its own (6.12; 6.1's
#    bios carry none and its scsi_debug keeps no counts: skipped).
# Program: aa_core.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
# shellcheck disable=SC2317 # run from the EXIT trap
cleanup() {
	swapoff /dev/nullb1 2>/dev/null
	umount /tmp/aa_ext4 2>/dev/null
	dmsetup remove_all >/dev/null 2>&1
	aa_configfs_clean /sys/kernel/config/nullb
}
trap cleanup EXIT
aa_require aa_core mkswap swapon mkfs.ext4

aa_load aio_attr
aa_load brd rd_nr=2 rd_size=65536 max_part=0
aa_load dm-delay
echo "0 $(blockdev --getsz /dev/ram0) delay /dev/ram0 0 0 /dev/ram0 0 300" | dmsetup create aadelay ||
	aa_fail core.setup "dm-delay"
[ -b /dev/mapper/aadelay ] || dmsetup mknodes aadelay
aa_nullb nullb0 64 blocksize=4096 memory_backed=1 irqmode=1 poll_queues=0
aa_nullb nullb1 64 memory_backed=1
aa_nullb nullb2 16 memory_backed=1
if ! mkswap /dev/nullb1 >/dev/null || ! swapon /dev/nullb1; then
	aa_fail core.setup "swapon /dev/nullb1"
fi
mkdir -p /tmp/aa_ext4
if ! mkfs.ext4 -q /dev/ram1 || ! mount -t ext4 /dev/ram1 /tmp/aa_ext4; then
	aa_fail core.setup "ext4 on /dev/ram1"
fi
aa_scsi_debug 16
aa_iocrypt aahint "$AA_SD"
aa_core --delay /dev/mapper/aadelay --swap /dev/nullb1 --bs4k /dev/nullb0 \
	--fsfile /tmp/aa_ext4/file --ro /dev/nullb2 --uffd --times /dev/nullb0 \
	--hint "$AA_SD" --hint-iocrypt /dev/mapper/aahint \
	--hint-stats /sys/bus/pseudo/drivers/scsi_debug/group_number_stats ||
	AA_FAILED=1
aa_done
