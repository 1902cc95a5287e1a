#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# iocrypt over a disk that completes in hard interrupt context (aiodemo
# completion=hardirq, 0 ns service time, two hardware queues): reads are
# decrypted in iocrypt's softirq on the completing CPU.
# 1. budget: with softirq_budget=65536, a burst of 1 MiB reads (QD16,
#    verify=crc32c, so every byte is checked) goes through the softirq
#    queue; passes had to yield (a 1 MiB bio is cut between passes), no
#    pass ran the cipher on more than the budget (debugfs
#    dm-iocrypt/softirq counts each pass from the bios themselves), and
#    every bio completed exactly once: the dm device completed as many
#    reads as the lower device, and fio got every one back.
# 2. context: 4k random reads at QD1 through the aioattr engine post from
#    softirq (>= 99%) without a thread hop (<= 1%); aio_attr's submitted
#    and completed counters move together, nothing stays in flight.
#    With one QD16 job pinned to CPU 0, verified reads: CPU 0 saturates,
#    and a share of its reads is decrypted in CPU 1's softirq (debugfs
#    "remote" grows) with no more than 5% through a thread; every read
#    completes once.
# 3. close() racing completions: aa_race close cycles through iocrypt on
#    the hardirq disk with the smallest budget (4096), so
#    completions are queued and cut while contexts die.
# 4. teardown while busy: `dmsetup remove --force` with 1 MiB reads queued
#    while fio holds it (the iocrypt table is replaced by an error table
#    under the I/O), then rmmod dm_iocrypt right away; a reload works.
# Programs: fio with the aioattr engine, aa_race.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'dmesg | grep -v "^\[ *[0-9.]*\] *$" | tail -n 60; dmsetup remove_all >/dev/null 2>&1; aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require fio /tests/lib/aioattr.so aa_race
ENGINE=external:/tests/lib/aioattr.so
S=/sys/class/misc/aio_attr
D=/sys/kernel/debug/dm-iocrypt/softirq
BUDGET=65536
# (bounded's diagnostics go to the console, not to a caller's $(...))
exec 3>&2

aa_load aio_attr
aa_load dm-iocrypt softirq_budget=$BUDGET
aa_aiodemo ahi 64 completion=hardirq hit_nsec=0 miss_nsec=0 hw_queues=2
aa_iocrypt hic /dev/ahi
[ -r $D ] || { aa_fail softirq.debugfs "no $D"; exit 1; }

# bounded SECS CMD... - CMD, killed after SECS (scaled); on a timeout the
# queue counters and the blocked tasks go to the console.
bounded() {
	secs=$(aa_scaled "$1")
	shift
	"$@" &
	bpid=$!
	n=0
	while kill -0 $bpid 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt $((secs * 10)) ]; then
			{
				echo "# still running after ${secs}s: $*"
				cat $D
				dmsetup status
				echo "# aio_attr inflight $(cat $S/inflight)"
				echo w >/proc/sysrq-trigger
				dmesg | tail -n 150
			} >&3
			kill -9 $bpid
			return 124
		fi
		sleep 0.1
	done
	wait $bpid
}
# sum FIELD - FIELD of the per-CPU lines of $D, summed; maxf FIELD - the largest.
sum() { awk -v f="$1" '/^cpu/ { for (i = 2; i < NF; i += 2) if ($i == f) s += $(i + 1) } END { print s + 0 }' $D; }
maxf() { awk -v f="$1" '/^cpu/ { for (i = 2; i < NF; i += 2) if ($i == f && $(i + 1) > m) m = $(i + 1) } END { print m + 0 }' $D; }
# reads DEV - reads completed by block device DEV (sysfs name)
reads() { awk '{ print $1 }' "/sys/block/$1/stat"; }
dmname=$(dmsetup info -c --noheadings -o blkdevname hic | tr -d " ")
# field N of the iocrypt INFO status
st() { dmsetup status hic | awk -v n="$1" '{ print $n }'; }

