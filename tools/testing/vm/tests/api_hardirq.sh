#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A driver completing from hard interrupt context: null_blk with timer
# completions (irqmode=2, an hrtimer in hardirq).  The bio's end_io posts
# straight into the ring from there: data is right, every completion says
# hardirq with no deferral hop, and QD 64 into a 17-entry ring overflows
# from hardirq without losing anything.  Programs: aa_blk, aa_stress.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require aa_blk aa_stress

aa_load aio_attr
aa_nullb nullb0 64 irqmode=2 completion_nsec=20000 memory_backed=1 blocksize=512
aa_blk --dev /dev/nullb0 --label hardirq --data --no-hop --ctx hardirq \
	--unsupported cache,device_ns,crypt_ns || AA_FAILED=1
aa_stress --dev /dev/nullb0 --label hardirq --count 20000 --qd 64 --ring 2048 --timeout 300 ||
	AA_FAILED=1
aa_done
