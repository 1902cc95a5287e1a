#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# aiodemo and I/Os larger than the block layer's default 127.5 KiB limit:
# the disk declares max_hw_sectors from its max_sectors parameter (default
# 1 MiB) and no segment limit, so a 1 MiB direct I/O reaches it as one bio
# and the sysfs counters move by exactly the attributes the ring returned
# (1 MiB reads and writes through /dev/aio_attr, every attribute requested,
# guest program aiodemo_attr --only large).  With max_sectors=256 the same
# I/O is split in 8 and counted 8 times, as aiodemo.rst says.  Bad values
# of max_sectors are refused.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"

trap 'aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require aiodemo_attr

CFS=/sys/kernel/config/aiodemo
HIT=20000
MISS=200000

aa_load aiodemo nr_devices=0

# mkdev NAME BLOCKSIZE MODE [MAX_SECTORS] - a 64 MiB device through configfs.
mkdev() {
	d=$CFS/$1
	mkdir "$d" || return 1
	echo 64 >"$d/size" && echo "$2" >"$d/blocksize" && echo "$3" >"$d/completion" &&
		echo 64 >"$d/cache_blocks" && echo "$HIT" >"$d/hit_nsec" &&
		echo "$MISS" >"$d/miss_nsec" || return 1
	if [ -n "${4:-}" ]; then
		echo "$4" >"$d/max_sectors" || return 1
	fi
	echo 1 >"$d/power" && [ -b "/dev/$1" ]
}

rmdev() {
	echo 0 >"$CFS/$1/power"
	rmdir "$CFS/$1"
}

# The default limits: 1 MiB per request, no segment count below 256 pages.
if mkdev big 4096 softirq; then
	q=/sys/block/big/queue
	hw=$(cat $q/max_hw_sectors_kb) kb=$(cat $q/max_sectors_kb) segs=$(cat $q/max_segments)
	if [ "$hw" = 1024 ] && [ "$kb" = 1024 ] && [ "$segs" -ge 256 ]; then
		aa_pass aiodemo.large.limits
	else
		aa_fail aiodemo.large.limits "max_hw_sectors_kb $hw max_sectors_kb $kb max_segments $segs"
	fi
	grep -q "max_sectors=2048" /sys/block/big/aiodemo/config ||
		aa_fail aiodemo.large.config "config: $(cat /sys/block/big/aiodemo/config)"
	aiodemo_attr --dev /dev/big --mode softirq --label large.bs4096 \
		--hit-ns "$HIT" --miss-ns "$MISS" --only large || AA_FAILED=1
	rmdev big
else
	aa_fail aiodemo.large.create "power on failed: $(dmesg | tail -n 2 | tr '\n' ' ')"
fi

# 512-byte blocks, completion in hardirq.
if mkdev big512 512 hardirq; then
	aiodemo_attr --dev /dev/big512 --mode hardirq --label large.bs512 \
		--hit-ns "$HIT" --miss-ns "$MISS" --only large || AA_FAILED=1
	rmdev big512
else
	aa_fail aiodemo.large.create512 "power on failed"
fi

# A smaller limit splits: 128 KiB requests, 8 bios per 1 MiB I/O.
if mkdev small 4096 softirq 256; then
	kb=$(cat /sys/block/small/queue/max_hw_sectors_kb)
	if [ "$kb" = 128 ]; then
		aa_pass aiodemo.large.small_limit
	else
		aa_fail aiodemo.large.small_limit "max_hw_sectors_kb $kb, expected 128"
	fi
	aiodemo_attr --dev /dev/small --mode softirq --label large.split \
		--hit-ns "$HIT" --miss-ns "$MISS" --only large --pieces 8 || AA_FAILED=1
	rmdev small
else
	aa_fail aiodemo.large.create_small "power on failed"
fi

# Out of range, and not a whole number of 4 KiB blocks, are refused.
mkdir $CFS/bad
bad=""
for v in 0 7 65537 abc; do
	echo "$v" >$CFS/bad/max_sectors 2>/dev/null && bad="$bad $v"
done
echo 4096 >$CFS/bad/blocksize
echo 12 >$CFS/bad/max_sectors
if echo 1 >$CFS/bad/power 2>/dev/null; then
	bad="$bad 12@4096"
elif ! dmesg | tail -n 3 | grep -q "max_sectors: 12 is not a multiple of the 8 sectors"; then
	bad="$bad no-message($(dmesg | tail -n 1))"
fi
rmdir $CFS/bad
if [ -z "$bad" ]; then aa_pass aiodemo.large.bad_values; else aa_fail aiodemo.large.bad_values "accepted:$bad"; fi
aa_done
