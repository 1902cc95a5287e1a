#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# aio_attr on null_blk completing in softirq (irqmode=1): nullb0 stores data
# (memory_backed=1), nullb1 does not.  No deferral hop either way; QD 64
# into a 17-entry ring on the softirq path.  Programs: aa_blk, aa_stress.
. "$AA_LIB"
aa_require aa_blk aa_stress

aa_load aio_attr
aa_nullb nullb0 64 irqmode=1 memory_backed=1 blocksize=512
aa_nullb nullb1 64 irqmode=1 memory_backed=0 blocksize=512
aa_blk --dev /dev/nullb0 --label nullb_mem --data --no-hop \
	--unsupported cache,device_ns,crypt_ns || AA_FAILED=1
aa_blk --dev /dev/nullb1 --label nullb --no-hop --unsupported cache,device_ns,crypt_ns ||
	AA_FAILED=1
aa_stress --dev /dev/nullb1 --label nullb --count 20000 --qd 64 --ring 2048 --timeout 300 ||
	AA_FAILED=1
aa_done
