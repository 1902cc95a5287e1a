# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Sourced by guest.sh after the matrix: perf (software events and
# tracepoints only - TCG has no PMU) on the cells that the targets are
# about.  For each: `perf stat -a` counts of context switches, softirqs,
# workqueue items, io_uring punts, block completions, TLB flushes, IPIs and
# system calls, and a
# `perf record -a -g` cpu-clock profile summarised by symbol.  The output
# leaves the guest as blobs named perf.<cell>.txt.

[ -n "${PROFILE_CELLS:-}" ] || PROFILE_CELLS="iocrypt:libaio:rr1 crypt:libaio:rr1 cryptnowq:libaio:rr1
iocrypt:io_uring:rr1 cryptnowq:io_uring:rr1 iocrypt:libaio:sr8 aiodemo:aioattr:rr1
aiodemo:libaio:rr1 aiodemo:io_uring:rr1 aiodemo:aioattr:rr32 aiodemo:libaio:rr32 aiodemo:io_uring:rr32
brd:aioattr:rr1 brd:io_uring:rr1 brd:libaio:rr1 brd:aioattr:rr32 brd:io_uring:rr32
brd:aioattr:rr1j2 brd:io_uring:rr1j2 brd:aioattrnone:rr1j2"
EVENTS=context-switches,cpu-migrations,irq:softirq_entry,irq:irq_handler_entry
EVENTS=$EVENTS,workqueue:workqueue_execute_start,sched:sched_wakeup
EVENTS=$EVENTS,io_uring:io_uring_queue_async_work,block:block_rq_complete,block:block_bio_complete
EVENTS=$EVENTS,timer:hrtimer_expire_entry,tlb:tlb_flush,irq_vectors:call_function_single_entry
EVENTS=$EVENTS,irq_vectors:reschedule_entry,raw_syscalls:sys_enter

# fio_cmd TARGET ENGINE WL - the fio command of a cell, attrs=all.
fio_cmd() {
	jobs=
	case $3 in
	rr1) rw=randread bs=4k qd=1 ;;
	rr1j2) rw=randread bs=4k qd=1 jobs="--numjobs=2 --group_reporting=1" ;;
	rr32) rw=randread bs=4k qd=32 ;;
	rw1) rw=randwrite bs=4k qd=1 ;;
	rw32) rw=randwrite bs=4k qd=32 ;;
	sr8) rw=read bs=128k qd=8 ;;
	esac
	case $2 in
	aioattr) eng="external:$ENGINE --attrs=all --attr_json=/tmp/bench/p.attr.json" ;;
	aioattrnone) eng="external:$ENGINE --attrs=none --attr_json=/tmp/bench/p.attr.json" ;;
	*) eng=$2 ;;
	esac
	echo "fio --name=p --filename=$(devpath "$1") --ioengine=$eng --direct=1 --rw=$rw" \
		"--bs=$bs --iodepth=$qd --size=${SIZE_MB}M --time_based --runtime=$RUNTIME" \
		"--norandommap --randrepeat=0 --output-format=terse $jobs"
}

for c in $PROFILE_CELLS; do
	IFS=: read -r pt pe pw <<EOF
$c
EOF
	[ -n "$ONLY" ] && ! echo "$pt $pe $pw all" | grep -qE "$ONLY" && continue
	f=$OUT/perf.$pt.$pe.$pw.txt
	say "profile: $pt $pe $pw"
	cmd=$(fio_cmd "$pt" "$pe" "$pw")
	{
		echo "## $cmd"
		echo "## perf stat -a"
		# shellcheck disable=SC2086
		perf stat -a -e "$EVENTS" -- $cmd 2>&1 >/dev/null </dev/null | grep -v '^$'
		echo "## perf record -a -g (cpu-clock), by symbol"
		# shellcheck disable=SC2086
		perf record -q -a -g -F 2000 -o /tmp/bench/perf.data -- $cmd >/dev/null 2>&1 </dev/null
		perf report -q -i /tmp/bench/perf.data --stdio --no-children --sort sym \
			-g none --percent-limit 0.15 2>/dev/null | head -n 150
		echo "## fio's samples by symbol"
		perf report -q -i /tmp/bench/perf.data --stdio --no-children --comm fio \
			--sort sym -g none --percent-limit 0.1 2>/dev/null | head -n 120
		echo "## by dso"
		perf report -q -i /tmp/bench/perf.data --stdio --no-children --sort dso \
			-g none 2>/dev/null | head -n 12
		echo "## by command"
		perf report -q -i /tmp/bench/perf.data --stdio --no-children --sort comm \
			-g none 2>/dev/null | head -n 12
		echo "## callers of the top symbols"
		perf report -q -i /tmp/bench/perf.data --stdio --no-children --sort sym \
			-g caller,0.5,callee,function,percent --percent-limit 1.3 2>/dev/null | head -n 400
	} >"$f" 2>&1
	rm -f /tmp/bench/perf.data
	blob "$(basename "$f")" "$f"
	sleep 1
done
