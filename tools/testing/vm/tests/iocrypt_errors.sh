#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lower-device errors reach the caller as EIO through iocrypt, for reads
# and writes, O_DIRECT and buffered, and nothing hangs: iocrypt sits on a
# dm-flakey device that fails every I/O, then on one that works again.
# Bad table lines are refused with dm-crypt's messages.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"

aa_brd 32
aa_load dm-flakey
aa_load dm-iocrypt

KEY=$(od -An -v -tx1 -N64 /dev/urandom | tr -d ' \n')
SECTORS=$((16 * 2048))

# flakey: up 0 s, down 1 s - every I/O fails (-EIO)
dmsetup create fl --table "0 $SECTORS flakey /dev/ram0 0 0 1" ||
	{ aa_fail errors.flakey "cannot create flakey"; aa_done; }
printf '0 %s iocrypt aes-xts-plain64 %s 0 /dev/mapper/fl 0\n' "$SECTORS" "$KEY" |
	dmsetup create io || { aa_fail errors.create "cannot create iocrypt"; aa_done; }

# expect_eio ID CMD... - CMD must fail with an I/O error
expect_eio() {
	id=$1
	shift
	if out=$("$@" 2>&1); then
		aa_fail "$id" "'$*' succeeded on a failing device"
	elif echo "$out" | grep -qi "i/o error\|input/output"; then
		aa_pass "$id"
	else
		aa_fail "$id" "no EIO: $out"
	fi
}

expect_eio errors.read_direct dd if=/dev/mapper/io of=/dev/null bs=4k count=1 iflag=direct
expect_eio errors.write_direct dd if=/dev/zero of=/dev/mapper/io bs=64k count=4 oflag=direct
expect_eio errors.read_buffered dd if=/dev/mapper/io of=/dev/null bs=1M count=1
if command -v fio >/dev/null 2>&1; then
	out=$(fio --name=e --filename=/dev/mapper/io --ioengine=libaio --direct=1 --rw=randrw \
		--bs=4k --iodepth=16 --size=8M --io_size=4M --continue_on_error=all 2>&1)
	if echo "$out" | grep -qE 'err= *5|Input/output error'; then
		aa_pass errors.fio_libaio
	else
		aa_fail errors.fio_libaio "fio saw no EIO: $(echo "$out" | grep -i err | head -n 2)"
	fi
fi
errs=$(dmsetup status io | awk '{ print $8 }')
if [ "${errs:-0}" -gt 0 ]; then
	aa_pass errors.counted
else
	aa_fail errors.counted "status: $(dmsetup status io)"
fi

# The lower device heals: the same mapping works again.
dmsetup suspend fl && dmsetup load fl --table "0 $SECTORS linear /dev/ram0 0" &&
	dmsetup resume fl
head -c $((1 << 20)) /dev/urandom >/tmp/d
if dd if=/tmp/d of=/dev/mapper/io bs=64k oflag=direct 2>/dev/null &&
	dd if=/dev/mapper/io bs=64k count=16 iflag=direct 2>/dev/null | cmp -s - /tmp/d; then
	aa_pass errors.recovers
else
	aa_fail errors.recovers "I/O after the lower device healed failed"
fi
dmsetup remove io
dmsetup remove fl

# bad_table ID ERROR TABLE-ARGS - dmsetup create fails and dmesg names ERROR
bad_table() {
	id=$1 want=$2
	shift 2
	dmesg -c >/dev/null
	if echo "0 $SECTORS iocrypt $*" | dmsetup create bad 2>/dev/null; then
		dmsetup remove bad
		aa_fail "$id" "table accepted: $*"
	elif dmesg | grep -qF "iocrypt: $want"; then
		aa_pass "$id"
	else
		aa_fail "$id" "expected '$want', dmesg: $(dmesg | grep iocrypt | tail -n 1)"
	fi
}
bad_table errors.table.cipher "Unsupported cipher (only aes)" serpent-xts-plain64 "$KEY" 0 /dev/ram0 0
bad_table errors.table.keysize "Invalid key size for the cipher" aes-xts-plain64 00ff 0 /dev/ram0 0
bad_table errors.table.device "Device lookup failed" aes-xts-plain64 "$KEY" 0 /dev/nonexistent 0
bad_table errors.table.feature "Invalid feature arguments" aes-xts-plain64 "$KEY" 0 /dev/ram0 0 1 bogus
bad_table errors.table.keyring "Error decoding and setting key" aes-xts-plain64 :64:logon:nosuchkey 0 /dev/ram0 0
aa_done
