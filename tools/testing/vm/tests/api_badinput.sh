#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every refused setup, submit and request gets its documented errno.  The
# in-flight limit is lowered to 16 and exercised on a null_blk whose
# completions take 500 ms (irqmode=2 timer).  Program: aa_badinput.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require aa_badinput

aa_load aio_attr
aa_brd 64
aa_nullb nullb0 64 irqmode=2 completion_nsec=500000000 memory_backed=0
if ! echo 16 >/sys/module/aio_attr/parameters/max_inflight; then
	aa_fail bad.max_inflight_param "cannot set aio_attr max_inflight"
fi
aa_badinput --dev /dev/ram0 --slow /dev/nullb0 --tmp /tmp || AA_FAILED=1
aa_done
