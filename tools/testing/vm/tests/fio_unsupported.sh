#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An attribute the path cannot fill (CACHE, CRYPT_NS on brd) is reported
# UNSUPPORTED - in the engine's report, its JSON, its attr_log ('-') and
# by `aioattr probe` / `aioattr io` - never as 0.  `aioattr probe` of a
# tmpfs file (no O_DIRECT in 6.1) says so and reads buffered; where tmpfs
# takes O_DIRECT (6.12) it reads direct.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio /tests/lib/aioattr.so aioattr

jattr() { grep -o "\"$2\": {[^}]*}" "$1" | grep -o "\"$3\": [0-9.]*" | head -n 1 | sed 's/.*: //'; }
jtop() { grep -o "\"$2\": [0-9]*" "$1" | head -n 1 | sed 's/.*: //'; }

aa_load aio_attr
aa_brd 32

id=fio.unsupported
if ! out=$(fio --name=u --filename=/dev/ram0 --ioengine=external:/tests/lib/aioattr.so --direct=1 \
	--rw=randread --bs=4k --size=8m --iodepth=8 --number_ios=2000 \
	--attrs=cache,crypt_ns,service_ns --attr_log=/tmp/u.log --attr_json=/tmp/u.json 2>&1); then
	aa_fail "$id" "fio failed: $(echo "$out" | grep -i 'err\|fio:' | head -n 3 | tr '\n' ' ')"
	aa_done
fi
echo "$out" | sed -n '/^aioattr report/,/percentiles/p'
ios=$(jtop /tmp/u.json ios)
for a in cache crypt_ns; do
	h=$(jattr /tmp/u.json $a handled)
	u=$(jattr /tmp/u.json $a unsupported)
	if [ "$h" = 0 ] && [ "$u" = "$ios" ] && [ "$ios" -gt 0 ]; then
		aa_pass "$id.json.$a"
	else
		aa_fail "$id.json.$a" "handled=$h unsupported=$u of $ios I/Os"
	fi
	if echo "$out" | grep -E "^    $a +0 +$ios +UNSUPPORTED" >/dev/null; then
		aa_pass "$id.text.$a"
	else
		aa_fail "$id.text.$a" "report line: $(echo "$out" | grep "^    $a ")"
	fi
done
# cache and crypt_ns are columns 7 and 8 (after service_ns): '-' on every line
bad=$(grep -v '^#' /tmp/u.log | awk -F', ' '$7 != "-" || $8 != "-"' | head -n 3)
if [ -z "$bad" ] && [ "$(grep -vc '^#' /tmp/u.log)" = "$ios" ]; then
	aa_pass "$id.log"
else
	aa_fail "$id.log" "attr_log lines with a value for cache/crypt_ns: $bad"
fi
if grep -q 'hit_ratio' /tmp/u.json && [ "$(jattr /tmp/u.json cache hit)" != 0 ]; then
	aa_fail "$id.noratio" "hits counted for an unsupported cache"
else
	aa_pass "$id.noratio"
fi

# A block device without direct=1: the engine warns, on stderr only.
id=fio.unsupported.buffered_warning
fio --name=p --filename=/dev/ram0 --ioengine=external:/tests/lib/aioattr.so \
	--rw=read --bs=4k --size=1m --attrs=service_ns >/tmp/b.out 2>/tmp/b.err
if grep -q 'opened without direct=1: its I/O takes the page cache path' /tmp/b.err &&
	! grep -q 'without direct=1' /tmp/b.out && grep -q '^aioattr report' /tmp/b.out; then
	aa_pass "$id"
else
	aa_fail "$id" "stderr: $(head -c 300 /tmp/b.err) stdout: $(grep 'fio: ' /tmp/b.out | head -n 2)"
fi

id=aioattr.probe.brd
if out=$(aioattr probe /dev/ram0 2>&1) &&
	echo "$out" | grep -E '^  cache +UNSUPPORTED +0 of 4' >/dev/null &&
	echo "$out" | grep -E '^  service_ns +HANDLED +4 of 4' >/dev/null; then
	aa_pass "$id"
else
	aa_fail "$id" "$(echo "$out" | tr '\n' '|')"
fi
echo "$out"
# tmpfs refuses O_DIRECT in 6.1: probe says so on stderr and reads
# buffered.  From 6.6 (so in 6.12) tmpfs takes O_DIRECT, and probe uses it.
id=aioattr.probe.tmpfs
head -c 65536 /dev/zero >/tmp/probe.dat
if dd if=/tmp/probe.dat of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null; then
	refusal='' mode=O_DIRECT
else
	refusal='the file system refuses O_DIRECT; using buffered I/O' mode=buffered
fi
if out=$(aioattr probe /tmp/probe.dat 2>/tmp/probe.err) &&
	{ [ -z "$refusal" ] || grep -q "$refusal" /tmp/probe.err; } &&
	echo "$out" | grep -qF "4 reads of 4096 bytes (file, $mode), 0 failed"; then
	aa_pass "$id"
else
	aa_fail "$id" "$(cat /tmp/probe.err) $(echo "$out" | tr '\n' '|')"
fi
rm -f /tmp/probe.dat /tmp/probe.err
id=aioattr.io.brd
if out=$(aioattr io read /dev/ram0 4k 4k --attrs cache,service_ns 2>&1) &&
	echo "$out" | grep -E '^  cache +UNSUPPORTED' >/dev/null &&
	echo "$out" | grep -E '^  service_ns +HANDLED +[0-9.]+[num]?s' >/dev/null; then
	aa_pass "$id"
else
	aa_fail "$id" "$(echo "$out" | tr '\n' '|')"
fi
echo "$out"
# A write through the CLI, read back through fio's verify-free path.
id=aioattr.io.write
if aioattr io write /dev/ram0 64k 8k --pattern 0xa5 >/dev/null 2>&1 &&
	aioattr io read /dev/ram0 64k 8k --output /tmp/back >/dev/null 2>&1 &&
	[ "$(od -An -tx1 -v /tmp/back | tr -d ' \n' | tr -d 'a5')" = "" ] &&
	[ "$(wc -c </tmp/back)" = 8192 ]; then
	aa_pass "$id"
else
	aa_fail "$id" "pattern 0xa5 did not read back"
fi
id=aioattr.io.unaligned
out=$(aioattr io read /dev/ram0 100 4k 2>&1)
rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q 'logical block size'; then
	aa_pass "$id"
else
	aa_fail "$id" "rc=$rc: $out"
fi
aa_done
