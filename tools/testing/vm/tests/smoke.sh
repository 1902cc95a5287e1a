#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Smoke: aio_attr loads, /dev/aio_attr is a char device, and it unloads.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"

aa_load aio_attr
aa_pass smoke.load
if [ -c /dev/aio_attr ]; then
	aa_pass smoke.chardev
else
	aa_fail smoke.chardev "/dev/aio_attr missing or not a char device"
fi
if out=$(rmmod aio_attr 2>&1); then
	aa_pass smoke.unload
else
	aa_fail smoke.unload "$out"
fi
aa_done
