#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# FSYNC that never returns (a flush to a suspended dm device, as a FUSE
# server that does not answer would): the per-user cap refuses more, other
# users' syncs and context teardown go on, and everything completes once
# the device is resumed.  Program: aa_syncstall.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require aa_syncstall

aa_load aio_attr
aa_brd 64
if ! dmsetup create aa_stall --table "0 131072 linear /dev/ram0 0"; then
	aa_fail syncstall.setup "dmsetup create"
	aa_done
fi
echo 4 >/sys/module/aio_attr/parameters/max_syncs_per_user
dmsetup suspend aa_stall
aa_syncstall --dev /dev/mapper/aa_stall --resume "dmsetup resume aa_stall" || AA_FAILED=1
# whatever happened above, leave the device usable and gone
dmsetup resume aa_stall 2>/dev/null
dmsetup remove aa_stall
echo 16 >/sys/module/aio_attr/parameters/max_syncs_per_user
aa_done
