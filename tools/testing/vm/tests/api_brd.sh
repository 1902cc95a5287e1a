#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# aio_attr on brd: data, attributes (no hop; CACHE/DEVICE_NS/CRYPT_NS
# unsupported), wait/poll/eventfd, then 100k random 4k I/Os at QD 64 into a
# 17-entry ring (overflow path).  Programs: aa_blk, aa_stress.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require aa_blk aa_stress

aa_load aio_attr
aa_brd 64
aa_blk --dev /dev/ram0 --label brd --data --no-hop --ctx task --unsupported cache,device_ns,crypt_ns ||
	AA_FAILED=1
aa_stress --dev /dev/ram0 --label brd --count 100000 --qd 64 --ring 2048 --timeout 400 ||
	AA_FAILED=1
aa_done
