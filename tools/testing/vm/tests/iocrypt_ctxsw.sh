#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# libaio 4k random reads at QD1 on brd: context switches per I/O through
# iocrypt (inline decryption: must be at most 0.1) next to stock dm-crypt,
# dm-crypt with no_read_workqueue/no_write_workqueue, and iocrypt with
# inline decryption turned off (every read deferred to the workqueue).
# The same for 4k random writes, reported only.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio

aa_brd 128
aa_load dm-crypt
aa_load dm-iocrypt

KEY=$(od -An -v -tx1 -N64 /dev/urandom | tr -d ' \n')
SECTORS=$((64 * 2048))
RUNTIME=${IOCRYPT_RUNTIME:-5}

ctxt() { awk '$1 == "ctxt" { print $2 }' /proc/stat; }
# ios DEV - reads + writes completed on DEV
ios() { awk '{ print $1 + $5 }' "/sys/dev/block/$1/stat"; }
RW=randread

# measure LABEL TARGET OPTS - prints "LABEL iops milli-ctxt-per-io"
measure() {
	printf '0 %s %s aes-xts-plain64 %s 0 /dev/ram0 0%s\n' "$SECTORS" "$2" "$KEY" "$3" |
		dmsetup create m || return 1
	dev=$(dmsetup info -c --noheadings -o major,minor --separator : m | tr -d ' ')
	dd if=/dev/zero of=/dev/mapper/m bs=1M count=64 oflag=direct 2>/dev/null
	c0=$(ctxt) r0=$(ios "$dev")
	out=$(fio --name=r --filename=/dev/mapper/m --ioengine=libaio --direct=1 \
		--rw="$RW" --bs=4k --iodepth=1 --size=64M --runtime="$RUNTIME" \
		--time_based 2>&1)
	c1=$(ctxt) r1=$(ios "$dev")
	n=$((r1 - r0))
	[ "$n" -gt 0 ] || n=1
	iops=$((n / RUNTIME))
	milli=$(((c1 - c0) * 1000 / n))
	lat=$(echo "$out" | sed -n 's/^ *lat (\([mun]sec\)).*avg= *\([0-9.]*\).*/\2\1/p' | head -n 1)
	printf '%s %s: %d IOPS, mean lat %s, %d.%03d ctxt/IO' "$RW" "$1" "$iops" "$lat" \
		$((milli / 1000)) $((milli % 1000))
	[ "$2" = iocrypt ] && printf ' (inline/deferred reads: %s, writes %s, async %s, cipher %s)' \
		"$(dmsetup status m | awk '{ print $4 "/" $5 }')" \
		"$(dmsetup status m | awk '{ print $6 }')" \
		"$(dmsetup status m | awk '{ print $9 }')" \
		"$(dmsetup status m | awk '{ print $10 }')"
	echo
	dmsetup remove m
	LAST_MILLI=$milli
}

measure "dm-crypt (default)" crypt "" || aa_fail ctxsw.crypt "dm-crypt setup failed"
measure "dm-crypt no_*_workqueue" crypt " 2 no_read_workqueue no_write_workqueue" ||
	aa_fail ctxsw.crypt_nowq "dm-crypt setup failed"
echo 0 >/sys/module/dm_iocrypt/parameters/read_inline
measure "iocrypt read_inline=0" iocrypt "" || aa_fail ctxsw.deferred "setup failed"
echo 1 >/sys/module/dm_iocrypt/parameters/read_inline
LAST_MILLI=99999
if measure "iocrypt" iocrypt ""; then
	if aa_debug_kernel; then
		aa_skip ctxsw.iocrypt_le_0.1 "context switches say nothing on the debug kernel"
	elif [ "$LAST_MILLI" -le 100 ]; then
		aa_pass ctxsw.iocrypt_le_0.1
	else
		aa_fail ctxsw.iocrypt_le_0.1 "$LAST_MILLI/1000 ctxt per I/O"
	fi
else
	aa_fail ctxsw.iocrypt_le_0.1 "iocrypt setup failed"
fi
# Writes: iocrypt encrypts in the submitter and submits straight down.
RW=randwrite
measure "dm-crypt (default)" crypt ""
measure "dm-crypt no_*_workqueue" crypt " 2 no_read_workqueue no_write_workqueue"
measure "iocrypt" iocrypt ""
aa_done
