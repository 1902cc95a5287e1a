#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A LUKS2 volume with 4096-byte encryption sectors (cryptsetup luksFormat
# --sector-size 4096): its table has sector_size:4096 and no
# iv_large_sectors (cryptsetup sets that only for plain mappings, when
# asked); switched live to iocrypt and back with iocryptsetup, the key
# from the passphrase file: data written by dm-crypt reads back through
# iocrypt, data written by iocrypt through dm-crypt and after cryptsetup
# reopens the volume, and the table comes back identical.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require cryptsetup keyctl iocryptsetup

aa_brd 32
aa_load dm-crypt
aa_load dm-iocrypt
trap 'dmsetup remove_all 2>/dev/null' EXIT

head -c 32 /dev/urandom >/tmp/pass
head -c $((2 << 20)) /dev/urandom >/tmp/a
head -c $((2 << 20)) /dev/urandom >/tmp/b

# wr FILE BLOCK - write FILE at 64 KiB block BLOCK of the volume
wr() { dd if="$1" of=/dev/mapper/vol bs=64k seek="$2" oflag=direct 2>/dev/null; }
# same FILE BLOCK - the volume holds FILE at 64 KiB block BLOCK
same() {
	dd if=/dev/mapper/vol bs=64k skip="$2" count=32 iflag=direct 2>/dev/null |
		cmp -s - "$1"
}
target() { dmsetup table vol | awk '{ print $3 }'; }

if ! cryptsetup luksFormat --batch-mode --type luks2 --cipher aes-xts-plain64 \
	--key-size 512 --sector-size 4096 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file /tmp/pass /dev/ram0 ||
	! cryptsetup open --key-file /tmp/pass /dev/ram0 vol; then
	aa_fail luks4k.setup "luksFormat --sector-size 4096 or open failed"
	aa_done
fi
t0=$(dmsetup table --showkeys vol)
echo "table: $(echo "$t0" | cut -d ' ' -f 3,4,6-)"
case $t0 in
*iv_large_sectors*) aa_fail luks4k.table "iv_large_sectors in the LUKS2 table: $t0" ;;
*" 1 sector_size:4096") aa_pass luks4k.table ;;
*) aa_fail luks4k.table "no sector_size:4096 alone: $t0" ;;
esac
sysd=/sys/dev/block/$(dmsetup info -c --noheadings --separator : -o major,minor vol)
if [ "$(cat "$sysd/queue/logical_block_size")" = 4096 ]; then
	aa_pass luks4k.block_size
else
	aa_fail luks4k.block_size "logical block size is not 4096"
fi

wr /tmp/a 0
if out=$(iocryptsetup switch vol --key-file /tmp/pass 2>&1) && [ "$(target)" = iocrypt ]; then
	aa_pass luks4k.to_iocrypt
else
	aa_fail luks4k.to_iocrypt "$out"
fi
t1=$(dmsetup table --showkeys vol | sed 's/ iocrypt / crypt /')
if [ "$t1" = "$t0" ]; then aa_pass luks4k.iocrypt_table; else aa_fail luks4k.iocrypt_table "$t1"; fi
if same /tmp/a 0; then aa_pass luks4k.read_iocrypt; else aa_fail luks4k.read_iocrypt "dm-crypt's data differs through iocrypt"; fi
wr /tmp/b 64
if same /tmp/b 64; then aa_pass luks4k.write_iocrypt; else aa_fail luks4k.write_iocrypt "iocrypt reads back its own write wrong"; fi

if out=$(iocryptsetup switch vol --to crypt --key-file /tmp/pass 2>&1) && [ "$(target)" = crypt ]; then
	aa_pass luks4k.back
else
	aa_fail luks4k.back "$out"
fi
if [ "$(dmsetup table --showkeys vol)" = "$t0" ]; then
	aa_pass luks4k.table_back
else
	aa_fail luks4k.table_back "$(dmsetup table --showkeys vol)"
fi
if same /tmp/a 0 && same /tmp/b 64; then
	aa_pass luks4k.read_crypt
else
	aa_fail luks4k.read_crypt "data differs through dm-crypt"
fi

cryptsetup close vol
if cryptsetup open --key-file /tmp/pass /dev/ram0 vol && same /tmp/a 0 && same /tmp/b 64; then
	aa_pass luks4k.reopen
else
	aa_fail luks4k.reopen "data differs after cryptsetup reopened the volume"
fi
cryptsetup close vol 2>/dev/null
aa_done
