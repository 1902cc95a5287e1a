#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# libaio 4k random reads at QD1 on brd, a fixed number of them: context
# switches per I/O through iocrypt with inline decryption (must be at most
# 0.1), and with inline decryption turned off (every read deferred to the
# workqueue: must be over 0.5, which shows the count sees the switches the
# first figure is free of).  Throughput and the figures of dm-crypt and of
# writes are the benchmark's (make bench), not a test's.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio

aa_brd 64
aa_load dm-iocrypt

KEY=$(od -An -v -tx1 -N64 /dev/urandom | tr -d ' \n')
SIZE_MIB=16
# Reads per measurement: enough that fio's start and exit weigh little.
# What does weigh is the background, per second not per read: fio's main
# process polls its job every 10 ms, ~450 ctxt/s with the idle guest, so
# 0.045 per read at 10k reads/s; a guest slowed to under 4.5k reads/s by
# a busy host fails the bound (the time-based version of the test did so
# as well).  Each line prints its reads/s and ctxt/s to tell.
IOS=20000
# Pages brd has allocated read like a disk; its holes would be zero-filled.
dd if=/dev/zero of=/dev/ram0 bs=1M count="$SIZE_MIB" 2>/dev/null

ctxt() { awk '$1 == "ctxt" { print $2 }' /proc/stat; }
# centisec - the guest's uptime in hundredths of a second
centisec() { read -r up _ </proc/uptime; echo "${up%.*}${up#*.}"; }
# ios DEV - reads + writes completed on DEV
ios() { awk '{ print $1 + $5 }' "/sys/dev/block/$1/stat"; }

# measure LABEL IOS - IOS reads through a fresh iocrypt mapping; sets MILLI
# to the context switches per read, in thousandths, and prints them.
measure() {
	printf '0 %s iocrypt aes-xts-plain64 %s 0 /dev/ram0 0\n' $((SIZE_MIB * 2048)) "$KEY" |
		dmsetup create m || return 1
	dev=$(dmsetup info -c --noheadings -o major,minor --separator : m | tr -d ' ')
	c0=$(ctxt) r0=$(ios "$dev") t0=$(centisec)
	fio --name=r --filename=/dev/mapper/m --ioengine=libaio --direct=1 \
		--rw=randread --bs=4k --iodepth=1 --size="${SIZE_MIB}M" \
		--io_size=$(($2 * 4))k >/dev/null 2>&1
	t1=$(centisec) c1=$(ctxt) r1=$(ios "$dev")
	n=$((r1 - r0))
	[ "$n" -gt 0 ] || n=1
	[ "$t1" -gt "$t0" ] || t1=$((t0 + 1))
	MILLI=$(((c1 - c0) * 1000 / n))
	printf 'randread %s: %d reads, %d IOPS, %d ctxt/s, %d.%03d ctxt/IO (inline/deferred reads: %s, cipher %s)\n' \
		"$1" "$n" $((n * 100 / (t1 - t0))) $(((c1 - c0) * 100 / (t1 - t0))) \
		$((MILLI / 1000)) $((MILLI % 1000)) \
		"$(dmsetup status m | awk '{ print $4 "/" $5 }')" \
		"$(dmsetup status m | awk '{ print $10 }')"
	dmsetup remove m
}

# Every read deferred: a switch to the worker and back for each.
echo 0 >/sys/module/dm_iocrypt/parameters/read_inline
if ! measure "iocrypt read_inline=0" $((IOS / 4)); then
	aa_fail ctxsw.deferred "setup failed"
elif [ "$MILLI" -gt 500 ]; then
	aa_pass ctxsw.deferred
else
	aa_fail ctxsw.deferred "$MILLI/1000 ctxt per deferred read: the count misses the switches"
fi
echo 1 >/sys/module/dm_iocrypt/parameters/read_inline

if ! measure "iocrypt" "$IOS"; then
	aa_fail ctxsw.iocrypt_le_0.1 "iocrypt setup failed"
elif aa_debug_kernel; then
	aa_skip ctxsw.iocrypt_le_0.1 "context switches say nothing on the debug kernel"
elif [ "$MILLI" -le 100 ]; then
	aa_pass ctxsw.iocrypt_le_0.1
else
	aa_fail ctxsw.iocrypt_le_0.1 "$MILLI/1000 ctxt per I/O"
fi
aa_done
