#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# iocrypt's cipher: the fastest implementation (under -cpu max the SIMD
# wrapper xts-aes-aesni on 6.1, xts-aes-aesni-avx on 6.12), shown in the
# INFO status; and the slow paths of an asynchronous transform, forced
# with force_cryptd=1 (the cipher inside cryptd: every request completes
# in cryptd's callback, which carries the bio on), with cryptd's per-CPU
# queue full (the rest of the bio goes to the workqueue, which waits with
# a backlog), and over a blk-mq disk with one tag (the callback must
# not submit: the encrypted write waits for the tag in the workqueue).
# fio verify must pass, data must match dm-crypt's, and the counters must
# show that the paths ran.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio aa_fifo

aa_brd 128
aa_load dm-crypt
aa_load dm-iocrypt

KEY=$(od -An -v -tx1 -N64 /dev/urandom | tr -d ' \n')
SECTORS=$((96 * 2048))

mkdev() { # NAME TARGET OPTS
	printf '0 %s %s aes-xts-plain64 %s 0 /dev/ram0 0%s\n' "$SECTORS" "$2" "$KEY" "$3" |
		dmsetup create "$1"
}
field() { dmsetup status "$1" | awk -v f="$2" '{ print $f }'; }
# fio_why OUTPUT - fio's complaints, on one line
fio_why() { echo "$1" | grep -iE 'verify|err' | head -n 3 | tr '\n' ' '; }

# 1. The default cipher is the fastest one the crypto API has for xts(aes).
if mkdev io iocrypt ""; then
	drv=$(field io 10)
	best=$(awk '/^name/ { n = $3 } /^driver/ { d = $3 } /^priority/ {
		if (n == "xts(aes)" && $3 > p) { p = $3; b = d } } END { print b }' /proc/crypto)
	echo "iocrypt cipher: $drv (highest priority xts(aes): $best)"
	if [ "$drv" = "$best" ]; then
		aa_pass async.fastest_cipher
	else
		aa_fail async.fastest_cipher "iocrypt uses $drv, the best xts(aes) is $best"
	fi
	if grep -qw aes /proc/cpuinfo; then
		# 6.1 has one AES-NI xts(aes), xts-aes-aesni; 6.12 adds AVX and
		# VAES versions of it, preferred where the CPU has them (under
		# qemu -cpu max: xts-aes-aesni-avx).
		case $drv in
		xts-aes-aesni | xts-aes-aesni-avx | xts-aes-vaes-*) aa_pass async.aesni ;;
		*) aa_fail async.aesni "AES-NI CPU but cipher $drv" ;;
		esac
	else
		aa_skip async.aesni "no AES-NI in this CPU"
	fi
	dmsetup remove io
else
	aa_fail async.fastest_cipher "dmsetup create failed"
fi

# 2. Every request asynchronous (cryptd), reads and writes, fio verify.
echo 1 >/sys/module/dm_iocrypt/parameters/force_cryptd
mkdev io iocrypt "" || aa_fail async.create "dmsetup create (force_cryptd) failed"
echo 0 >/sys/module/dm_iocrypt/parameters/force_cryptd
drv=$(field io 10)
echo "forced: $drv"
case $drv in
cryptd\(*) aa_pass async.cryptd_cipher ;;
*) aa_fail async.cryptd_cipher "cipher $drv" ;;
esac
# (8 MiB, about 250 writes: verify reads run among them every 64 writes
# and over all of them at the end)
for qd in 1 16; do
	if out=$(fio --name=v --filename=/dev/mapper/io --ioengine=libaio --direct=1 \
		--rw=randwrite --bsrange=4k-64k --iodepth=$qd --size=64M --io_size=8M \
		--verify=crc32c --verify_fatal=1 --verify_backlog=64 --do_verify=1 \
		--norandommap --randrepeat=0 2>&1); then
		aa_pass async.verify_qd$qd
	else
		aa_fail async.verify_qd$qd "$(fio_why "$out")"
	fi
done
# sequential reads, many at once
fio --name=s --filename=/dev/mapper/io --ioengine=libaio --direct=1 --rw=read \
	--bs=128k --iodepth=16 --size=16M >/dev/null 2>&1 || aa_fail async.seqread "fio failed"
st=$(dmsetup status io)
echo "iocrypt (cryptd): $st"
# shellcheck disable=SC2086
set -- $st
# 4 reads_inline 5 reads_deferred 6 writes 7 bounce_waits 8 errors 9 crypto_async
if [ "$9" -gt 0 ] && [ "$8" = 0 ]; then
	aa_pass async.counted
else
	aa_fail async.counted "crypto_async $9, errors $8"
fi