# 1. budget, data, exactly once
dr0=$(reads "$dmname") lr0=$(reads ahi)
if out=$(bounded 120 fio --name=b --filename=/dev/mapper/hic --ioengine=libaio \
	--direct=1 --rw=write --bs=1M --size=48M --iodepth=16 \
	--verify=crc32c --do_verify=1 --verify_fatal=1 2>&1); then
	aa_pass softirq.burst_verify
else
	aa_fail softirq.burst_verify "$(echo "$out" | grep -i 'err\|verify' | head -n 3 | tr '\n' ' ')"
fi
dr1=$(reads "$dmname") lr1=$(reads ahi)
cat $D
echo "# status: $(dmsetup status hic)"
echo "# reads dm $((dr1 - dr0)) lower $((lr1 - lr0))"
if [ $((dr1 - dr0)) -ge 48 ] && [ $((dr1 - dr0)) = $((lr1 - lr0)) ]; then
	aa_pass softirq.exactly_once
else
	aa_fail softirq.exactly_once "dm reads $((dr1 - dr0)) lower $((lr1 - lr0))"
fi
q=$(sum queued) y=$(sum yields) over=$(sum over_budget) mx=$(maxf max_pass)
soft=$(st 11)
if [ "$q" -gt 0 ] && [ "$soft" -gt 0 ]; then
	aa_pass softirq.used
else
	aa_fail softirq.used "queued $q, reads_softirq $soft"
fi
if [ "$y" -gt 0 ] && [ "$over" = 0 ] && [ "$mx" -gt 0 ] && [ "$mx" -le $BUDGET ]; then
	aa_pass softirq.budget
else
	aa_fail softirq.budget "yields $y, passes over budget $over, largest pass $mx (budget $BUDGET)"
fi

# 2. where 4k reads post from, QD1
sub0=$(cat $S/submitted) com0=$(cat $S/completed)
if fio --name=c --filename=/dev/mapper/hic --ioengine=$ENGINE --attrs=completion_ctx \
	--attr_json=/tmp/ctx.json --direct=1 --rw=randread --bs=4k --size=48M --iodepth=1 \
	--number_ios=2000 >/tmp/ctx.out 2>&1; then
	# the job's totals; the per-direction objects repeat them
	ctx=$(grep -o '"completion_ctx": {[^}]*}' /tmp/ctx.json | head -n 1)
	echo "# $ctx"
	n=$(echo "$ctx" | grep -o '"handled": [0-9]*' | sed 's/.*: //')
	soft=$(echo "$ctx" | grep -o '"softirq": [0-9]*' | sed 's/.*: //')
	hop=$(echo "$ctx" | grep -o '"hop": [0-9]*' | sed 's/.*: //')
	if [ "${n:-0}" -gt 0 ] && [ $((soft * 100)) -ge $((n * 99)) ] && [ $((hop * 100)) -le "$n" ]; then
		aa_pass softirq.ctx_qd1
	else
		aa_fail softirq.ctx_qd1 "softirq $soft, hop $hop of $n"
	fi
else
	aa_fail softirq.ctx_qd1 "fio: $(tail -n 3 /tmp/ctx.out | tr '\n' ' ')"
fi
aa_wait_stat inflight 0 || aa_fail softirq.ctx_inflight "inflight $(cat $S/inflight)"
sub1=$(cat $S/submitted) com1=$(cat $S/completed)
if [ $((sub1 - sub0)) -ge 2000 ] && [ $((sub1 - sub0)) = $((com1 - com0)) ]; then
	aa_pass softirq.ctx_exactly_once
else
	aa_fail softirq.ctx_exactly_once "submitted $((sub1 - sub0)) completed $((com1 - com0))"
fi

