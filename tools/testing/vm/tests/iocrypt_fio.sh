#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fio verify=crc32c through iocrypt: random writes with mixed sizes, read
# back and checked, for 512- and 4096-byte crypto sectors; then the same
# while the device is suspended and resumed over and over, which must lose
# nothing.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio

aa_brd 128
aa_load dm-iocrypt

hexkey() { od -An -v -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
SECTORS=$((96 * 2048))

mkdev() {
	printf '0 %s iocrypt %s %s 0 /dev/ram0 0%s\n' "$SECTORS" "$1" "$(hexkey "$2")" "$3" |
		dmsetup create io || { aa_fail "$4" "dmsetup create failed"; return 1; }
}

# verify ID BS [FIO-ARGS...] - fio random writes + crc32c verify on
# /dev/mapper/io: 16 MiB (250-4000 writes), verify reads among them every
# 128 writes and over all of them at the end; FIO-ARGS override.
verify() {
	v_id=$1 v_bs=$2
	shift 2
	if out=$(fio --name=verify --filename=/dev/mapper/io --ioengine=libaio --direct=1 \
		--rw=randwrite --bsrange="$v_bs" --iodepth=16 --size=64M --io_size=16M \
		--verify=crc32c --verify_fatal=1 --verify_backlog=128 --do_verify=1 \
		--norandommap --randrepeat=0 "$@" 2>&1); then
		aa_pass "$v_id"
	else
		aa_fail "$v_id" "$(echo "$out" | grep -iE 'verify|err|bad|invalid' | head -n 3 | tr '\n' ' ')"
		echo "$out" | tail -n 15
	fi
}

mkdev aes-xts-plain64 64 "" fio.create512 &&
	verify fio.xts512.mixed 512-64k && dmsetup remove io
mkdev aes-xts-plain64 64 " 1 sector_size:4096" fio.create4096 &&
	verify fio.xts4096 4k-128k && dmsetup remove io
# io_uring issues with REQ_NOWAIT: bios that would wait come back
# BLK_STS_AGAIN and are retried by io_uring; the data must not suffer.
mkdev aes-xts-plain64 64 "" fio.create_uring &&
	verify fio.xts512.io_uring 4k-64k --ioengine=io_uring && dmsetup remove io
mkdev aes-cbc-essiv:sha256 32 "" fio.create_essiv &&
	verify fio.essiv512 4k-4k && dmsetup remove io

# Suspend and resume under load.
if mkdev aes-xts-plain64 64 "" fio.create_suspend; then
	(
		i=0
		while [ ! -e /tmp/fio.done ] && [ $i -lt 200 ]; do
			dmsetup suspend io && dmsetup resume io || echo "suspend/resume $i failed"
			i=$((i + 1))
			sleep 0.2
		done
		echo "$i suspend/resume cycles" >/tmp/cycles
	) &
	cycler=$!
	# as long as ever: the cycles race the I/O
	verify fio.suspend_resume 4k-64k --iodepth=32 --io_size=48M --verify_backlog=1024
	touch /tmp/fio.done
	wait $cycler
	echo "$(cat /tmp/cycles) during fio"
	dmsetup remove io
fi
aa_done
