#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A LUKS2 volume (cryptsetup luksFormat, aes-xts-plain64) opened by
# cryptsetup is switched live to iocrypt with tools/dm/iocryptsetup while a
# writer is busy, used, switched back, and finally reopened by cryptsetup:
# every file written at every stage reads back identically.  Then the same
# for an old-style LUKS1 volume (aes-cbc-essiv:sha256, hex key in the table).
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require cryptsetup mkfs.ext4 iocryptsetup

aa_brd 96
aa_load dm-crypt
aa_load dm-iocrypt
aa_load ext4

head -c 32 /dev/urandom >/tmp/pass
for f in a b c d; do
	head -c $((2 << 20)) /dev/urandom >/tmp/$f
done

# same FILE... - every /mnt/FILE equals /tmp/FILE (after dropping caches)
same() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	for f in "$@"; do
		cmp -s "/mnt/$f" "/tmp/$f" || { echo "/mnt/$f differs"; return 1; }
	done
}

target() { dmsetup table vol | awk '{ print $3 }'; }

# start_writer FILE - rewrite /mnt/FILE from /tmp/FILE, fsync'ed, over and
# over until stop_writer: the switch in between suspends the device under
# a writer that is really busy, whatever the switch's own speed.
start_writer() {
	rm -f /tmp/writer.stop
	(
		n=0
		until [ -e /tmp/writer.stop ]; do
			dd if="/tmp/$1" of="/mnt/$1" bs=64k conv=fsync 2>/dev/null || exit 1
			n=$((n + 1))
		done
		echo "writer: $n rounds of $1"
	) &
	writer=$!
}

# stop_writer - let the writer finish its round; false if a round failed.
stop_writer() {
	touch /tmp/writer.stop
	wait "$writer"
}

# luksFormat with a cheap PBKDF: TCG makes argon2 slow
aa_check luks.format cryptsetup luksFormat --batch-mode --type luks2 \
	--cipher aes-xts-plain64 --key-size 512 --pbkdf pbkdf2 \
	--pbkdf-force-iterations 1000 --key-file /tmp/pass /dev/ram0
aa_check luks.open cryptsetup open --key-file /tmp/pass /dev/ram0 vol
[ "$(target)" = crypt ] || { aa_fail luks.open "not a crypt table: $(target)"; aa_done; }
echo "table: $(dmsetup table vol | awk '{ $5 = substr($5, 1, 12) "..."; print }')"

if ! mkfs.ext4 -q /dev/mapper/vol || ! mount -t ext4 /dev/mapper/vol /mnt; then
	aa_fail luks.mkfs "mkfs/mount on dm-crypt failed"
	aa_done
fi
cp /tmp/a /mnt/a && sync

# The key of a LUKS2 mapping is a keyring reference cryptsetup has dropped:
# a switch without the key must fail and leave the mapping alone.
if out=$(iocryptsetup switch vol 2>&1); then
	echo "note: keyring key still reachable: $out"
	aa_pass luks.switch_nokey
elif [ "$(target)" = crypt ] && same a; then
	aa_pass luks.switch_nokey
else
	aa_fail luks.switch_nokey "mapping changed after a failed switch: $(target)"
fi

# Switch while a writer is busy.
start_writer b
if out=$(iocryptsetup switch vol --key-file /tmp/pass 2>&1) && [ "$(target)" = iocrypt ]; then
	aa_pass luks.switch_to_iocrypt
else
	aa_fail luks.switch_to_iocrypt "$out"
fi
stop_writer || aa_fail luks.writer "dd during the switch failed"
if same a b; then aa_pass luks.data_after_switch; else aa_fail luks.data_after_switch "$(same a b)"; fi

cp /tmp/c /mnt/c
if same a b c; then aa_pass luks.iocrypt_rw; else aa_fail luks.iocrypt_rw "$(same a b c)"; fi
echo "iocrypt: $(iocryptsetup status vol | tail -n 1)"

# And back, again under a writer.
start_writer d
if out=$(iocryptsetup switch vol --to crypt --key-file /tmp/pass 2>&1) && [ "$(target)" = crypt ]; then
	aa_pass luks.switch_back
else
	aa_fail luks.switch_back "$out"
fi
stop_writer || aa_fail luks.writer "dd during the switch back failed"
if same a b c d; then aa_pass luks.data_after_back; else aa_fail luks.data_after_back "$(same a b c d)"; fi

# Closed and reopened by cryptsetup: the on-disk format is dm-crypt's.
umount /mnt
cryptsetup close vol
if cryptsetup open --key-file /tmp/pass /dev/ram0 vol &&
	mount -t ext4 /dev/mapper/vol /mnt && same a b c d; then
	aa_pass luks.reopen
else
	aa_fail luks.reopen "files differ after cryptsetup reopen"
fi
umount /mnt 2>/dev/null
cryptsetup close vol 2>/dev/null

# LUKS1, aes-cbc-essiv:sha256: the table holds the key, no --key-file needed
if cryptsetup luksFormat --batch-mode --type luks1 --cipher aes-cbc-essiv:sha256 \
	--key-size 256 --pbkdf-force-iterations 1000 --key-file /tmp/pass /dev/ram0 &&
	cryptsetup open --key-file /tmp/pass /dev/ram0 vol &&
	mkfs.ext4 -q /dev/mapper/vol && mount -t ext4 /dev/mapper/vol /mnt &&
	cp /tmp/a /mnt/a; then
	if iocryptsetup switch vol >/dev/null && [ "$(target)" = iocrypt ] &&
		cp /tmp/b /mnt/b && same a b &&
		iocryptsetup switch vol --to crypt >/dev/null && same a b; then
		aa_pass luks1.essiv_switch
	else
		aa_fail luks1.essiv_switch "switch or data check failed ($(target))"
	fi
	umount /mnt
	cryptsetup close vol
	if cryptsetup open --key-file /tmp/pass /dev/ram0 vol &&
		mount -t ext4 /dev/mapper/vol /mnt && same a b; then
		aa_pass luks1.reopen
	else
		aa_fail luks1.reopen "files differ after cryptsetup reopen"
	fi
	umount /mnt 2>/dev/null
	cryptsetup close vol 2>/dev/null
else
	aa_fail luks1.setup "luksFormat/open/mkfs of the LUKS1 volume failed"
fi
aa_done