# 2b. spreading: one job pinned to CPU 0, QD16, writes data with checksums
# and reads it back; CPU 0 saturates while CPU 1 idles, so a share of the
# reads goes to CPU 1's softirq queue (an IPI raises its tasklet there)
if [ "$(grep -c '^processor' /proc/cpuinfo)" -ge 2 ]; then
	r0=$(sum remote) dr0=$(reads "$dmname") lr0=$(reads ahi) so0=$(st 11) de0=$(st 5)
	if out=$(bounded 180 fio --name=s --filename=/dev/mapper/hic --ioengine=libaio \
		--direct=1 --rw=write --bs=4k --size=32M --iodepth=16 --cpus_allowed=0 \
		--verify=crc32c --do_verify=1 --verify_fatal=1 2>&1); then
		aa_pass softirq.spread_verify
	else
		aa_fail softirq.spread_verify "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
	r1=$(sum remote) dr1=$(reads "$dmname") lr1=$(reads ahi) so1=$(st 11) de1=$(st 5)
	echo "# remote $((r1 - r0)), softirq $((so1 - so0)), deferred $((de1 - de0)) of $((dr1 - dr0)) reads"
	# a thread hop only for a pass over budget (none with 4 KiB reads) or
	# while the sampler's idlest CPU was the busy one
	if [ $((r1 - r0)) -gt 0 ] && [ $(((de1 - de0) * 20)) -le $((so1 - so0)) ]; then
		aa_pass softirq.spread_remote
	else
		aa_fail softirq.spread_remote "remote $((r1 - r0)), softirq $((so1 - so0)), deferred $((de1 - de0))"
	fi
	if [ $((dr1 - dr0)) -ge 8192 ] && [ $((dr1 - dr0)) = $((lr1 - lr0)) ]; then
		aa_pass softirq.spread_exactly_once
	else
		aa_fail softirq.spread_exactly_once "dm reads $((dr1 - dr0)) lower $((lr1 - lr0))"
	fi
else
	aa_skip softirq.spread "the guest has one CPU: nowhere to spread to"
fi

# 3. close() racing completions queued for softirq, passes cut at 4 KiB
echo 4096 >/sys/module/dm_iocrypt/parameters/softirq_budget
q0=$(sum queued)
aa_race close --dev /dev/mapper/hic --cycles 1000 --qd 24 \
	--time $((40 * ${AA_TIME_SCALE:-1})) || AA_FAILED=1
if [ "$(sum queued)" -gt "$q0" ]; then
	aa_pass softirq.close_race_queued
else
	aa_fail softirq.close_race_queued "no read went through the softirq queue"
fi

# 4. teardown with reads queued: the table goes, then the module
fio --name=t --filename=/dev/mapper/hic --ioengine=libaio --direct=1 --rw=randread \
	--bs=1M --size=48M --iodepth=16 --time_based --runtime=$((30 * ${AA_TIME_SCALE:-1})) \
	>/tmp/t.out 2>&1 &
pid=$!
q0=$(sum queued)
n=0
while [ "$(sum queued)" -le $((q0 + 64)) ] && [ $n -lt 300 ]; do
	sleep 0.1
	n=$((n + 1))
done
# --force swaps in an error table (suspending the iocrypt one, which waits
# for its queued reads, then destroying it); the device goes at once or,
# while fio still holds it open, once fio has gone.
dmsetup remove --force hic >/tmp/rm.out 2>&1
if [ ! -e /sys/block/"$dmname" ] || dmsetup table hic 2>/dev/null | grep -q ' error'; then
	aa_pass softirq.remove_busy
else
	aa_fail softirq.remove_busy "table $(dmsetup table hic 2>&1): $(cat /tmp/rm.out)"
fi
wait $pid
echo "# fio after the forced remove (errors expected): $(grep -m1 -o 'err=[^:]*' /tmp/t.out)"
# Gone in the end either way (one result line both ways, so that the
# count of results does not depend on the timing).
if [ -e /sys/block/"$dmname" ]; then
	aa_check softirq.remove dmsetup remove hic
elif dmsetup info hic >/dev/null 2>&1; then
	aa_fail softirq.remove "hic is still a dm device without its disk: $(dmsetup info hic 2>&1)"
else
	aa_pass softirq.remove
fi
aa_wait_stat inflight 0 || aa_fail softirq.remove_inflight "inflight $(cat $S/inflight)"
aa_unload softirq dm_iocrypt
aa_load dm-iocrypt
aa_iocrypt hic2 /dev/ahi
aa_check softirq.reload dd if=/dev/mapper/hic2 of=/dev/null bs=1M count=4 iflag=direct
dmsetup remove hic2
aa_configfs_clean /sys/kernel/config/aiodemo
aa_unload softirq dm_iocrypt aiodemo aio_attr
aa_done