# cryptd queues at most cryptd_max_cpu_qlen (1000, fixed at load) requests
# per CPU and runs them from a per-CPU kworker.  A SCHED_FIFO reader on
# CPU 0 with 2048 reads in one io_submit() keeps that kworker off the CPU
# until it waits, so the queue fills and the rest of the reads go to the
# workqueue (brd completes a read in the submitter: only a full queue
# defers it).  The data was written with its offsets in it: fio checks
# every read.
before=$(field io 5)
fio --name=p --filename=/dev/mapper/io --ioengine=libaio --direct=1 --rw=write \
	--bs=4k --iodepth=16 --size=8M --verify=pattern --verify_pattern=%o \
	--do_verify=0 >/dev/null 2>&1 || aa_fail async.queue_full_deferred "fio write failed"
if out=$(aa_fifo 0 fio --name=f --filename=/dev/mapper/io --ioengine=libaio \
	--direct=1 --rw=read --bs=4k --size=8M --iodepth=2048 \
	--iodepth_batch_submit=2048 --iodepth_batch_complete_min=2048 \
	--verify=pattern --verify_pattern=%o --verify_fatal=1 2>&1); then
	deferred=$(($(field io 5) - before))
	echo "queue full: $deferred reads deferred"
	if [ "$deferred" -gt 0 ]; then
		aa_pass async.queue_full_deferred
	else
		aa_fail async.queue_full_deferred "no read deferred with cryptd's queue full"
	fi
else
	aa_fail async.queue_full_deferred "$(fio_why "$out")"
fi

# 3. What the asynchronous path wrote, dm-crypt reads, and the reverse.
head -c $((2 << 20)) /dev/urandom >/tmp/a
head -c $((2 << 20)) /dev/urandom >/tmp/b
dd if=/tmp/a of=/dev/mapper/io bs=256k oflag=direct 2>/dev/null
dmsetup remove io
mkdev cr crypt ""
if dd if=/dev/mapper/cr bs=256k count=8 iflag=direct 2>/dev/null | cmp -s - /tmp/a; then
	aa_pass async.crypt_reads_cryptd_writes
else
	aa_fail async.crypt_reads_cryptd_writes "data differ"
fi
dd if=/tmp/b of=/dev/mapper/cr bs=256k oflag=direct 2>/dev/null
dmsetup remove cr
echo 1 >/sys/module/dm_iocrypt/parameters/force_cryptd
mkdev io iocrypt ""
echo 0 >/sys/module/dm_iocrypt/parameters/force_cryptd
if dd if=/dev/mapper/io bs=256k count=8 iflag=direct 2>/dev/null | cmp -s - /tmp/b; then
	aa_pass async.cryptd_reads_crypt_writes
else
	aa_fail async.cryptd_reads_crypt_writes "data differ"
fi
dmsetup remove io

# 4. cryptd over a blk-mq disk with a single tag, 32 writes at a time:
# every write is finished in cryptd's callback (bottom halves off) and its
# encrypted bio then waits for the tag.  Submitted from the callback that
# is "BUG: scheduling while atomic" (the harness fails the run on it);
# iocrypt submits it from its workqueue.
aa_load aiodemo size=64 queue_depth=1 completion=softirq hit_nsec=20000 miss_nsec=20000
[ -b /dev/aiodemo0 ] || { aa_fail async.one_tag "no /dev/aiodemo0"; aa_done; }
echo 1 >/sys/module/dm_iocrypt/parameters/force_cryptd
printf '0 %s iocrypt aes-xts-plain64 %s 0 /dev/aiodemo0 0\n' $((64 * 2048)) "$KEY" |
	dmsetup create tag
echo 0 >/sys/module/dm_iocrypt/parameters/force_cryptd
ios0=$(cat /sys/block/aiodemo0/aiodemo/ios)
if out=$(fio --name=t --filename=/dev/mapper/tag --ioengine=libaio --direct=1 \
	--rw=randwrite --bsrange=4k-32k --iodepth=32 --size=64M --io_size=8M \
	--verify=crc32c --verify_fatal=1 --do_verify=1 --norandommap \
	--randrepeat=0 2>&1); then
	aa_pass async.one_tag_verify
else
	aa_fail async.one_tag_verify "$(fio_why "$out")"
fi
st=$(dmsetup status tag)
ios=$(($(cat /sys/block/aiodemo0/aiodemo/ios) - ios0))
echo "iocrypt (cryptd, one tag): $st, aiodemo ios $ios"
# shellcheck disable=SC2086
set -- $st
if [ "$6" -gt 0 ] && [ "$9" -gt 0 ] && [ "$8" = 0 ]; then
	aa_pass async.one_tag_counted
else
	aa_fail async.one_tag_counted "writes $6, crypto_async $9, errors $8"
fi
dmsetup remove tag
aa_done
