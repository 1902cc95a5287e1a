#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Where a lone O_DIRECT request is dispatched.  A blk-mq disk with an I/O
# scheduler dispatches an unplugged request from kblockd (a worker wakeup
# and two context switches per I/O); SUBMIT plugs a single request where
# that can happen, so the submitter dispatches it.  fio with the aioattr
# engine, 4k random reads at iodepth=1 (one request per SUBMIT), and the
# kernel's count of kblockd's queue runs (blk_mq_run_work_fn, a hist
# trigger on workqueue:workqueue_execute_start) must stay under 5% of the
# reads:
#   sched    aiodemo with mq-deadline (plugged by SUBMIT);
#   stacked  dm linear over that disk (bio-based on top: plugged too);
#   none     aiodemo without a scheduler (not plugged: issued directly).
# The count is of the kernel's own work items, so it tells "dispatched in
# the submitter" from "dispatched by a worker" whatever the guest's speed.
# Programs: fio with the aioattr engine.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'dmsetup remove_all >/dev/null 2>&1; aa_configfs_clean /sys/kernel/config/aiodemo' EXIT

EV=/sys/kernel/tracing/events/workqueue/workqueue_execute_start
aa_require fio /tests/lib/aioattr.so $EV/trigger

aa_load aio_attr
aa_aiodemo dq0 16 completion=softirq cache_blocks=0 hit_nsec=0 miss_nsec=0
aa_aiodemo dq1 16 completion=softirq cache_blocks=0 hit_nsec=0 miss_nsec=0
if ! echo mq-deadline >/sys/block/dq0/queue/scheduler 2>/dev/null; then
	aa_skip dispatch.fio "no mq-deadline scheduler"
	aa_done
fi
echo none >/sys/block/dq1/queue/scheduler
echo "0 $(blockdev --getsz /dev/dq0) linear /dev/dq0 0" | dmsetup create dqlin ||
	{ aa_fail dispatch.setup "dmsetup create dqlin"; aa_done; }
[ -b /dev/mapper/dqlin ] || dmsetup mknodes dqlin

TRIG="hist:keys=function.sym"
IOS=1024

# runs DEV OUT - fio's QD1 reads of DEV, output to OUT; prints the number
# of blk_mq_run_work_fn work items the kernel ran meanwhile.
# "{ function: [ffffffff8e5b1c30] blk_mq_run_work_fn } hitcount: 3"
runs() {
	hist=$(aa_hist $EV "$TRIG" "$2" fio --name=qd1 --filename="$1" \
		--ioengine=external:/tests/lib/aioattr.so --direct=1 --rw=randread --bs=4k \
		--size=4m --number_ios=$IOS --iodepth=1 --attrs=none) || return 1
	n=$(echo "$hist" | sed -n 's/.*blk_mq_run_work_fn *} *hitcount: *\([0-9]*\).*/\1/p')
	echo "${n:-0}"
}

while read -r id dev; do
	if ! n=$(runs "$dev" /tmp/dispatch.out); then
		aa_fail "$id" "fio on $dev failed: $(grep -i 'err\|fio:' /tmp/dispatch.out | head -n 2 | tr '\n' ' ')"
	elif [ $((n * 20)) -ge $IOS ]; then
		aa_fail "$id" "kblockd ran the queue $n times for $IOS single reads of $dev"
	else
		echo "# $dev: $n kblockd queue runs for $IOS reads"
		aa_pass "$id"
	fi
done <<EOF
dispatch.sched /dev/dq0
dispatch.stacked /dev/mapper/dqlin
dispatch.none /dev/dq1
EOF
aa_done
