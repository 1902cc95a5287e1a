#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# iocrypt on aiodemo: one aio_attr completion carries aiodemo's CACHE and
# DEVICE_NS, iocrypt's CRYPT_NS and the framework's COMPLETION_CTX.  With
# aiodemo completing in softirq the read is decrypted right there (no hop);
# in hardirq iocrypt decrypts in its softirq on the same CPU: posted from
# softirq with "softirq_hop", no thread "hop".
# aiodemo's fault injection reaches the caller as EIO through iocrypt.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require aioattr

KEY=$(od -An -v -tx1 -N64 /dev/urandom | tr -d ' \n')
OUT=/tmp/attr.out

# setup MODE - aiodemo0 completing in MODE, iocrypt "io" on top
setup() {
	dmsetup remove io 2>/dev/null
	rmmod aiodemo 2>/dev/null
	aa_load aiodemo size=64 completion="$1" cache_blocks=1024 hit_nsec=20000 \
		miss_nsec=200000
	[ -b /dev/aiodemo0 ] || { aa_fail "attr.$1.setup" "no /dev/aiodemo0"; exit 1; }
	printf '0 %s iocrypt aes-xts-plain64 %s 0 /dev/aiodemo0 0\n' $((64 * 2048)) "$KEY" |
		dmsetup create io || { aa_fail "attr.$1.setup" "dmsetup create failed"; exit 1; }
}

# attr NAME - value column of attribute NAME in $OUT ("" if not HANDLED)
attr() { awk -v n="$1" '$1 == n && $2 == "HANDLED" { $1 = ""; $2 = ""; sub(/^ +/, ""); print }' "$OUT"; }

# expect ID WANT-REGEX NAME - attribute NAME matches WANT-REGEX
expect() {
	v=$(attr "$3")
	if echo "$v" | grep -qE "$2"; then
		aa_pass "$1"
	else
		aa_fail "$1" "$3 is '$v', want /$2/: $(tr '\n' '|' <"$OUT")"
	fi
}

aa_load aio_attr
aa_load dm-iocrypt

for mode in softirq hardirq; do
	setup "$mode"
	if aioattr io write /dev/mapper/io 1m 64k --pattern 0x5a >"$OUT" 2>&1; then
		expect "attr.$mode.write_crypt_ns" '^[1-9]' crypt_ns
		expect "attr.$mode.write_device_ns" '^[1-9]' device_ns
	else
		aa_fail "attr.$mode.write" "$(cat "$OUT")"
	fi
	echo 1 >/sys/block/aiodemo0/aiodemo/cache_drop
	for pass in miss hit; do
		if ! aioattr io read /dev/mapper/io 2m 4k >"$OUT" 2>&1; then
			aa_fail "attr.$mode.read_$pass" "$(cat "$OUT")"
			continue
		fi
		echo "$mode $pass: $(grep -E 'cache|device_ns|crypt_ns|completion_ctx' "$OUT" |
			awk '{ print $1 "=" $3 $4 $5 }' | tr '\n' ' ')"
		expect "attr.$mode.read_$pass.cache" "^$pass" cache
		expect "attr.$mode.read_$pass.device_ns" '^[1-9]' device_ns
		expect "attr.$mode.read_$pass.crypt_ns" '^[1-9]' crypt_ns
	done
	if [ "$mode" = softirq ]; then
		expect "attr.softirq.ctx_no_hop" '^softirq$' completion_ctx
	else
		expect "attr.hardirq.ctx_softirq_hop" '^softirq[|]softirq_hop$' completion_ctx
	fi

	# aiodemo's fault injection: EIO through iocrypt, read and write
	echo "4096 8" >/sys/block/aiodemo0/aiodemo/fail_range
	if aioattr io read /dev/mapper/io 2m 4k >"$OUT" 2>&1; then
		aa_fail "attr.$mode.eio_read" "read succeeded: $(head -n 1 "$OUT")"
	elif grep -q 'error -5' "$OUT"; then
		aa_pass "attr.$mode.eio_read"
	else
		aa_fail "attr.$mode.eio_read" "$(head -n 1 "$OUT")"
	fi
	if aioattr io write /dev/mapper/io 2m 4k >"$OUT" 2>&1; then
		aa_fail "attr.$mode.eio_write" "write succeeded: $(head -n 1 "$OUT")"
	elif grep -q 'error -5' "$OUT"; then
		aa_pass "attr.$mode.eio_write"
	else
		aa_fail "attr.$mode.eio_write" "$(head -n 1 "$OUT")"
	fi
	echo off >/sys/block/aiodemo0/aiodemo/fail_range
	echo "iocrypt $mode: $(dmsetup status io)"
done
dmsetup remove io
aa_done
