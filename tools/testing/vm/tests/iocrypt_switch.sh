#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# iocryptsetup switch keeps every property of the mapping, both ways: the
# table (`dmsetup table --showkeys`, target name aside), name, uuid, device
# number, read-only, and what the table gives the disk.  Read-only plain
# and LUKS2 mappings opened by cryptsetup --readonly stay read-only on
# iocrypt (a write fails, the ciphertext does not change); a LUKS2 key
# stays a keyring reference; every dm-crypt optional argument survives.
# What iocrypt cannot represent, a suspended mapping and one with an
# inactive table are refused with a clear message and left as they were.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require cryptsetup keyctl iocryptsetup md5sum

# 16 MiB of LUKS2 header (cryptsetup's default) and as much data
aa_brd 32
aa_load dm-crypt
aa_load dm-iocrypt
# whatever happens, leave no mapping behind: the modules must unload
trap 'dmsetup remove_all 2>/dev/null' EXIT

SECTORS=$((16 * 2048))
head -c 64 /dev/urandom >/tmp/key
head -c 32 /dev/urandom >/tmp/pass
hex=$(od -An -v -tx1 /tmp/key | tr -d ' \n')

# sysd NAME - sysfs directory of the mapping's disk
sysd() { echo "/sys/dev/block/$(dmsetup info -c --noheadings --separator : -o major,minor "$1")"; }

