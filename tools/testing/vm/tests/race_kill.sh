#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Process kill with I/O in flight: 40 times, a process keeping 64 I/Os in
# flight on iocrypt (force_cryptd=1: every cipher call completes in
# cryptd's callback) over aiodemo completing in hardirq is SIGKILLed at a
# random moment.  aiodemo has 8 tags per queue, so the writes iocrypt
# issues after encryption wait for a tag: that wait must never happen in
# cryptd's callback (bottom halves off: "scheduling while atomic", issue 9
# defect 9).  Everything drains (contexts and inflight back to 0) and
# dm-iocrypt, aiodemo and aio_attr unload.  Program: aa_race.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'dmsetup remove_all >/dev/null 2>&1; aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require aa_race

aa_load aio_attr
aa_load dm-iocrypt
aa_aiodemo adk 64 completion=hardirq hit_nsec=0 miss_nsec=20000 cache_blocks=1024 hw_queues=2 \
	queue_depth=8
echo 1 >/sys/module/dm_iocrypt/parameters/force_cryptd
aa_iocrypt iok /dev/adk
echo 0 >/sys/module/dm_iocrypt/parameters/force_cryptd
case $(dmsetup status iok | awk '{ print $10 }') in
cryptd\(*) aa_pass race.kill.cryptd ;;
*) aa_fail race.kill.cryptd "cipher is $(dmsetup status iok | awk '{ print $10 }')" ;;
esac
aa_race kill --dev /dev/mapper/iok --cycles "$(aa_stress_len 40)" --qd 64 --settle $((30 * ${AA_TIME_SCALE:-1})) || AA_FAILED=1
echo "# iocrypt: $(dmsetup status iok)"
dmsetup remove iok || aa_fail race.kill.dm_remove "dmsetup remove iok"
aa_configfs_clean /sys/kernel/config/aiodemo
aa_unload race.kill dm_iocrypt aiodemo aio_attr
aa_done
