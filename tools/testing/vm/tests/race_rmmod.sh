#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rmmod while completions are still arriving: never unloads under live I/O.
# 1. A live process runs 64-deep I/O through iocrypt (force_cryptd=1) over
#    aiodemo completing in hardirq after 2 ms while rmmod of aio_attr,
#    aiodemo and dm_iocrypt is tried in a loop: every attempt must fail
#    ("in use"), and the process's I/O must all complete exactly once with
#    the right results (aa_stress).
# 2. A process is SIGKILLed with 64 I/Os in flight (aiodemo 300 ms): rmmod
#    aio_attr is tried until its requests drained; it must fail while any
#    is in flight, then everything unloads.  Programs: aa_stress, aa_race.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'dmsetup remove_all >/dev/null 2>&1; aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require aa_stress aa_race

S=/sys/class/misc/aio_attr

# try_unload ID MOD... - rmmod each MOD once; any success is a failure of
# ID (the module went away under live I/O).  Counts attempts in $tries.
try_unload() {
	id=$1
	shift
	for m in "$@"; do
		tries=$((tries + 1))
		if out=$(rmmod "$m" 2>&1); then
			aa_fail "$id" "rmmod $m succeeded with I/O in flight"
			return 1
		fi
		case $out in
		*"in use"* | *busy* | *Busy*) ;;
		*) aa_fail "$id" "rmmod $m: unexpected '$out'"; return 1 ;;
		esac
	done
}

aa_load aio_attr
aa_load dm-iocrypt
aa_aiodemo adr 64 completion=hardirq hit_nsec=2000000 miss_nsec=2000000 hw_queues=2
echo 1 >/sys/module/dm_iocrypt/parameters/force_cryptd
aa_iocrypt ior /dev/adr
echo 0 >/sys/module/dm_iocrypt/parameters/force_cryptd

# 1. live process
aa_stress --dev /dev/mapper/ior --label rmmod_live --count 3000 --qd 64 --ring 2048 \
	--timeout $((50 * ${AA_TIME_SCALE:-1})) >/tmp/stress.out 2>&1 &
pid=$!
tries=0 ok=1 seen=0
while kill -0 "$pid" 2>/dev/null; do
	[ "$(cat $S/inflight)" -gt 0 ] && seen=1
	try_unload race.rmmod.live aio_attr aiodemo dm_iocrypt || { ok=0; break; }
done
wait "$pid" || AA_FAILED=1
cat /tmp/stress.out
echo "# $tries rmmod attempts during live I/O"
if [ $ok = 1 ] && [ $seen = 1 ] && [ $tries -gt 0 ]; then
	aa_pass race.rmmod.live
elif [ $ok = 1 ]; then
	aa_fail race.rmmod.live "no attempt while I/O was in flight ($tries attempts)"
fi

# 2. killed process, requests still in flight
dmsetup remove ior
d=/sys/kernel/config/aiodemo/adr
echo 0 >$d/power
echo 300000000 >$d/hit_nsec
echo 300000000 >$d/miss_nsec
echo 1 >$d/power
aa_race kill --dev /dev/adr --cycles 1 --qd 64 --no-settle || AA_FAILED=1
tries=0 ok=1 before=$(cat $S/inflight)
while [ "$(cat $S/inflight)" != 0 ]; do
	try_unload race.rmmod.killed aio_attr || { ok=0; break; }
done
echo "# inflight $before after the kill, $tries rmmod attempts until it drained"
if [ $ok = 1 ] && [ "$before" -gt 0 ] && [ $tries -gt 0 ]; then
	aa_pass race.rmmod.killed
elif [ $ok = 1 ]; then
	aa_fail race.rmmod.killed "nothing was in flight after the kill (inflight $before)"
fi
aa_wait_stat contexts 0 || aa_fail race.rmmod.drained "contexts $(cat $S/contexts)"
aa_configfs_clean /sys/kernel/config/aiodemo
aa_unload race.rmmod dm_iocrypt aiodemo aio_attr
aa_done
