#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# CPU hotplug under load: iocrypt over a disk that completes in hard
# interrupt context (aiodemo completion=hardirq, two hardware queues),
# read by the aioattr engine at QD16 from two jobs, then from one job on
# CPU 0, while CPU 1 goes offline and online again and again.
# Reads completed in hardirq wait on the completing CPU's softirq queue;
# with softirq_budget=4096 a queue almost always has a backlog, so CPU 1
# dies with reads queued on it.  Its tasklet is handed to a live CPU
# (takeover_tasklets) and must drain CPU 1's queue there, and aio_attr
# must post every event wherever that happens.  With the one job, CPU 1
# also receives a share of CPU 0's reads in its queue (an IPI raises its
# tasklet there) whenever CPU 0 is saturated and CPU 1 is up.  Each time:
# - fio's verify (crc32c, every byte of every read) passes;
# - the dm device completed exactly as many reads as the lower device,
#   and aio_attr's submitted and completed counters move together;
# - the reads went through the softirq queue (debugfs dm-iocrypt/softirq);
# - CPU 1 went down and up at least 3 times while the reads ran;
# - the modules unload afterwards (nothing stranded holds them).
# Programs: fio with the aioattr engine.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
CPU1=/sys/devices/system/cpu/cpu1/online
trap 'echo 1 >$CPU1 2>/dev/null; dmsetup remove_all >/dev/null 2>&1; aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require fio /tests/lib/aioattr.so
[ -w $CPU1 ] || { aa_skip hotplug.cpu1 "no $CPU1: the guest has one CPU or no hotplug"; exit 0; }
ENGINE=external:/tests/lib/aioattr.so
S=/sys/class/misc/aio_attr
D=/sys/kernel/debug/dm-iocrypt/softirq

aa_load aio_attr
aa_load dm-iocrypt softirq_budget=4096
aa_aiodemo ahp 64 completion=hardirq hit_nsec=0 miss_nsec=0 hw_queues=2
aa_iocrypt hp /dev/ahp
dmname=$(dmsetup info -c --noheadings -o blkdevname hp | tr -d " ")
# reads DEV - reads completed by block device DEV (sysfs name)
reads() { awk '{ print $1 }' "/sys/block/$1/stat"; }
# sum FIELD - FIELD of the per-CPU lines of $D, all CPUs
sum() { awk -v f="$1" '/^cpu/ { for (i = 2; i < NF; i += 2) if ($i == f) s += $(i + 1) } END { print s + 0 }' $D; }
# reads that went through the softirq queues; sent to another CPU's queue
queued() { sum queued; }
remote() { sum remote; }

# the pattern the reads verify: a crc32c header in every 4k block
aa_check hotplug.fill fio --name=w --filename=/dev/mapper/hp --ioengine=libaio --direct=1 \
	--rw=write --bs=4k --size=32M --iodepth=16 --verify=crc32c --do_verify=0

# reads_cycling NAME FIO_ARGS... - verified 4k random reads at QD16 while CPU 1
# goes down and up, then the checks, each test named hotplug.NAME_*.
reads_cycling() {
	name=$1
	shift
	dr0=$(reads "$dmname") lr0=$(reads ahp) q0=$(queued) r0=$(remote)
	sub0=$(cat $S/submitted) com0=$(cat $S/completed)
	fio --name=r --filename=/dev/mapper/hp --ioengine=$ENGINE --direct=1 --rw=randread \
		--bs=4k --size=32M --iodepth=16 --verify=crc32c --verify_fatal=1 \
		--runtime="$(aa_scaled 120)" "$@" >/tmp/hp.out 2>&1 &
	pid=$!
	# CPU 1 down and up until the reads are over; each write returns
	# when the transition is complete.
	cycles=0 hperr=
	while kill -0 $pid 2>/dev/null; do
		if ! echo 0 >$CPU1 || ! echo 1 >$CPU1; then
			hperr="cycle $cycles failed"
			break
		fi
		cycles=$((cycles + 1))
	done
	echo 1 >$CPU1 2>/dev/null
	if wait $pid; then
		aa_pass "hotplug.${name}_verify"
	else
		aa_fail "hotplug.${name}_verify" "$(grep -i 'err\|verify' /tmp/hp.out | head -n 3 | tr '\n' ' ')"
	fi
	echo "# $name: CPU 1 offline/online cycles: $cycles ${hperr:+($hperr)}"
	if [ -z "$hperr" ] && [ $cycles -ge 3 ]; then
		aa_pass "hotplug.${name}_cycles"
	else
		aa_fail "hotplug.${name}_cycles" "$cycles cycles during the reads ${hperr:+($hperr)}"
	fi
	aa_wait_stat inflight 0 || aa_fail "hotplug.${name}_inflight" "inflight $(cat $S/inflight)"
	dr=$(($(reads "$dmname") - dr0)) lr=$(($(reads ahp) - lr0))
	sub=$(($(cat $S/submitted) - sub0)) com=$(($(cat $S/completed) - com0))
	echo "# $name: reads dm $dr lower $lr; aio_attr submitted $sub completed $com;" \
		"queued $(($(queued) - q0)), to another CPU $(($(remote) - r0))"
	if [ "$dr" -ge 4096 ] && [ "$dr" = "$lr" ] && [ "$sub" = "$com" ] && [ "$sub" -ge "$dr" ]; then
		aa_pass "hotplug.${name}_exactly_once"
	else
		aa_fail "hotplug.${name}_exactly_once" "dm $dr lower $lr submitted $sub completed $com"
	fi
	if [ "$(queued)" -gt "$q0" ]; then
		aa_pass "hotplug.${name}_softirq_queue"
	else
		aa_fail "hotplug.${name}_softirq_queue" "no read went through the softirq queue"
	fi
}
# a job per CPU: reads queue on the CPU that completed them
reads_cycling two_jobs --numjobs=2 --loops=4
# one job on CPU 0: a share of its reads goes to CPU 1's queue
reads_cycling one_job --cpus_allowed=0 --loops=8

dmsetup remove hp
aa_configfs_clean /sys/kernel/config/aiodemo
aa_unload hotplug dm_iocrypt aiodemo aio_attr
aa_done
