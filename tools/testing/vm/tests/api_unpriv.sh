#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An unprivileged user (uid 65534, and 65533 as "another user"): opens
# /dev/aio_attr and reads a file it may read; cannot write a file it may
# only read (EBADF), read a file it may only open O_PATH (EBADF), reach a
# root-only block device, use an RT ioprio (EPERM) or change the module's
# parameters.  Its rings are charged to its
# RLIMIT_MEMLOCK (ENOMEM past it, rings add up, the charge comes back once
# a closed context is freed; root with CAP_IPC_LOCK is not charged), and
# max_contexts_per_user (EMFILE), max_inflight_per_user (EAGAIN, overflow
# included) and max_syncs_per_user (EAGAIN) bind it but not the other
# user.  Devices: null_blk with 2 s timer completions, and one with a
# write cache whose flushes take 1 s.  Program: aa_unpriv.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
trap 'aa_configfs_clean /sys/kernel/config/nullb' EXIT
aa_require aa_unpriv

aa_load aio_attr
aa_brd 16
aa_nullb nullb0 64 irqmode=2 completion_nsec=2000000000 memory_backed=0
aa_nullb nullb1 16 irqmode=2 completion_nsec=1000000000 memory_backed=1 cache_size=4
chmod 0666 /dev/nullb0 /dev/nullb1
chmod 0600 /dev/ram0
head -c 65536 /dev/urandom >/tmp/aa_unpriv.dat
chmod 0644 /tmp/aa_unpriv.dat
head -c 4096 /dev/urandom >/tmp/aa_secret.dat
chmod 0600 /tmp/aa_secret.dat
aa_unpriv --file /tmp/aa_unpriv.dat --slow /dev/nullb0 --sync-dev /dev/nullb1 --root-dev /dev/ram0 \
	--secret /tmp/aa_secret.dat || AA_FAILED=1
rm -f /tmp/aa_unpriv.dat /tmp/aa_secret.dat
aa_done
