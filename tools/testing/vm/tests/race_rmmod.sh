#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rmmod while completions are still arriving: never unloads under live I/O.
# 1. A live process runs 64-deep I/O through iocrypt (force_cryptd=1) over
#    aiodemo completing in hardirq after 2 ms while rmmod of aio_attr,
#    aiodemo and dm_iocrypt is tried in a loop: every attempt must fail
#    ("in use"), and the process's I/O must all complete exactly once with
#    the right results (aa_stress).
# 2. A process is SIGKILLed with 64 I/Os in flight that a suspended dm
#    linear device over brd holds (nothing completes until it resumes, so
#    no timing is involved).  dm_iocrypt and aiodemo are unloaded first:
#    then only the dead process's context, which lives until its last
#    request ends, keeps aio_attr loaded, and rmmod aio_attr must fail
#    ("in use") with all 64 still in flight.  After the resume rmmod is
#    retried while the completions arrive: it must fail until they all
#    ended and then succeed.  Programs: aa_stress, aa_race.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'dmsetup resume aahold >/dev/null 2>&1; dmsetup remove_all >/dev/null 2>&1; aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
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

# 2. killed process, requests held in flight
dmsetup remove ior
aa_configfs_clean /sys/kernel/config/aiodemo
aa_unload race.rmmod dm_iocrypt aiodemo
aa_brd 64
echo "0 $(blockdev --getsz /dev/ram0) linear /dev/ram0 0" | dmsetup create aahold ||
	{ aa_fail race.rmmod.killed "dmsetup create aahold"; aa_done; }
dmsetup suspend aahold
aa_race kill --dev /dev/mapper/aahold --cycles 1 --qd 64 --no-settle --held || AA_FAILED=1
tries=0 ok=1 before=$(cat $S/inflight) ctx=$(cat $S/contexts)
while [ $ok = 1 ] && [ $tries -lt 3 ]; do
	try_unload race.rmmod.killed aio_attr || ok=0
done
after=$(cat $S/inflight)
echo "# inflight $before ($ctx contexts) after the kill, $after after $tries rmmod attempts"
if [ $ok = 1 ] && [ "$before" = 64 ] && [ "$after" = 64 ] && [ "$ctx" = 1 ]; then
	aa_pass race.rmmod.killed
elif [ $ok = 1 ]; then
	aa_fail race.rmmod.killed "expected 64 requests of 1 context held, got $before of $ctx, then $after"
fi

# Release them and unload while their completions arrive: rmmod must say
# "in use" until the context is gone (a completion running in unloaded
# code shows up in the kernel log the host scans).  Skipped if aio_attr
# already went away above.
dmsetup resume aahold
tries=0 end=$(($(date +%s) + $(aa_scaled 10)))
until [ $ok = 0 ] || out=$(rmmod aio_attr 2>&1); do
	tries=$((tries + 1))
	case $out in
	*"in use"*) ;;
	*) aa_fail race.rmmod.drained "rmmod aio_attr: unexpected '$out'"; ok=0 ;;
	esac
	if [ $ok = 1 ] && [ "$(date +%s)" -gt $end ]; then
		aa_fail race.rmmod.drained "still in use: contexts $(cat $S/contexts) inflight $(cat $S/inflight)"
		ok=0
	fi
done
if [ $ok = 1 ]; then
	echo "# aio_attr unloaded after $tries attempts that failed while its requests drained"
	aa_pass race.rmmod.drained
fi
dmsetup remove aahold
aa_unload race.rmmod brd
aa_done
