#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The engine's report against aiodemo's own aggregates: for one fio run on a
# fresh aiodemo disk with a cache model, the I/O count, reads, writes and
# the cache hit / miss / partial counts in the aioattr JSON report equal
# the change of /sys/block/<disk>/aiodemo/{ios,reads,writes,hits,misses,
# partial} over the run (aiodemo accounts per bio; 16k I/Os are one bio).
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio /tests/lib/aioattr.so
ENGINE=external:/tests/lib/aioattr.so

jattr() { grep -o "\"$2\": {[^}]*}" "$1" | grep -o "\"$3\": [0-9.]*" | head -n 1 | sed 's/.*: //'; }
jtop() { grep -o "\"$2\": [0-9]*" "$1" | head -n 1 | sed 's/.*: //'; }

aa_load aio_attr
if ! /sbin/modprobe aiodemo nr_devices=0 2>/dev/null; then
	aa_skip fio.aiodemo "no aiodemo module"
	exit 0
fi
CFS=/sys/kernel/config/aiodemo

for mode in softirq hardirq inline; do
	name=fa_$mode
	d=$CFS/$name
	id=fio.aiodemo.$mode
	mkdir "$d" || { aa_fail "$id" "mkdir $d"; continue; }
	echo 32 >"$d/size"
	echo 4096 >"$d/blocksize"
	echo "$mode" >"$d/completion"
	echo 256 >"$d/cache_blocks"
	echo 2000 >"$d/hit_nsec"
	echo 20000 >"$d/miss_nsec"
	if ! echo 1 >"$d/power" || [ ! -b "/dev/$name" ]; then
		aa_fail "$id" "power on failed"
		rmdir "$d"
		continue
	fi
	S=/sys/block/$name/aiodemo
	for c in ios reads writes hits misses partial; do eval "b_$c=\$(cat $S/$c)"; done
	rm -f /tmp/a.json
	# shellcheck disable=SC2154 # a_* and b_* are set by eval
	if ! out=$(fio --name=a --filename=/dev/$name --ioengine=$ENGINE --direct=1 \
		--rw=randrw --rwmixread=70 --bs=16k --size=2m --io_size=48m --norandommap \
		--iodepth=16 --randrepeat=0 --attrs=cache,device_ns,service_ns,completion_ctx \
		--attr_json=/tmp/a.json 2>&1); then
		aa_fail "$id" "fio failed: $(echo "$out" | grep -i 'err\|fio:' | head -n 3 | tr '\n' ' ')"
	else
		echo "$out" | sed -n '/^aioattr report/,/percentiles/p'
		for c in ios reads writes hits misses partial; do eval "a_$c=\$(cat $S/$c)"; done
		# the engine's side
		e_ios=$(jtop /tmp/a.json ios)
		e_rbytes=$(jtop /tmp/a.json read_bytes)
		e_wbytes=$(jtop /tmp/a.json write_bytes)
		e_hits=$(jattr /tmp/a.json cache hit)
		e_misses=$(jattr /tmp/a.json cache miss)
		e_partial=$(jattr /tmp/a.json cache partial)
		e_handled=$(jattr /tmp/a.json cache handled)
		ok=1
		why=""
		chk() {
			if [ "$2" != "$3" ]; then
				ok=0
				why="$why $1: engine $2, aiodemo $3;"
			fi
		}
		chk ios "$e_ios" $((a_ios - b_ios))
		chk reads "$((e_rbytes / 16384))" $((a_reads - b_reads))
		chk writes "$((e_wbytes / 16384))" $((a_writes - b_writes))
		chk cache_handled "$e_handled" "$e_ios"
		chk hits "$e_hits" $((a_hits - b_hits))
		chk misses "$e_misses" $((a_misses - b_misses))
		chk partial "$e_partial" $((a_partial - b_partial))
		if [ $ok = 1 ] && [ "$e_ios" -gt 0 ]; then
			aa_pass "$id"
		else
			aa_fail "$id" "$why"
		fi
		# 2 MiB of 16k I/Os over a 1 MiB cache: hits and misses both, so the ratios mean something.
		if [ "$e_hits" -gt 0 ] && [ "$e_misses" -gt 0 ]; then
			aa_pass "$id.mixed"
		else
			aa_fail "$id.mixed" "hits=$e_hits misses=$e_misses partial=$e_partial"
		fi
	fi
	echo 0 >"$d/power"
	rmdir "$d"
done
aa_done
