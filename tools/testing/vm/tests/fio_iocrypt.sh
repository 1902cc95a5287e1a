#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The engine on the full stack: dm-iocrypt over an aiodemo disk with a cache
# model.  A verify=crc32c job passes through it, and every layer reports:
# CRYPT_NS from iocrypt, CACHE and DEVICE_NS from aiodemo, QUEUE_NS and
# SERVICE_NS - all HANDLED for every I/O.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio /tests/lib/aioattr.so iocryptsetup
ENGINE=external:/tests/lib/aioattr.so

jattr() { grep -o "\"$2\": {[^}]*}" "$1" | grep -o "\"$3\": [0-9.]*" | head -n 1 | sed 's/.*: //'; }
jtop() { grep -o "\"$2\": [0-9]*" "$1" | head -n 1 | sed 's/.*: //'; }

aa_load aio_attr
if ! /sbin/modprobe aiodemo nr_devices=0 2>/dev/null ||
	! /sbin/modprobe dm-iocrypt 2>/dev/null; then
	aa_skip fio.iocrypt "no aiodemo or dm-iocrypt module"
	exit 0
fi
d=/sys/kernel/config/aiodemo/fic
mkdir $d
echo 64 >$d/size
echo 4096 >$d/blocksize
echo softirq >$d/completion
echo 1024 >$d/cache_blocks
echo 2000 >$d/hit_nsec
echo 30000 >$d/miss_nsec
echo 1 >$d/power || { aa_fail fio.iocrypt.setup "aiodemo power on"; exit 1; }
# the key on stdin, never on a command line
if ! out=$(head -c 64 /dev/urandom | iocryptsetup create fic /dev/fic --key-file - 2>&1); then
	aa_fail fio.iocrypt.setup "iocryptsetup: $out"
	exit 1
fi
[ -b /dev/mapper/fic ] || dmsetup mknodes

id=fio.iocrypt.verify
if out=$(fio --name=c --filename=/dev/mapper/fic --ioengine=$ENGINE --direct=1 \
	--rw=randwrite --bs=16k --size=8m --iodepth=16 --verify=crc32c --do_verify=1 \
	--verify_fatal=1 --attrs=all --attr_json=/tmp/c.json 2>&1); then
	aa_pass "$id"
	echo "$out" | sed -n '/^aioattr report/,/percentiles/p'
	ios=$(jtop /tmp/c.json ios)
	for a in service_ns queue_ns device_ns cache crypt_ns completion_ctx; do
		h=$(jattr /tmp/c.json $a handled)
		if [ "$h" = "$ios" ] && [ "$ios" -gt 0 ]; then
			aa_pass "$id.$a"
		else
			aa_fail "$id.$a" "handled for $h of $ios I/Os"
		fi
	done
else
	aa_fail "$id" "$(echo "$out" | grep -i 'err\|fio:\|verify' | head -n 4 | tr '\n' ' ')"
fi
dmsetup remove fic
echo 0 >$d/power
rmdir $d
aa_done
