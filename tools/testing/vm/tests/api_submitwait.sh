#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# AIO_ATTR_SUBMIT_WAIT (ABI version 2): submit and wait in one ioctl.
# 1. aa_submitwait: the wait for min_complete on an aiodemo disk whose
#    reads take 20 ms, ETIME and EINTR in wait_error with the accepted
#    count as return value (requests held by a suspended dm linear over
#    brd: nothing completes until it resumes, no timing involved), no wait
#    after a batch that stops early, EINVAL for the new fields in version 1
#    contexts and without the flag in version 2 contexts; an O_DIRECT
#    SUBMIT on a disk with one request (sw2) sleeps for it.
# 2. The fio engine at iodepth=1 on an aiodemo disk that completes 100 us
#    after submission (so no I/O completes inside the submit call): the
#    kernel's own count of the job's SUBMIT and WAIT ioctls (a hist trigger
#    on syscalls:sys_enter_ioctl) must be at most 1.05 per I/O - two
#    without submit-and-wait - and equal what the engine reports.  With
#    submit_wait=0 no SUBMIT waits, the job needs WAITs, and the kernel's
#    counts again equal the engine's.
# 3. numjobs=2 (threads): two threads, each submitting on a context fd of
#    its own.
# Programs: aa_submitwait, fio with the aioattr engine.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'dmsetup resume aahold >/dev/null 2>&1; dmsetup remove_all >/dev/null 2>&1; aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require aa_submitwait

aa_load aio_attr
aa_brd 64
aa_aiodemo sw0 64 completion=softirq cache_blocks=0 hit_nsec=20000000 miss_nsec=20000000
echo "0 $(blockdev --getsz /dev/ram0) linear /dev/ram0 0" | dmsetup create aahold ||
	{ aa_fail submitwait.setup "dmsetup create aahold"; aa_done; }
[ -b /dev/mapper/aahold ] || dmsetup mknodes aahold

# one request, no scheduler: the tag_wait case's disk
aa_aiodemo sw2 16 completion=softirq cache_blocks=0 hit_nsec=50000000 miss_nsec=50000000 \
	queue_depth=1
echo none >/sys/block/sw2/queue/scheduler 2>/dev/null

# 1.
aa_submitwait --slow /dev/sw0 --slow-ns 20000000 --held /dev/mapper/aahold --dm aahold \
	--dev /dev/ram0 --one-tag /dev/sw2 || AA_FAILED=1

# 2. and 3.
EV=/sys/kernel/tracing/events/syscalls/sys_enter_ioctl
if ! command -v fio >/dev/null || [ ! -f /tests/lib/aioattr.so ]; then
	aa_skip submitwait.fio "no fio or no aioattr.so"
	aa_done
fi
if [ ! -w $EV/trigger ]; then
	aa_skip submitwait.fio "no syscalls:sys_enter_ioctl event (CONFIG_FTRACE_SYSCALLS)"
	aa_done
fi
aa_aiodemo sw1 64 completion=softirq cache_blocks=0 hit_nsec=100000 miss_nsec=100000
read -r SUBMIT WAIT <<EOF
$(aa_submitwait --ioctls)
EOF
TRIG="hist:keys=common_pid,fd,cmd.hex if cmd == $SUBMIT || cmd == $WAIT"

# traced_fio OUT ARGS... - fio with the engine on /dev/sw1, QD1 random 4k
# reads of 8 MiB per job, ARGS added; its output goes to OUT, then one line
# per (thread, fd, ioctl) the kernel saw: "PID FD submit|wait COUNT".
# sqring=0: these cases are about AIO_ATTR_IOC_SUBMIT (api_sqring.sh
# counts the engine's AIO_ATTR_IOC_ENTER calls).
traced_fio() {
	out=$1
	shift
	hist=$(aa_hist $EV "$TRIG" "$out" fio --name=qd1 --filename=/dev/sw1 \
		--ioengine=external:/tests/lib/aioattr.so --direct=1 --rw=randread --bs=4k \
		--size=8m --iodepth=1 --attrs=all --sqring=0 "$@")
	rc=$?
	# "{ common_pid: 123, fd: 5, cmd: c028a702 } hitcount: 2048"
	echo "$hist" |
		sed -n 's/^{ common_pid: *\([0-9]*\), fd: *\([0-9]*\), cmd: *\([0-9a-f]*\) *} hitcount: *\([0-9]*\).*/\1 \2 \3 \4/p' |
		while read -r pid fd cmd n; do
			case 0x$cmd in
			"$SUBMIT") echo "$pid $fd submit $n" ;;
			"$WAIT") echo "$pid $fd wait $n" ;;
			esac
		done
	return $rc
}

