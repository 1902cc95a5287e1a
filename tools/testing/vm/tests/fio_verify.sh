#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fio with the aioattr engine on brd: a verify=crc32c job passes, the
# attribute report is printed, SERVICE_NS and COMPLETION_CTX are HANDLED
# for every I/O with no deferral hop, the attr_log holds one line per I/O
# and `aioattr report` of it gives the same counts as the engine.  With
# fixedbufs (fio's buffers registered once) a randrw verify job passes.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio /tests/lib/aioattr.so aioattr
ENGINE=external:/tests/lib/aioattr.so

# jattr FILE ATTR FIELD - a number of one attribute in an aioattr JSON report
jattr() { grep -o "\"$2\": {[^}]*}" "$1" | grep -o "\"$3\": [0-9.]*" | head -n 1 | sed 's/.*: //'; }
# jtop FILE FIELD - a top-level number of an aioattr JSON report
jtop() { grep -o "\"$2\": [0-9]*" "$1" | head -n 1 | sed 's/.*: //'; }

aa_load aio_attr
aa_brd 64

for depth in 1 16 64; do
	id=fio.verify.qd$depth
	rm -f /tmp/v.log /tmp/v.json
	if ! out=$(fio --name=v --filename=/dev/ram0 --ioengine=$ENGINE --direct=1 \
		--rw=randwrite --bs=4k --size=16m --iodepth=$depth --iodepth_batch_submit=$depth \
		--verify=crc32c --do_verify=1 --verify_fatal=1 --randrepeat=0 \
		--attrs=all --attr_log=/tmp/v.log --attr_json=/tmp/v.json 2>&1); then
		aa_fail "$id" "fio failed: $(echo "$out" | grep -i 'err\|fio:\|verify' | head -n 4 | tr '\n' ' ')"
		continue
	fi
	aa_pass "$id"
	echo "$out" | sed -n '/^aioattr report/,/percentiles/p'

	ios=$(jtop /tmp/v.json ios)
	# 16 MiB of 4k writes, then the same read back by verify
	if [ "$ios" = 8192 ]; then aa_pass "$id.ios"; else aa_fail "$id.ios" "ios=$ios, want 8192"; fi
	h=$(jattr /tmp/v.json service_ns handled)
	u=$(jattr /tmp/v.json service_ns unsupported)
	if [ "$h" = "$ios" ] && [ "$u" = 0 ]; then
		aa_pass "$id.service_ns"
	else
		aa_fail "$id.service_ns" "handled=$h unsupported=$u of $ios"
	fi
	h=$(jattr /tmp/v.json completion_ctx handled)
	hop=$(jattr /tmp/v.json completion_ctx hop)
	if [ "$h" = "$ios" ] && [ "$hop" = 0 ]; then
		aa_pass "$id.nohop"
	else
		aa_fail "$id.nohop" "completion_ctx handled=$h hop=$hop of $ios"
	fi
	lines=$(grep -vc '^#' /tmp/v.log)
	if [ "$lines" = "$ios" ]; then
		aa_pass "$id.log"
	else
		aa_fail "$id.log" "attr_log has $lines lines for $ios I/Os"
	fi
	if rep=$(aioattr report /tmp/v.log --json 2>&1) &&
		echo "$rep" >/tmp/r.json && [ "$(jtop /tmp/r.json ios)" = "$ios" ] &&
		[ "$(jattr /tmp/r.json service_ns handled)" = "$ios" ] &&
		[ "$(jattr /tmp/r.json service_ns p99)" = "$(jattr /tmp/v.json service_ns p99)" ]; then
		aa_pass "$id.report"
	else
		aa_fail "$id.report" "aioattr report disagrees with the engine: $(echo "$rep" | head -c 300)"
	fi
done

# The overflow path: a 2 KiB ring (about 16 events of 120 bytes) under 64 in flight.
id=fio.verify.overflow
if out=$(fio --name=o --filename=/dev/ram0 --ioengine=$ENGINE --direct=1 \
	--rw=randrw --bs=4k --size=16m --iodepth=64 --iodepth_batch_submit=64 --ring_kb=2 \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --attrs=all 2>&1); then
	ovf=$(echo "$out" | sed -n 's/.* \([0-9]*\) of them through the overflow list.*/\1/p')
	aa_pass "$id"
	echo "$out" | grep 'ring:'
	if [ -n "$ovf" ] && [ "$ovf" -gt 0 ]; then
		aa_pass "$id.used"
	else
		aa_skip "$id.used" "no completion went through the overflow list (ring kept up)"
	fi
else
	aa_fail "$id" "$(echo "$out" | grep -i 'err\|fio:\|verify' | head -n 4 | tr '\n' ' ')"
fi

# fixedbufs: fio's buffers registered once per job; data must still be right.
id=fio.verify.fixedbufs
out=$(fio --name=f --filename=/dev/ram0 --ioengine=$ENGINE --direct=1 \
	--rw=randrw --bs=4k --size=16m --iodepth=16 --fixedbufs=1 \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --attrs=service_ns 2>&1)
rc=$?
echo "$out" | grep 'system calls:'
case $out in
*"this kernel has no registered buffers"*)
	aa_skip "$id" "the module has no AIO_ATTR_FEAT_FIXED_BUFS"
	;;
*)
	if [ $rc = 0 ] && echo "$out" | grep -q 'system calls: .*; registered buffers$'; then
		aa_pass "$id"
	else
		aa_fail "$id" "$(echo "$out" | grep -i 'err\|fio:\|verify' | head -n 4 | tr '\n' ' ')"
	fi
	;;
esac
aa_done
