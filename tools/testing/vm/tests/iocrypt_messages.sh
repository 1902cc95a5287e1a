#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# iocrypt's dm interface: the TABLE status recreates the device (key shown
# as given: hex or keyring reference), INFO counts, `key wipe` / `key set`
# work only while suspended, a wiped key blocks resume until a key is set,
# the data survives it all, and io_hints announce sector_size.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"

aa_brd 32
aa_load dm-iocrypt

KEY=$(od -An -v -tx1 -N64 /dev/urandom | tr -d ' \n')
SECTORS=$((16 * 2048))
ARGS="aes-xts-plain64 $KEY 8 /dev/ram0 2048 3 allow_discards sector_size:4096 iv_large_sectors"
echo "0 $((SECTORS - 2048)) iocrypt $ARGS" | dmsetup create io ||
	{ aa_fail msg.create "dmsetup create failed"; aa_done; }

got=$(dmsetup table --showkeys io)
want="0 $((SECTORS - 2048)) iocrypt aes-xts-plain64 $KEY 8 1:0 2048 3 allow_discards sector_size:4096 iv_large_sectors"
if [ "$got" = "$want" ]; then aa_pass msg.table_roundtrip; else aa_fail msg.table_roundtrip "got '$got'"; fi

lbs=$(blockdev --getss /dev/mapper/io)
if [ "$lbs" = 4096 ]; then aa_pass msg.io_hints; else aa_fail msg.io_hints "logical block size $lbs"; fi

head -c $((1 << 20)) /dev/urandom >/tmp/d
dd if=/tmp/d of=/dev/mapper/io bs=64k oflag=direct 2>/dev/null
readback() { dd if=/dev/mapper/io bs=64k count=16 iflag=direct 2>/dev/null | cmp -s - /tmp/d; }

if dmsetup message io 0 key wipe 2>/dev/null; then
	aa_fail msg.wipe_needs_suspend "key wipe accepted on a live device"
else
	aa_pass msg.wipe_needs_suspend
fi
dmsetup suspend io
aa_check msg.wipe dmsetup message io 0 key wipe
if dmsetup resume io 2>/dev/null; then
	aa_fail msg.resume_without_key "resumed with a wiped key"
else
	aa_pass msg.resume_without_key
fi
if dmsetup message io 0 key set 00112233445566778899aabbccddeeff 2>/dev/null; then
	aa_fail msg.key_size_fixed "a 16-byte key was accepted for a 64-byte table"
else
	aa_pass msg.key_size_fixed
fi
aa_check msg.key_set dmsetup message io 0 key set "$KEY"
aa_check msg.resume dmsetup resume io
if readback; then aa_pass msg.data_after_rekey; else aa_fail msg.data_after_rekey "data differs"; fi

# a 4 MiB write is more than one bounce bio: it is split and still lands whole
head -c $((4 << 20)) /dev/urandom >/tmp/big
if dd if=/tmp/big of=/dev/mapper/io bs=4M oflag=direct 2>/dev/null &&
	dd if=/dev/mapper/io bs=4M count=1 iflag=direct 2>/dev/null | cmp -s - /tmp/big; then
	aa_pass msg.large_write_split
else
	aa_fail msg.large_write_split "4 MiB O_DIRECT write/read differs"
fi

info=$(dmsetup status io | cut -d' ' -f4-)
# shellcheck disable=SC2086 # split the counters
set -- $info
# six counters, the cipher driver (e.g. xts-aes-aesni), then reads
# decrypted in softirq and reads spread to other CPUs (target 1.2)
if [ $# = 9 ] && [ "$3" -gt 0 ] && [ $(($1 + $2)) -gt 0 ] && [ "$6" -ge 0 ] &&
	[ "$8" -ge 0 ] && [ "$9" -ge 0 ] && grep -q "^driver *: $7\$" /proc/crypto; then
	aa_pass msg.info_counters
else
	aa_fail msg.info_counters "status: $info"
fi
# discards pass through when allowed (if the lower device takes them)
if [ "$(cat /sys/block/ram0/queue/discard_max_bytes)" = 0 ]; then
	aa_skip msg.discard "brd takes no discards on this kernel"
elif blkdiscard -o 0 -l 65536 /dev/mapper/io; then
	aa_pass msg.discard
else
	aa_fail msg.discard "blkdiscard failed"
fi
dmsetup remove io
aa_done