# sum KIND - total COUNT of the KIND lines of traced_fio on stdin
sum() { awk -v k="$1" '$3 == k { n += $4 } END { print n + 0 }'; }

# counted_fio ID OUT ARGS... - traced_fio OUT ARGS..., then what the kernel
# and the engine counted: sets ks and kw (the kernel's SUBMITs and WAITs),
# sw (the engine's SUBMITs that also waited) and ios (its I/Os).  Fails
# ID and returns 1 when fio fails, when the engine reports fewer than 2048
# I/Os, or when its counts differ from the kernel's.
counted_fio() {
	cid=$1
	shift
	if ! calls=$(traced_fio "$@"); then
		aa_fail "$cid" "fio failed: $(grep -i 'err\|fio:\|fail' "$1" | head -n 3 | tr '\n' ' ')"
		return 1
	fi
	echo "# kernel saw: $(echo "$calls" | tr '\n' ';')"
	grep 'system calls:' "$1"
	ks=$(echo "$calls" | sum submit)
	kw=$(echo "$calls" | sum wait)
	# "system calls: 2048 submit (2048 of them waiting), 0 wait for 2048 I/Os: 1.00 per I/O"
	read -r es sw ew ios <<EOF
$(sed -n 's/.*system calls: \([0-9]*\) submit (\([0-9]*\) of them waiting), \([0-9]*\) wait for \([0-9]*\) I\/Os.*/\1 \2 \3 \4/p' "$1")
EOF
	ios=${ios:-0}
	if [ "$ios" -lt 2048 ]; then
		aa_fail "$cid" "engine reported ${ios} I/Os, expected at least 2048"
	elif [ "$ks" != "$es" ] || [ "$kw" != "$ew" ]; then
		aa_fail "$cid" "kernel saw $ks submit $kw wait, engine says $es and $ew"
	else
		return 0
	fi
	return 1
}

id=submitwait.fio_qd1
if counted_fio "$id" /tmp/qd1.out; then
	if [ $(((ks + kw) * 100)) -gt $((ios * 105)) ]; then
		aa_fail "$id" "$ks submit + $kw wait ioctls for $ios I/Os: more than 1.05 per I/O"
	else
		aa_pass "$id"
	fi
fi

id=submitwait.fio_qd1_apart
if counted_fio "$id" /tmp/apart.out --submit_wait=0; then
	if [ "$sw" != 0 ]; then
		aa_fail "$id" "$sw submissions waited with submit_wait=0"
	elif [ "$kw" -eq 0 ]; then
		aa_fail "$id" "no WAIT for $ios I/Os that each complete 100 us after SUBMIT"
	else
		aa_pass "$id"
	fi
fi

id=submitwait.fio_context_per_job
if calls=$(traced_fio /tmp/jobs.out --numjobs=2 --thread=1); then
	echo "# kernel saw: $(echo "$calls" | tr '\n' ';')"
	subs=$(echo "$calls" | awk '$3 == "submit"')
	n=$(echo "$subs" | grep -c .)
	pids=$(echo "$subs" | awk '{ print $1 }' | sort -u | grep -c .)
	fds=$(echo "$subs" | awk '{ print $2 }' | sort -u | grep -c .)
	if [ "$n" = 2 ] && [ "$pids" = 2 ] && [ "$fds" = 2 ]; then
		aa_pass $id
	else
		aa_fail $id "SUBMITs came from $pids threads on $fds fds ($n pairs), expected 2 and 2"
	fi
else
	aa_fail $id "fio failed: $(grep -i 'err\|fio:\|fail' /tmp/jobs.out | head -n 3 | tr '\n' ' ')"
fi
aa_done
