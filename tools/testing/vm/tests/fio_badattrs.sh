#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A bad attrs= value stops fio before any I/O with a message naming the bad
# item and the valid names; on the command line and in a job file.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio /tests/lib/aioattr.so

aa_load aio_attr
aa_brd 16

# bad ID ATTRS WANT - fio with attrs=ATTRS must fail saying WANT
bad() {
	id=$1 attrs=$2 want=$3
	out=$(fio --name=b --filename=/dev/ram0 --ioengine=external:/tests/lib/aioattr.so \
		--direct=1 --rw=read --bs=4k --size=1m "--attrs=$attrs" 2>&1)
	rc=$?
	if [ $rc != 0 ] && echo "$out" | grep -qF "$want" &&
		! echo "$out" | grep -q 'Run status'; then
		aa_pass "$id"
	else
		aa_fail "$id" "rc=$rc: $(echo "$out" | head -n 4 | tr '\n' ' ')"
	fi
}
bad fio.badattrs.unknown "service_ns,bogus" 'unknown attribute "bogus" (valid: service_ns, queue_ns, device_ns, cache, crypt_ns, completion_ctx, pagecache, all, none)'
bad fio.badattrs.empty "cache," 'empty attribute name'
bad fio.badattrs.case "CACHE" 'unknown attribute "CACHE"'

id=fio.badattrs.jobfile
cat >/tmp/bad.fio <<JOB
[bad]
ioengine=external:/tests/lib/aioattr.so
filename=/dev/ram0
direct=1
rw=read
size=1m
attrs=cache,latency_ns
JOB
out=$(fio /tmp/bad.fio 2>&1)
rc=$?
if [ $rc != 0 ] && echo "$out" | grep -qF 'unknown attribute "latency_ns"'; then
	aa_pass "$id"
else
	aa_fail "$id" "rc=$rc: $(echo "$out" | head -n 4 | tr '\n' ' ')"
fi

# The good spellings are accepted.
id=fio.goodattrs
if out=$(fio --name=g --filename=/dev/ram0 --ioengine=external:/tests/lib/aioattr.so --direct=1 \
	--rw=read --bs=4k --size=1m "--attrs= service_ns , cache" 2>&1) &&
	echo "$out" | grep -q 'attributes requested: service_ns,cache'; then
	aa_pass "$id"
else
	aa_fail "$id" "$(echo "$out" | grep -i 'err\|fio:' | head -n 3 | tr '\n' ' ')"
fi
aa_done
