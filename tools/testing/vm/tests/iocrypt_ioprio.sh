#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An I/O's priority reaches the device below iocrypt, for writes too:
# iocrypt reads go down in clones (which inherit it), writes in bounce
# bios of iocrypt's own, which must take it over.  fio with the aioattr
# engine and with libaio, real-time class, over iocrypt on null_blk; the
# lower device's requests as 6.12's block:block_rq_issue prints them
# ("rt,0,0").  6.1's tracepoint has no priority field: skipped there.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
T=/sys/kernel/tracing
EV=$T/events/block/block_rq_issue
# shellcheck disable=SC2317 # run from the EXIT trap
cleanup() {
	echo 0 >"$EV/enable" 2>/dev/null
	echo >"$T/trace" 2>/dev/null
	dmsetup remove aaprio 2>/dev/null
	aa_configfs_clean /sys/kernel/config/nullb
}
trap cleanup EXIT
aa_require fio /tests/lib/aioattr.so
[ -d "$T/events" ] || mount -t tracefs nodev "$T" 2>/dev/null
if ! grep -q ioprio "$EV/format" 2>/dev/null; then
	aa_skip iocrypt_ioprio "block:block_rq_issue has no ioprio field (6.1 has none)"
	aa_done
fi

aa_load aio_attr
aa_nullb nullprio 16 memory_backed=1
aa_iocrypt aaprio /dev/nullprio
devt=$(tr : , </sys/block/nullprio/dev)

# check ID ENGINE RW - 64 4 KiB requests of RW (read or write) at RT
# priority through iocrypt; every request of that direction null_blk was
# issued must be RT.
check() {
	echo 0 >"$EV/enable"
	echo >"$T/trace"
	echo 1 >"$EV/enable"
	if ! out=$(fio --name=prio --filename=/dev/mapper/aaprio --ioengine="$2" --direct=1 \
		--rw="$3" --bs=4k --size=256k --iodepth=4 --prioclass=1 --prio=0 2>&1); then
		aa_fail "$1" "fio: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
		return
	fi
	echo 0 >"$EV/enable"
	case $3 in
	read) d=R ;;
	*) d=W ;;
	esac
	grep " block_rq_issue: $devt $d" "$T/trace" >/tmp/prio.issued
	all=$(wc -l </tmp/prio.issued)
	rt=$(grep -c ' rt,0,0 ' /tmp/prio.issued)
	if [ "$all" -gt 0 ] && [ "$rt" -eq "$all" ]; then
		aa_pass "$1"
	else
		aa_fail "$1" "$rt of $all $3 requests at null_blk were rt,0,0: $(grep -v ' rt,0,0 ' /tmp/prio.issued | head -n 2 | tr '\n' ' ')"
	fi
}

check iocrypt_ioprio.aioattr_read external:/tests/lib/aioattr.so read
check iocrypt_ioprio.aioattr_write external:/tests/lib/aioattr.so write
check iocrypt_ioprio.libaio_write libaio write
aa_done
