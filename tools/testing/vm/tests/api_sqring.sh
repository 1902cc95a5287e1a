#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The submission queue (ABI version 3): sqes written into the mapping,
# queued by AIO_ATTR_IOC_ENTER.
# 1. aa_sqring: setup and its validation, EBADFD/EINVAL of ENTER, writes
#    and reads through a wrapping queue with their data checked, the wait
#    for min_complete on an aiodemo disk whose reads take 20 ms, reads on
#    one that completes in hardirq (also while close() races them, and as
#    an unprivileged user), refused
#    sqes consumed and completed with their errno, a corrupt sq_tail, the
#    in-flight limit leaving the sqe queued and a signal ending the wait
#    (requests held by a suspended dm linear over brd: nothing completes
#    until it resumes, no timing involved).
# 2. The fio engine (sqring=1, the default) at iodepth=1 and 16 on brd:
#    every submission goes through ENTER (the kernel's count of the job's
#    ioctls, a hist trigger on syscalls:sys_enter_ioctl: no SUBMIT at all,
#    as many ENTERs as the engine counts, at iodepth=1 at most 1.05 ioctls
#    per I/O); sqring=0 still uses SUBMIT.
# Programs: aa_sqring, aa_submitwait (ioctl numbers), fio with the aioattr engine.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'dmsetup resume aasq >/dev/null 2>&1; dmsetup remove_all >/dev/null 2>&1; aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require aa_sqring

aa_load aio_attr
aa_brd 64
aa_aiodemo sq0 64 completion=softirq cache_blocks=0 hit_nsec=20000000 miss_nsec=20000000
aa_aiodemo sqh 64 completion=hardirq cache_blocks=0 hit_nsec=50000 miss_nsec=50000
echo "0 $(blockdev --getsz /dev/ram0) linear /dev/ram0 0" | dmsetup create aasq ||
	{ aa_fail sqring.setup "dmsetup create aasq"; aa_done; }
[ -b /dev/mapper/aasq ] || dmsetup mknodes aasq

# 1.
aa_sqring --dev /dev/ram0 --held /dev/mapper/aasq --dm aasq --slow /dev/sq0 \
	--slow-ns 20000000 --hardirq /dev/sqh || AA_FAILED=1

# 2.
EV=/sys/kernel/tracing/events/syscalls/sys_enter_ioctl
if ! command -v fio >/dev/null || [ ! -f /tests/lib/aioattr.so ] ||
	! command -v aa_submitwait >/dev/null; then
	aa_skip sqring.fio "no fio, aioattr.so or aa_submitwait"
	aa_done
fi
if [ ! -w $EV/trigger ]; then
	aa_skip sqring.fio "no syscalls:sys_enter_ioctl event (CONFIG_FTRACE_SYSCALLS)"
	aa_done
fi
IOCTLS=$(aa_submitwait --ioctls)
SUBMIT=${IOCTLS% *}
WAIT=${IOCTLS#* }
ENTER=$(aa_sqring --ioctl)
TRIG="hist:keys=common_pid,cmd.hex if cmd == $SUBMIT || cmd == $WAIT || cmd == $ENTER"

# count CMD - the kernel's count of ioctl CMD in $counts ("cmd count" lines)
count() {
	echo "$counts" | awk -v c="$1" '("0x" $1) == c { n += $2 } END { print n + 0 }'
}

# engine_fio ID OUT ARGS... - fio with the engine on /dev/ram0, random 4k
# reads of 8 MiB, ARGS added.  Sets ke, ks, kw (the kernel's ENTERs,
# SUBMITs and WAITs of the job), es (the engine's submitting calls) and ios;
# returns 1 (ID failed) when fio fails or reports too few I/Os.
engine_fio() {
	eid=$1
	out=$2
	shift 2
	if ! hist=$(aa_hist $EV "$TRIG" "$out" fio --name=sq --filename=/dev/ram0 \
		--ioengine=external:/tests/lib/aioattr.so --direct=1 --rw=randread --bs=4k \
		--size=8m --attrs=all "$@"); then
		aa_fail "$eid" "fio failed: $(grep -i 'err\|fio:\|fail' "$out" | head -n 3 | tr '\n' ' ')"
		return 1
	fi
	# "{ common_pid: 123, cmd: c028a702 } hitcount: 2048"
	counts=$(echo "$hist" |
		sed -n 's/^{ common_pid: *[0-9]*, cmd: *\([0-9a-f]*\) *} hitcount: *\([0-9]*\).*/\1 \2/p')
	echo "# kernel saw (cmd count): $(echo "$counts" | tr '\n' ';')"
	grep 'system calls:' "$out"
	ke=$(count "$ENTER")
	ks=$(count "$SUBMIT")
	kw=$(count "$WAIT")
	# "system calls: 2048 submit (2048 of them waiting), 0 wait for 2048 I/Os: ..."
	line=$(sed -n 's/.*system calls: \([0-9]*\) submit (.* wait for \([0-9]*\) I\/Os.*/\1 \2/p' "$out")
	es=${line% *}
	ios=${line#* }
	es=${es:-0} ios=${ios:-0}
	if [ "$ios" -lt 2048 ]; then
		aa_fail "$eid" "engine reported ${ios} I/Os, expected at least 2048"
		return 1
	fi
	return 0
}

# through_enter ID QD - the job at iodepth=QD submits through ENTER only
through_enter() {
	if engine_fio "$1" "/tmp/sq$2.out" --iodepth="$2"; then
		if [ "$ks" != 0 ]; then
			aa_fail "$1" "$ks SUBMIT ioctls with sqring=1"
		elif [ "$ke" -lt 1 ] || [ "$ke" != "$es" ]; then
			aa_fail "$1" "kernel saw $ke ENTER, the engine says $es submitting calls"
		elif [ "$2" = 1 ] && [ $(((ke + kw) * 100)) -gt $((ios * 105)) ]; then
			aa_fail "$1" "$ke ENTER + $kw WAIT ioctls for $ios I/Os: more than 1.05 per I/O"
		else
			aa_pass "$1"
		fi
	fi
}
through_enter sqring.fio_qd1 1
through_enter sqring.fio_qd16 16

id=sqring.fio_off
if engine_fio "$id" /tmp/sqoff.out --iodepth=1 --sqring=0; then
	if [ "$ke" != 0 ] || [ "$ks" -lt 1 ] || [ "$ks" != "$es" ]; then
		aa_fail "$id" "sqring=0: kernel saw $ke ENTER and $ks SUBMIT, the engine $es"
	else
		aa_pass "$id"
	fi
fi
aa_done
