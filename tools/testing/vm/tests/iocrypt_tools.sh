#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# tools/dm/iocryptsetup: --help, create with each key form (stdin too),
# status hides the key unless --showkeys, clear errors for bad input,
# remove (and its refusal of other targets); and a plain dm-crypt mapping
# switched to iocrypt and back with the data intact.  Its option parsing
# and exit codes are tested on the host (tools/dm/tests/).
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require iocryptsetup

aa_brd 32
aa_load dm-crypt
aa_load dm-iocrypt

if iocryptsetup --help | grep -q '^Usage: iocryptsetup'; then
	aa_pass tools.help
else
	aa_fail tools.help "no usage text"
fi

head -c 64 /dev/urandom >/tmp/key
if iocryptsetup create t1 /dev/ram0 --key-file /tmp/key --sector-size 4096 \
	--allow-discards >/dev/null; then
	aa_pass tools.create_keyfile
else
	aa_fail tools.create_keyfile "create failed"
fi
hex=$(od -An -v -tx1 /tmp/key | tr -d ' \n')
t=$(dmsetup table --showkeys t1)
case $t in
*"iocrypt aes-xts-plain64 $hex 0 1:0 0 2 allow_discards sector_size:4096") aa_pass tools.create_table ;;
*) aa_fail tools.create_table "table '$t'" ;;
esac
st=$(iocryptsetup status t1)
if echo "$st" | grep -q "$hex"; then
	aa_fail tools.status_hides_key "key shown without --showkeys"
elif echo "$st" | grep -q 'reads_inline='; then
	aa_pass tools.status_hides_key
else
	aa_fail tools.status_hides_key "status: $st"
fi
if iocryptsetup status t1 --showkeys | grep -q "$hex"; then
	aa_pass tools.status_showkeys
else
	aa_fail tools.status_showkeys "key not shown with --showkeys"
fi
aa_check tools.remove iocryptsetup remove t1

# hex key file, cbc-essiv
echo "$hex" | cut -c 1-64 >/tmp/hexkey
aa_check tools.create_hexfile iocryptsetup create t2 /dev/ram0 --hex-key-file /tmp/hexkey \
	--cipher aes-cbc-essiv:sha256 --key-size 256 --offset 8
dmsetup remove t2 2>/dev/null

# errors are clear and name the problem
# expect_err ID PATTERN CMD... - CMD fails and its stderr matches PATTERN
expect_err() {
	id=$1 pat=$2
	shift 2
	if out=$("$@" 2>&1); then
		aa_fail "$id" "'$*' succeeded"
	elif echo "$out" | grep -q "$pat"; then
		aa_pass "$id"
	else
		aa_fail "$id" "message: $out"
	fi
}
expect_err tools.err_nokey "exactly one of" iocryptsetup create t3 /dev/ram0
expect_err tools.err_keysize "needs 128" iocryptsetup create t3 /dev/ram0 --hex-key-file /tmp/hexkey
expect_err tools.err_notblock "not a block device" iocryptsetup create t3 /tmp/key --key-file /tmp/key
expect_err tools.err_option "unknown option" iocryptsetup create t3 /dev/ram0 --bogus
expect_err tools.err_nomap "no mapping" iocryptsetup switch nosuch
expect_err tools.err_command "unknown command" iocryptsetup frobnicate

# --key-file - reads the key from stdin; --opt=value works like --opt value
if iocryptsetup create t4 /dev/ram0 --key-file=- --size=8192 </tmp/key >/dev/null &&
	[ "$(dmsetup table --showkeys t4)" = "0 8192 iocrypt aes-xts-plain64 $hex 0 1:0 0" ]; then
	aa_pass tools.key_stdin
else
	aa_fail tools.key_stdin "table '$(dmsetup table t4 2>&1)'"
fi
iocryptsetup remove t4

# remove leaves a mapping of another target alone unless --force
dmsetup create lin --table "0 8192 linear /dev/ram0 0"
if iocryptsetup remove lin 2>/dev/null; then
	aa_fail tools.remove_refuses "a linear mapping was removed"
elif dmsetup info lin >/dev/null 2>&1; then
	aa_pass tools.remove_refuses
else
	aa_fail tools.remove_refuses "the linear mapping is gone"
fi
if iocryptsetup remove lin --force && ! dmsetup info lin >/dev/null 2>&1; then
	aa_pass tools.remove_force
else
	aa_fail tools.remove_force "--force did not remove it"
	dmsetup remove lin 2>/dev/null
fi

# plain dm-crypt mapping -> iocrypt -> dm-crypt, data intact
echo "0 $((32 * 2048)) crypt aes-xts-plain64 $hex 0 /dev/ram0 0" | dmsetup create sw
head -c $((4 << 20)) /dev/urandom >/tmp/d
dd if=/tmp/d of=/dev/mapper/sw bs=64k oflag=direct 2>/dev/null
if iocryptsetup switch sw >/dev/null &&
	[ "$(dmsetup table sw | awk '{ print $3 }')" = iocrypt ] &&
	dd if=/dev/mapper/sw bs=64k count=64 iflag=direct 2>/dev/null | cmp -s - /tmp/d; then
	aa_pass tools.switch_plain
else
	aa_fail tools.switch_plain "switch or read-back failed: $(dmsetup table sw | cut -c 1-40)"
fi
expect_err tools.err_already "already iocrypt" iocryptsetup switch sw
if iocryptsetup switch sw --to crypt >/dev/null &&
	[ "$(dmsetup table sw | awk '{ print $3 }')" = crypt ] &&
	dd if=/dev/mapper/sw bs=64k count=64 iflag=direct 2>/dev/null | cmp -s - /tmp/d; then
	aa_pass tools.switch_back
else
	aa_fail tools.switch_back "switch back or read-back failed"
fi
dmsetup remove sw
aa_done