# state NAME - the table with its key and the properties a switch keeps
# (one dmsetup call for them all, sysfs read by the shell: the test takes
# this snapshot some thirty times)
state() {
	dmsetup table --showkeys "$1"
	info=$(dmsetup info -c --noheadings --separator ' ' -o major,minor,name,uuid,attr "$1")
	echo "$info"
	echo "getro=$(blockdev --getro "/dev/mapper/$1")"
	d=/sys/dev/block/${info%% *}:${info#* }
	d=${d%% *}
	for f in ro size queue/logical_block_size queue/physical_block_size \
		queue/minimum_io_size queue/discard_max_bytes queue/read_ahead_kb; do
		v=
		read -r v <"$d/$f"
		echo "$f=$v"
	done
}

# sum NAME - md5 of the first MiB read through the mapping
sum() { dd if="/dev/mapper/$1" bs=64k count=16 iflag=direct 2>/dev/null | md5sum | cut -c 1-32; }
lower_sum() { md5sum /dev/ram0 | cut -c 1-32; }

# differ A B - a one-line account of how two states differ
differ() {
	echo "$1" >/tmp/s.a
	echo "$2" >/tmp/s.b
	diff /tmp/s.a /tmp/s.b | grep '^[-+][^-+]' | tr '\n' ' '
}

# as_before ID NAME STATE DATA NOW - PASS when NOW is STATE and NAME still
# reads DATA
as_before() {
	if [ "$5" != "$3" ]; then
		aa_fail "$1" "state changed: $(differ "$3" "$5")"
	elif [ "$(sum "$2")" != "$4" ]; then
		aa_fail "$1" "data reads differently"
	else
		aa_pass "$1"
	fi
}

# roundtrip ID NAME [KEY-OPTION...] - crypt -> iocrypt -> crypt: on iocrypt
# the state is the crypt state with the target renamed, and the data reads
# the same; afterwards everything is identical.  Read-only mappings must
# refuse a write and keep the ciphertext.
roundtrip() {
	rt=$1 name=$2
	shift 2
	s0=$(state "$name") d0=$(sum "$name") ro0=$(cat "$(sysd "$name")/ro")
	if ! out=$(iocryptsetup switch "$name" "$@" 2>&1); then
		aa_fail "$rt.to_iocrypt" "$out"
		return
	fi
	t=$(dmsetup table "$name" | awk '{ print $3; exit }')
	if [ "$t" != iocrypt ]; then
		aa_fail "$rt.to_iocrypt" "target is $t"
	else
		as_before "$rt.to_iocrypt" "$name" "$s0" "$d0" \
			"$(state "$name" | sed 's/ iocrypt / crypt /')"
	fi
	if [ "$ro0" = 1 ]; then
		l0=$(lower_sum)
		if dd if=/dev/zero of="/dev/mapper/$name" bs=4096 count=1 oflag=direct 2>/dev/null; then
			aa_fail "$rt.readonly" "a write to the read-only mapping succeeded on iocrypt"
		elif [ "$(lower_sum)" != "$l0" ]; then
			aa_fail "$rt.readonly" "the ciphertext changed"
		else
			aa_pass "$rt.readonly"
		fi
	fi
	if ! out=$(iocryptsetup switch "$name" --to crypt "$@" 2>&1); then
		aa_fail "$rt.back" "$out"
		return
	fi
	as_before "$rt.back" "$name" "$s0" "$d0" "$(state "$name")"
}

# refused ID NAME PATTERN [KEY-OPTION...] - the switch fails, says PATTERN,
# and the mapping (table, properties, no inactive table) is unchanged.
refused() {
	rt=$1 name=$2 pat=$3
	shift 3
	s0=$(state "$name")
	if out=$(iocryptsetup switch "$name" "$@" 2>&1); then
		aa_fail "$rt" "switch succeeded: $out"
	elif ! echo "$out" | grep -q "$pat"; then
		aa_fail "$rt" "message: $out"
	elif [ "$(state "$name")" != "$s0" ]; then
		aa_fail "$rt" "mapping changed: $(differ "$s0" "$(state "$name")")"
	else
		aa_pass "$rt"
	fi
}

# Some data on the disk, written through a plain read-write mapping.
echo "0 $SECTORS crypt aes-xts-plain64 $hex 0 /dev/ram0 0" | dmsetup create w
dd if=/dev/urandom of=/dev/mapper/w bs=64k count=16 oflag=direct 2>/dev/null
dmsetup remove w

# Plain dm-crypt opened read-only by cryptsetup.
if cryptsetup open --type plain --cipher aes-xts-plain64 --key-size 512 \
	--key-file /tmp/key --size $SECTORS --readonly /dev/ram0 pro; then
	roundtrip switch.plain_ro pro
	cryptsetup close pro
else
	aa_fail switch.plain_ro "cryptsetup open --type plain --readonly failed"
fi

# Every dm-crypt optional argument iocrypt takes, and an iv_offset.
opts="7 allow_discards same_cpu_crypt submit_from_crypt_cpus no_read_workqueue no_write_workqueue sector_size:4096 iv_large_sectors"
echo "0 $SECTORS crypt aes-xts-plain64 $hex 16 /dev/ram0 8 $opts" | dmsetup create opt
roundtrip switch.options opt
dmsetup remove opt

# The same through cryptsetup plain options, read-only.
if cryptsetup open --type plain --cipher aes-xts-plain64 --key-size 512 --key-file /tmp/key \
	--size $SECTORS --sector-size 4096 --iv-large-sectors --allow-discards \
	--perf-same_cpu_crypt --perf-no_read_workqueue --readonly /dev/ram0 popt; then
	echo "table: $(dmsetup table popt | cut -d ' ' -f 6-)"
	roundtrip switch.plain_options_ro popt
	cryptsetup close popt
else
	aa_fail switch.plain_options_ro "cryptsetup open with options failed"
fi

# LUKS2 opened read-only: the key is a keyring reference cryptsetup has
# dropped; the switch needs the passphrase both ways and keeps the reference.
if cryptsetup luksFormat --batch-mode --type luks2 --cipher aes-xts-plain64 --key-size 512 \
	--pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file /tmp/pass /dev/ram0 &&
	cryptsetup open --key-file /tmp/pass /dev/ram0 lw &&
	dd if=/dev/urandom of=/dev/mapper/lw bs=64k count=16 oflag=direct 2>/dev/null &&
	cryptsetup close lw &&
	cryptsetup open --readonly --key-file /tmp/pass /dev/ram0 lro; then
	echo "table: $(dmsetup table lro | cut -d ' ' -f 3-5)"
	refused switch.luks_nokey lro "use --key-file"
	roundtrip switch.luks2_ro lro --key-file /tmp/pass
	# the volume key given raw works the same
	cryptsetup luksDump --batch-mode --dump-volume-key --volume-key-file /tmp/vk \
		--key-file /tmp/pass /dev/ram0 >/dev/null 2>&1
	roundtrip switch.luks2_vk lro --volume-key-file /tmp/vk
	# both key files may come on stdin (-), as with cryptsetup
	if iocryptsetup switch lro --volume-key-file - </tmp/vk >/dev/null &&
		[ "$(dmsetup table lro | awk '{ print $3; exit }')" = iocrypt ] &&
		iocryptsetup switch lro --to=crypt --key-file=- </tmp/pass >/dev/null &&
		[ "$(dmsetup table lro | awk '{ print $3; exit }')" = crypt ]; then
		aa_pass switch.luks2_stdin
	else
		aa_fail switch.luks2_stdin "table now: $(dmsetup table lro | cut -d ' ' -f 1-4)"
	fi
	rm -f /tmp/vk
	refused switch.luks_badkey lro "volume key has 32 bytes" --volume-key-file /tmp/pass
	cryptsetup close lro
else
	aa_fail switch.luks2_ro "luksFormat or open --readonly failed"
fi

# Refused: a cipher iocrypt does not implement, ...
if echo "0 $SECTORS crypt capi:xts(aes)-plain64 $hex 0 /dev/ram0 0" | dmsetup create capi; then
	refused switch.refuse_capi capi "iocrypt cannot represent the cipher capi:xts(aes)-plain64"
	dmsetup remove capi
else
	aa_skip switch.refuse_capi "dm-crypt did not take capi:xts(aes)-plain64"
fi
if echo "0 $SECTORS crypt aes-cbc-benbi $(echo "$hex" | cut -c 1-64) 0 /dev/ram0 0" |
	dmsetup create benbi 2>/dev/null; then
	refused switch.refuse_benbi benbi "iocrypt cannot represent the cipher aes-cbc-benbi"
	dmsetup remove benbi
else
	aa_skip switch.refuse_benbi "dm-crypt did not take aes-cbc-benbi"
fi
# ... a suspended mapping (a switch would resume it), an inactive table
# someone else loaded (a switch would overwrite it), and a second switch.
echo "0 $SECTORS crypt aes-xts-plain64 $hex 0 /dev/ram0 0" | dmsetup create busy
dmsetup suspend busy
refused switch.refuse_suspended busy "is suspended"
dmsetup resume busy
echo "0 $SECTORS crypt aes-xts-plain64 $hex 0 /dev/ram0 0" | dmsetup reload busy
refused switch.refuse_inactive busy "inactive table"
dmsetup clear busy
iocryptsetup switch busy >/dev/null
refused switch.refuse_twice busy "already iocrypt"
dmsetup remove busy
aa_done
