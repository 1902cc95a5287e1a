#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# iocrypt and stock dm-crypt share one on-disk format: data written through
# either reads back identically through the other, for every cipher mode,
# sector size and IV option, with the same table line.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"

aa_brd 64
aa_load dm-crypt
aa_load dm-iocrypt

# The format is per sector: 1 MiB goes through every code path 4 MiB would.
MIB=1
SECTORS=$((32 * 2048))		# 32 MiB mapping, starting OFFSET sectors in
head -c $((MIB << 20)) /dev/urandom >/tmp/data

hexkey() { od -An -v -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# roundtrip ID WRITER READER CIPHER KEYBYTES IV_OFFSET OFFSET OPTS...
roundtrip() {
	# busybox sh has no locals: r_* names only
	id=$1 wtgt=$2 rtgt=$3
	r_opts=""
	[ $# -gt 7 ] && r_opts=" $(($# - 7)) $(shift 7; echo "$*")"
	args="$4 $(hexkey "$5") $6 /dev/ram0 $7$r_opts"
	# scrub the area read (OFFSET sectors in, MIB long) so stale
	# ciphertext cannot pass
	dd if=/dev/zero of=/dev/ram0 bs=1M count=$((($7 + 2047) / 2048 + MIB)) 2>/dev/null
	# tables with keys go to dmsetup on stdin (printf is a builtin)
	if ! out=$(printf '0 %s %s %s\n' "$SECTORS" "$wtgt" "$args" | dmsetup create iow 2>&1); then
		aa_fail "$id" "create $wtgt: $out"
		return
	fi
	dd if=/tmp/data of=/dev/mapper/iow bs=64k oflag=direct 2>/dev/null
	dmsetup remove iow
	if ! out=$(printf '0 %s %s %s\n' "$SECTORS" "$rtgt" "$args" | dmsetup create ior 2>&1); then
		aa_fail "$id" "create $rtgt: $out"
		return
	fi
	# once with O_DIRECT, once through the page cache
	if ! dd if=/dev/mapper/ior bs=64k count=$((MIB * 16)) iflag=direct 2>/dev/null |
		cmp -s - /tmp/data; then
		aa_fail "$id" "O_DIRECT read through $rtgt differs ($args)"
	elif ! dd if=/dev/mapper/ior bs=1M count=$MIB 2>/dev/null | cmp -s - /tmp/data; then
		aa_fail "$id" "buffered read through $rtgt differs ($args)"
	else
		aa_pass "$id"
	fi
	dmsetup remove ior
}

for mode in aes-xts-plain64:64 aes-xts-plain64:32 aes-xts-plain:64 \
	    aes-cbc-essiv:sha256:32 aes-cbc-plain64:32; do
	cipher=${mode%:*} kb=${mode##*:}
	for ss in 512 4096; do
		opts=""
		[ "$ss" = 4096 ] && opts="sector_size:4096"
		tag="iocrypt_compat.$cipher.k$((kb * 8)).s$ss"
		roundtrip "$tag.crypt2io" crypt iocrypt "$cipher" "$kb" 0 0 $opts
		roundtrip "$tag.io2crypt" iocrypt crypt "$cipher" "$kb" 0 0 $opts
	done
done
# IV offset, data offset and iv_large_sectors
roundtrip iocrypt_compat.ivoff.crypt2io crypt iocrypt aes-xts-plain64 64 4096 2048 \
	sector_size:4096 iv_large_sectors
roundtrip iocrypt_compat.ivoff.io2crypt iocrypt crypt aes-xts-plain64 64 4096 2048 \
	sector_size:4096 iv_large_sectors
roundtrip iocrypt_compat.ivoff512.io2crypt iocrypt crypt aes-cbc-essiv:sha256 32 7 9
roundtrip iocrypt_compat.ivoff512.crypt2io crypt iocrypt aes-cbc-essiv:sha256 32 7 9
aa_done
