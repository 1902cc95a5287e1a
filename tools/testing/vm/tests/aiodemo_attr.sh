#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# aiodemo attributes through aio_attr, in each completion mode: first read
# a miss and the second a hit, a partial hit, DEVICE_NS against the
# configured service times, QUEUE_NS, COMPLETION_CTX matching the mode,
# injected errors returning -EIO with attributes HANDLED, and the sysfs
# aggregates equal to the per-I/O attributes (guest program aiodemo_attr).
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"

# Remove every configfs device, even when the test stops early, so that
# aiodemo can be unloaded.
trap 'aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require aiodemo_attr

HIT=20000
MISS=200000

aa_load aiodemo nr_devices=0
# Each completion mode with 4 KiB blocks, and one with 512-byte blocks.
for spec in inline:4096 softirq:4096 hardirq:4096 softirq:512; do
	mode=${spec%%:*} bs=${spec#*:}
	label=$mode
	[ "$bs" = 4096 ] || label=$mode.bs$bs
	name=ad_${mode}_$bs
	d=/sys/kernel/config/aiodemo/$name
	mkdir "$d" || { aa_fail "aiodemo.$label.create" "mkdir $d"; continue; }
	echo 64 >"$d/size"
	echo "$bs" >"$d/blocksize"
	echo "$mode" >"$d/completion"
	echo 64 >"$d/cache_blocks"
	echo 2 >"$d/hw_queues"
	echo "$HIT" >"$d/hit_nsec"
	echo "$MISS" >"$d/miss_nsec"
	if ! echo 1 >"$d/power" || [ ! -b "/dev/$name" ]; then
		aa_fail "aiodemo.$label.create" "power on failed: $(dmesg | tail -n 2)"
		continue
	fi
	aiodemo_attr --dev "/dev/$name" --mode "$mode" --label "$label" \
		--hit-ns "$HIT" --miss-ns "$MISS" || AA_FAILED=1
	echo 0 >"$d/power"
	rmdir "$d"
done
aa_done
