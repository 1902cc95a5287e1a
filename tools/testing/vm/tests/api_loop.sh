#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# loop with direct I/O as the lower device: aio_attr reads through
# /dev/loopN bound (LOOP_CONFIGURE, LO_FLAGS_DIRECT_IO) to an aiodemo disk
# get aiodemo's CACHE and DEVICE_NS attributes HANDLED, 4 KiB and 1 MiB.
# lo_rw_aio() builds the backing bio over &table[idx] of the request's bvec
# table; the 1 MiB read is split by loop and its second part starts in the
# middle of the table - with only that part cached in aiodemo, CACHE is
# PARTIAL only if it was found (the cache holds 32 MiB of 512-byte
# blocks, so nothing the test touches is evicted).  Program: aa_core.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require aa_core

aa_load aio_attr
aa_load loop
aa_aiodemo adlp 64 completion=hardirq cache_blocks=65536 write_policy=around \
	hit_nsec=10000 miss_nsec=50000 hw_queues=2
aa_core --loop-backing /dev/adlp || AA_FAILED=1
aa_done
