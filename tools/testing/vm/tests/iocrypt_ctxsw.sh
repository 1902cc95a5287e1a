#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# libaio 4k random reads at QD1 on brd, a fixed number of them, through
# iocrypt: with inline decryption the reading task does not switch (fio's
# own count for the job, at most 0.1 per read) and iocrypt deferred no
# read; with inline decryption turned off every read is deferred to the
# workqueue and the task waits for each (over 0.5 per read, which shows
# the count sees what the first figure is free of).  The count is the job
# process's, not /proc/stat's: fio's main process polls its job every
# 10 ms, ~450 switches/s whatever the I/O does, which a host that slows
# the guest would turn into a failure.  The machine-wide figure is
# printed beside it.  Throughput and the figures of dm-crypt and of
# writes are the benchmark's (make bench), not a test's.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio

aa_brd 64
aa_load dm-iocrypt

KEY=$(od -An -v -tx1 -N64 /dev/urandom | tr -d ' \n')
SIZE_MIB=16
IOS=20000
# Pages brd has allocated read like a disk; its holes would be zero-filled.
dd if=/dev/zero of=/dev/ram0 bs=1M count="$SIZE_MIB" 2>/dev/null

ctxt() { awk '$1 == "ctxt" { print $2 }' /proc/stat; }
# ios DEV - reads + writes completed on DEV
ios() { awk '{ print $1 + $5 }' "/sys/dev/block/$1/stat"; }

# measure LABEL IOS - IOS reads through a fresh iocrypt mapping; sets
# MILLI to the fio job's context switches per read, in thousandths, and
# DEFERRED to the reads iocrypt deferred to its workqueue, and prints them.
measure() {
	printf '0 %s iocrypt aes-xts-plain64 %s 0 /dev/ram0 0\n' $((SIZE_MIB * 2048)) "$KEY" |
		dmsetup create m || return 1
	dev=$(dmsetup info -c --noheadings -o major,minor --separator : m | tr -d ' ')
	c0=$(ctxt) r0=$(ios "$dev")
	fio --name=r --filename=/dev/mapper/m --ioengine=libaio --direct=1 \
		--rw=randread --bs=4k --iodepth=1 --size="${SIZE_MIB}M" \
		--io_size=$(($2 * 4))k --output-format=json >/tmp/ctxsw.json 2>/dev/null
	c1=$(ctxt) r1=$(ios "$dev")
	n=$((r1 - r0))
	[ "$n" -gt 0 ] || n=1
	job=$(sed -n 's/^ *"ctx" : \([0-9]*\),*$/\1/p' /tmp/ctxsw.json | head -n 1)
	[ -n "$job" ] || { echo "no ctx in fio's output"; dmsetup remove m; return 1; }
	MILLI=$((job * 1000 / n))
	all=$(((c1 - c0) * 1000 / n))
	# fields 4, 5 and 10: reads_inline, reads_deferred, cipher_driver
	st=$(dmsetup status m)
	DEFERRED=$(echo "$st" | awk '{ print $5 }')
	printf 'randread %s: %d reads, %d.%03d ctxt/IO of the job, %d.%03d of the machine (inline/deferred reads: %s, cipher %s)\n' \
		"$1" "$n" $((MILLI / 1000)) $((MILLI % 1000)) $((all / 1000)) $((all % 1000)) \
		"$(echo "$st" | awk '{ print $4 "/" $5 }')" "$(echo "$st" | awk '{ print $10 }')"
	dmsetup remove m
}

# Every read deferred: a switch to the worker and back for each.
echo 0 >/sys/module/dm_iocrypt/parameters/read_inline
if ! measure "iocrypt read_inline=0" $((IOS / 4)); then
	aa_fail ctxsw.deferred "setup failed"
elif [ "$MILLI" -le 500 ]; then
	aa_fail ctxsw.deferred "$MILLI/1000 ctxt per deferred read: the count misses the switches"
elif [ "$DEFERRED" -lt $((IOS / 4)) ]; then
	aa_fail ctxsw.deferred "iocrypt deferred $DEFERRED of $((IOS / 4)) reads"
else
	aa_pass ctxsw.deferred
fi
echo 1 >/sys/module/dm_iocrypt/parameters/read_inline

if ! measure "iocrypt" "$IOS"; then
	aa_fail ctxsw.iocrypt_le_0.1 "iocrypt setup failed"
elif aa_debug_kernel; then
	aa_skip ctxsw.iocrypt_le_0.1 "context switches say nothing on the debug kernel"
elif [ "$MILLI" -gt 100 ]; then
	aa_fail ctxsw.iocrypt_le_0.1 "$MILLI/1000 ctxt per I/O"
elif [ "$DEFERRED" -ne 0 ]; then
	aa_fail ctxsw.iocrypt_le_0.1 "iocrypt deferred $DEFERRED reads"
else
	aa_pass ctxsw.iocrypt_le_0.1
fi
aa_done
