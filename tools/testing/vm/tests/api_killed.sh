#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A process SIGKILLed with 64 I/Os in flight (null_blk, 1 s timer
# completions) or with a full ring and overflow list (brd) leaves nothing
# behind: the module's counters return to zero and it unloads.
# Program: aa_killed.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require aa_killed

S=/sys/class/misc/aio_attr

aa_load aio_attr
aa_brd 64
aa_nullb nullb0 64 irqmode=2 completion_nsec=1000000000 memory_backed=0
aa_killed --slow /dev/nullb0 --dev /dev/ram0 --settle 30 || AA_FAILED=1

# Bounded wait for the counters (aa_killed already waited; this is the
# script's own view of the same files).
n=0
while [ "$(cat $S/contexts)" != 0 ] || [ "$(cat $S/inflight)" != 0 ]; do
	n=$((n + 1))
	[ $n -gt 100 ] && break
	sleep 0.1
done
c=$(cat $S/contexts) i=$(cat $S/inflight)
if [ "$c" = 0 ] && [ "$i" = 0 ]; then
	aa_pass killed.counters_zero
else
	aa_fail killed.counters_zero "contexts $c inflight $i"
fi
echo "# submitted $(cat $S/submitted) completed $(cat $S/completed) overflowed $(cat $S/overflowed)"

if out=$(rmmod aio_attr 2>&1); then
	aa_pass killed.rmmod
else
	aa_fail killed.rmmod "$out"
fi
aa_done
