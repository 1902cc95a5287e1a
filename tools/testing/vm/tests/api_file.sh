#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# aio_attr on a tmpfs file (kiocb path) and FSYNC/FDATASYNC through the
# worker.  Program: aa_file.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require aa_file

aa_load aio_attr
mkdir -p /tmp/aa_file
aa_file --dir /tmp/aa_file || AA_FAILED=1
rm -rf /tmp/aa_file
aa_done
