#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# close() during overflow storms: 2000 cycles of a context with an eventfd
# and a 2048-byte ring (17 events) taking 24 I/Os, closed by another thread at random
# moments while aiodemo completes them in hardirq or softirq with 0 ns
# service time (so completions overflow while the context dies).  Targets
# the aa_post() use-after-free (ctx->evfd and ctx->wait used after
# ctx->lock is dropped); on a KASAN kernel the report fails the run.  The
# counters must return to 0 and aio_attr must unload.  Program: aa_race.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require aa_race

aa_load aio_attr
aa_aiodemo adch 64 completion=hardirq hit_nsec=0 miss_nsec=0 hw_queues=2
aa_aiodemo adcs 64 completion=softirq hit_nsec=0 miss_nsec=0 hw_queues=2
echo "# vCPUs: $(grep -c ^processor /proc/cpuinfo)"
aa_race close --dev /dev/adch --dev /dev/adcs --cycles "$(aa_stress_len 2000)" --qd 24 \
	--time $((50 * ${AA_TIME_SCALE:-1})) || AA_FAILED=1
S=/sys/class/misc/aio_attr
echo "# contexts $(cat $S/contexts) inflight $(cat $S/inflight) overflowed $(cat $S/overflowed)"
aa_configfs_clean /sys/kernel/config/aiodemo
aa_unload race.close aiodemo aio_attr
aa_done
