#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Stock clients on aiodemo: fio verify runs (verify=crc32c) with libaio,
# io_uring and psync, each on a device in a different completion mode.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"

# Remove every configfs device, even when the test stops early, so that
# aiodemo can be unloaded.
trap 'aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require fio

aa_load aiodemo nr_devices=0
CFS=/sys/kernel/config/aiodemo
i=0
for run in libaio:inline io_uring:softirq psync:hardirq libaio:hardirq io_uring:inline psync:softirq; do
	engine=${run%%:*} mode=${run#*:}
	i=$((i + 1))
	d=$CFS/fio$i
	mkdir $d
	echo 32 >$d/size
	echo "$mode" >$d/completion
	echo 256 >$d/cache_blocks
	echo 2000 >$d/hit_nsec
	echo 20000 >$d/miss_nsec
	echo 2 >$d/hw_queues 2>/dev/null
	echo 1 >$d/power
	id=aiodemo.fio.$engine.$mode
	if out=$(fio --name=v --filename="/dev/fio$i" --ioengine="$engine" --direct=1 \
		--rw=randwrite --bs=4k --size=8m --iodepth=16 --numjobs=1 \
		--verify=crc32c --do_verify=1 --verify_fatal=1 --randrepeat=0 2>&1); then
		aa_pass "$id"
	else
		aa_fail "$id" "$(echo "$out" | grep -i 'err\|verify' | head -n 3 | tr '\n' ' ')"
	fi
	echo 0 >$d/power
	rmdir $d
done
aa_done
