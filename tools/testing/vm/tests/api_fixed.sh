#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Registered buffers (AIO_ATTR_IOC_REGISTER_BUFFERS, AIO_ATTR_SQE_FIXED_BUF):
#  - data written from one registered buffer and read back into another
#    matches, on brd and on aiodemo completing in hardirq, at offsets that
#    start inside a page, cross pages and skip whole pages;
#  - ranges and arguments: EFAULT past the end or before the start, EINVAL
#    for a bad index, no registration, a vectored op, the flag or resv0 on
#    a version 1 context, EBADFD for the ioctls there, ENXIO, EBUSY for a
#    second registration and for unregistering with I/O held in flight (a
#    suspended dm-linear), EOPNOTSUPP for file and device mappings;
#  - close() with fixed-buffer I/O held in flight frees everything once it
#    ends (contexts, inflight and VmPin back to where they were);
#  - an unprivileged user's buffers count against RLIMIT_MEMLOCK (ENOMEM
#    one page over, the charge comes back on unregister and after close);
#  - fixed reads and writes on an ext4 file with O_DIRECT and buffered, and
#    on tmpfs (kiocb path).
# Program: aa_fixed.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
# shellcheck disable=SC2317 # run from the EXIT trap
cleanup() {
	umount /tmp/aa_fx_ext4 /tmp/aa_fx_tmpfs 2>/dev/null
	dmsetup remove aafxhold >/dev/null 2>&1
	aa_configfs_clean /sys/kernel/config/aiodemo
}
trap cleanup EXIT
aa_require aa_fixed mkfs.ext4 dmsetup

aa_load aio_attr
aa_load brd rd_nr=3 rd_size=65536 max_part=0
aa_aiodemo adfx 64 completion=hardirq blocksize=512
echo "0 $(blockdev --getsz /dev/ram2) linear /dev/ram2 0" | dmsetup create aafxhold ||
	{ aa_fail fixed.setup "dmsetup create aafxhold"; aa_done; }
[ -b /dev/mapper/aafxhold ] || dmsetup mknodes aafxhold
mkdir -p /tmp/aa_fx_ext4 /tmp/aa_fx_tmpfs
if ! mkfs.ext4 -q /dev/ram1 || ! mount -t ext4 /dev/ram1 /tmp/aa_fx_ext4; then
	aa_fail fixed.setup "ext4 on /dev/ram1"
	aa_done
fi
mount -t tmpfs none /tmp/aa_fx_tmpfs || { aa_fail fixed.setup "tmpfs"; aa_done; }
aa_fixed --dev /dev/ram0 --dev /dev/adfx --hold aafxhold \
	--fsfile /tmp/aa_fx_ext4/data --map-file /tmp/aa_fx_ext4/map \
	--tmpfile /tmp/aa_fx_tmpfs/data --uid 65532 || AA_FAILED=1
aa_done
