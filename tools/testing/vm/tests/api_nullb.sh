#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# aio_attr on null_blk completing in softirq (irqmode=1): nullb0 stores data
# (memory_backed=1), nullb1 does not.  Every completion reports softirq and
# no deferral hop; QD 64 into a 17-entry ring on the softirq path.
# poll_queues=0: with null_blk's default poll queue the device has two hw
# queues, and blk_mq_complete_request() then completes a same-CPU request
# right in the submitter (task context) instead of raising BLOCK_SOFTIRQ.
# Programs: aa_blk, aa_stress.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require aa_blk aa_stress

aa_load aio_attr
aa_nullb nullb0 64 irqmode=1 memory_backed=1 blocksize=512 poll_queues=0
aa_nullb nullb1 64 irqmode=1 memory_backed=0 blocksize=512 poll_queues=0
aa_blk --dev /dev/nullb0 --label nullb_mem --data --no-hop --ctx softirq \
	--unsupported cache,device_ns,crypt_ns || AA_FAILED=1
aa_blk --dev /dev/nullb1 --label nullb --no-hop --ctx softirq --unsupported cache,device_ns,crypt_ns ||
	AA_FAILED=1
aa_stress --dev /dev/nullb1 --label nullb --count 20000 --qd 64 --ring 2048 --timeout 300 ||
	AA_FAILED=1
aa_done
