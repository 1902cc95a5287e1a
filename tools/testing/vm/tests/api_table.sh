#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The request table in the real kernel: requests are recycled, not
# allocated per I/O.  fio's aioattr engine does thousands of reads through
# one context on brd and on an aiodemo disk that completes in hardirq; the
# slots allocated meanwhile (/sys/class/misc/aio_attr/slots_total) grow
# with the queue depth, never with the number of I/Os, and are given back
# when the context goes (slots).  Ids: table.<case>.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio /tests/lib/aioattr.so

S=/sys/class/misc/aio_attr
trap 'aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_load aio_attr
aa_brd 64
aa_aiodemo tbl0 64 completion=hardirq hit_nsec=0 miss_nsec=0 blocksize=4096

# run DEV QD IOS - fio reads IOS x 4k at depth QD through one context; sets
# $slots and $ios to the slots allocated and the reads completed meanwhile,
# or $err, and fails.
run() {
	s0=$(cat $S/slots_total) c0=$(cat $S/completed)
	if ! fio --name=t --filename="$1" --ioengine=external:/tests/lib/aioattr.so \
		--direct=1 --rw=randread --bs=4k --iodepth="$2" --number_ios="$3" \
		--size=64m --norandommap --randrepeat=0 --attrs=all \
		--output=/tmp/table.fio >/dev/null 2>&1 </dev/null; then
		err="fio failed: $(grep -i 'err' /tmp/table.fio | head -n 2 | tr '\n' ' ')"
		return 1
	fi
	slots=$(($(cat $S/slots_total) - s0)) ios=$(($(cat $S/completed) - c0))
}

for dev in ram0 tbl0; do
	# depth 1: the table made at setup, one chunk; it is the unit below
	run /dev/$dev 1 3000 || { aa_fail "table.$dev.qd1" "$err"; continue; }
	chunk=$slots
	if [ "$ios" -ge 3000 ] && [ "$chunk" -gt 0 ] && [ "$chunk" -le 64 ]; then
		aa_pass "table.$dev.qd1"
	else
		aa_fail "table.$dev.qd1" "3000 reads: $ios completed, $chunk slots allocated"
	fi
	# depth 32: grows to the depth (in chunks), then recycles
	run /dev/$dev 32 12000 || { aa_fail "table.$dev.qd32" "$err"; continue; }
	most=$(((32 + chunk - 1) / chunk * chunk + chunk))
	if [ "$ios" -ge 12000 ] && [ "$slots" -le "$most" ]; then
		aa_pass "table.$dev.qd32"
	else
		aa_fail "table.$dev.qd32" "12000 reads at QD32: $ios completed," \
			"$slots slots allocated (at most $most: chunks of $chunk)"
	fi
done

# the contexts are gone: so are their slots
if aa_wait_stat contexts 0 && aa_wait_stat slots 0; then
	aa_pass table.freed
else
	aa_fail table.freed "contexts $(cat $S/contexts), slots $(cat $S/slots)"
fi
aa_configfs_clean /sys/kernel/config/aiodemo
aa_unload table aiodemo brd aio_attr
aa_done
