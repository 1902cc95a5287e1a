#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The ioctl fuzzer: 100k random PROBE/SETUP/SUBMIT/WAIT, mmap, poll and
# close calls, mostly valid requests with one defect in about a third, over
# brd, aiodemo completing in hardirq with 0 ns service time, iocrypt over
# that aiodemo and a tmpfs file.  Every refusal must carry its documented
# errno and every accepted request must complete exactly once with the
# expected result; the harness fails the run on any kernel warning.  The
# seed is printed; aa_fuzz --seed N --threads 1 replays a run.  100k calls
# take ~40 s on an idle host; the bound is 120 s for a loaded one.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'dmsetup remove_all >/dev/null 2>&1; aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_require aa_fuzz

aa_load aio_attr
aa_brd 64
aa_aiodemo adfz 64 completion=hardirq hit_nsec=0 miss_nsec=0 cache_blocks=256 hw_queues=2
aa_iocrypt iofz /dev/adfz
aa_fuzz --bdev /dev/ram0:brd --bdev /dev/adfz:aiodemo_hardirq --bdev /dev/mapper/iofz:iocrypt \
	--file /tmp/aa_fuzz.dat:tmpfs --calls "$(aa_stress_len 100000)" --time $((120 * ${AA_TIME_SCALE:-1})) ||
	AA_FAILED=1
rm -f /tmp/aa_fuzz.dat
aa_done
