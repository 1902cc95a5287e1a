#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Kernel keyring keys (:<size>:logon:<desc> and :<size>:user:<desc>): an
# iocrypt table naming one works like the hex key it holds, both ways
# against dm-crypt; the TABLE status shows only the reference; `key set`
# takes the keyring form; a wrong size or a revoked key is refused.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require keyctl

aa_brd 32
aa_load dm-crypt
aa_load dm-iocrypt

SECTORS=$((16 * 2048))
head -c 64 /dev/urandom >/tmp/k1
head -c 64 /dev/urandom >/tmp/k2
hex1=$(od -An -v -tx1 /tmp/k1 | tr -d ' \n')
keyctl padd logon iocrypt:k1 @u </tmp/k1 >/dev/null ||
	{ aa_fail keyring.add "keyctl padd logon failed"; aa_done; }
keyctl padd user iocrypt:k2 @u </tmp/k2 >/dev/null ||
	{ aa_fail keyring.add "keyctl padd user failed"; aa_done; }
head -c $((2 << 20)) /dev/urandom >/tmp/d

mk() { echo "0 $SECTORS $2 aes-xts-plain64 $3 0 /dev/ram0 0" | dmsetup create "$1"; }
rd() { dd if="/dev/mapper/$1" bs=64k count=32 iflag=direct 2>/dev/null | cmp -s - /tmp/d; }
wr() { dd if=/tmp/d of="/dev/mapper/$1" bs=64k oflag=direct 2>/dev/null; }

# logon key through iocrypt, hex key through dm-crypt
if mk io iocrypt :64:logon:iocrypt:k1 && wr io && dmsetup remove io &&
	mk cr crypt "$hex1" && rd cr && dmsetup remove cr; then
	aa_pass keyring.logon_vs_hex
else
	aa_fail keyring.logon_vs_hex "write via logon key, read via hex key failed"
fi
dmsetup remove io 2>/dev/null
dmsetup remove cr 2>/dev/null

# both by keyring reference, the other way round
if mk cr crypt :64:logon:iocrypt:k1 && wr cr && dmsetup remove cr &&
	mk io iocrypt :64:logon:iocrypt:k1 && rd io; then
	aa_pass keyring.crypt_to_iocrypt
else
	aa_fail keyring.crypt_to_iocrypt "write via dm-crypt, read via iocrypt failed"
fi
t=$(dmsetup table --showkeys io)
case $t in
*" :64:logon:iocrypt:k1 0 "*) aa_pass keyring.table_reference ;;
*) aa_fail keyring.table_reference "table: $t" ;;
esac

# key set in keyring form: switch to the user key and back
dmsetup suspend io
if dmsetup message io 0 key set :64:user:iocrypt:k2 && dmsetup resume io && ! rd io; then
	aa_pass keyring.key_set_user
else
	aa_fail keyring.key_set_user "key set to the user key"
fi
t=$(dmsetup table --showkeys io)
case $t in
*" :64:user:iocrypt:k2 0 "*) aa_pass keyring.table_after_set ;;
*) aa_fail keyring.table_after_set "table: $t" ;;
esac
dmsetup suspend io
if dmsetup message io 0 key set :64:logon:iocrypt:k1 && dmsetup resume io && rd io; then
	aa_pass keyring.key_set_back
else
	aa_fail keyring.key_set_back "data unreadable after setting the logon key again"
fi
dmsetup remove io

# refusals
bad() {
	dmesg -c >/dev/null
	if mk bad iocrypt "$2" 2>/dev/null; then
		dmsetup remove bad
		aa_fail "$1" "table with key $2 accepted"
	elif dmesg | grep -q "iocrypt: Error decoding and setting key"; then
		aa_pass "$1"
	else
		aa_fail "$1" "dmesg: $(dmesg | grep iocrypt | tail -n 1)"
	fi
}
bad keyring.wrong_size :32:logon:iocrypt:k1
bad keyring.wrong_type :64:user:iocrypt:k1
keyctl revoke "$(keyctl search @u logon iocrypt:k1)"
bad keyring.revoked :64:logon:iocrypt:k1
aa_done
