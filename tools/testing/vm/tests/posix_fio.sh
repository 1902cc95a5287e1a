#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fio's own posixaio engine, unmodified, with LD_PRELOAD=libaioattr-posix:
# a randrw verify=crc32c job at iodepth 16 passes on a block device
# (O_DIRECT brd) and on a file (buffered, ext4 on brd: the worker path,
# with aio_fsync every 64 writes),
# and the I/O went through /dev/aio_attr - the module's submitted and
# completed counters grow by at least the job's I/O count.  The same job
# without the preload (glibc's own threads) leaves them alone, so the
# counter check can fail.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'umount /mnt/pf 2>/dev/null' EXIT
PRE=/tests/lib/libaioattr-posix.so
aa_require fio $PRE
SYS=/sys/class/misc/aio_attr

# jios FILE - total_ios of an fio JSON report: read, write, trim and sync
jios() {
	grep -o '"total_ios" : [0-9]*' "$1" | sed 's/.*: //' |
		{ s=0; while read -r v; do s=$((s + v)); done; echo $s; }
}

# jiops FILE - read + write IOPS of an fio JSON report, rounded
jiops() {
	grep -o '"iops" : [0-9.]*' "$1" | head -n 2 | sed 's/.*: //' |
		awk '{ s += $1 } END { printf "%d\n", s }'
}

# run ID PRELOAD FILE DIRECT [fio args] - the job; sets IOS, SUB and COMP
# (the device's submitted and completed counters' growth)
run() {
	id=$1 pre=$2 file=$3 direct=$4
	shift 4
	s0=$(cat $SYS/submitted) c0=$(cat $SYS/completed)
	if ! LD_PRELOAD=$pre fio --name=p --filename="$file" --ioengine=posixaio --direct="$direct" \
		--rw=randrw --bs=4k --size=16m --iodepth=16 --verify=crc32c --do_verify=1 \
		--verify_fatal=1 --randrepeat=0 --output-format=json --output=/tmp/pf.json "$@" \
		>/tmp/pf.out 2>&1; then
		aa_fail "$id" "fio failed: $(grep -i 'err\|fio:\|verify' /tmp/pf.out /tmp/pf.json | head -n 4 | tr '\n' ' ')"
		return 1
	fi
	echo "$id: $(jiops /tmp/pf.json) IOPS (read + write, verify included)"
	IOS=$(jios /tmp/pf.json) SUB=$(($(cat $SYS/submitted) - s0)) COMP=$(($(cat $SYS/completed) - c0))
}

# check ID - fio passed and every one of its I/Os went through the device
check() {
	echo "$1: fio ios=$IOS, aio_attr submitted +$SUB completed +$COMP"
	if [ "$IOS" -gt 0 ] && [ "$SUB" -ge "$IOS" ] && [ "$COMP" -ge "$IOS" ]; then
		aa_pass "$1"
	else
		aa_fail "$1" "ios=$IOS but submitted +$SUB completed +$COMP"
	fi
}

aa_load aio_attr
aa_brd 64

run posix_fio.bdev $PRE /dev/ram0 1 && check posix_fio.bdev

# glibc's POSIX AIO (the same job, for its IOPS) does not touch the device
id=posix_fio.glibc
if run $id "" /dev/ram0 1; then
	if [ "$SUB" = 0 ]; then aa_pass "$id"; else aa_fail "$id" "submitted +$SUB without the preload"; fi
fi

/sbin/modprobe ext4 2>/dev/null
mkdir -p /mnt/pf
if mkfs.ext4 -q -F /dev/ram0 >/tmp/mkfs.out 2>&1 && mount -t ext4 /dev/ram0 /mnt/pf; then
	# an aio_fsync(O_SYNC) every 64 writes too (fio's posixaio has CONFIG_POSIXAIO_FSYNC)
	run posix_fio.file $PRE /mnt/pf/data 0 --fsync=64 && check posix_fio.file
	umount /mnt/pf
else
	aa_fail posix_fio.file "ext4 on /dev/ram0: $(tr '\n' ' ' </tmp/mkfs.out)"
fi
aa_done
