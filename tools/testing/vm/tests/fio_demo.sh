#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The `make demo` run (tools/aio_attr/demo.sh): fio with the aioattr engine
# on dm-iocrypt over an aiodemo disk with a cache model, zipf reads and
# some writes for 8 s (aa.demo_seconds=N on the kernel command line changes
# it).  Prints the engine's report, then the attr_log, gzip'd and base64'd
# between AADEMO-LOG-BEGIN / AADEMO-LOG-END, for the host to draw.  Runs
# only when it is the one test of the boot (aa.tests=fio_demo): in a full
# test run it is skipped, as it tests nothing the others do not.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"
aa_require fio /tests/lib/aioattr.so iocryptsetup

secs=8
alone=0
read -r cmdline </proc/cmdline
for w in $cmdline; do
	case $w in
	aa.demo_seconds=*) secs=${w#*=} ;;
	aa.tests=fio_demo) alone=1 ;;
	esac
done
if [ $alone = 0 ]; then
	aa_skip fio.demo "runs only alone (make demo)"
	exit 0
fi

aa_load aio_attr
aa_load aiodemo nr_devices=0
aa_load dm-iocrypt
d=/sys/kernel/config/aiodemo/demo0
mkdir $d
echo 256 >$d/size
echo 4096 >$d/blocksize
echo softirq >$d/completion
echo 8192 >$d/cache_blocks
echo 2000 >$d/hit_nsec
echo 40000 >$d/miss_nsec
echo 1 >$d/power || { aa_fail fio.demo.setup "aiodemo power on"; exit 1; }
# As the README says: the mapping comes from iocryptsetup, the key on its stdin.
head -c 64 /dev/urandom | iocryptsetup create demo /dev/demo0 --key-file - ||
	{ aa_fail fio.demo.setup "iocryptsetup create"; exit 1; }
[ -b /dev/mapper/demo ] || dmsetup mknodes

cd /tmp || exit 1
if out=$(fio --name=demo --filename=/dev/mapper/demo --ioengine=external:/tests/lib/aioattr.so \
	--direct=1 --rw=randrw --rwmixread=80 --bs=8k --random_distribution=zipf:1.2 \
	--iodepth=8 --time_based --runtime="$secs" --attrs=all \
	--attr_log=/tmp/demo.attr.log 2>&1); then
	aa_pass fio.demo
else
	aa_fail fio.demo "$(echo "$out" | grep -i 'err\|fio:' | head -n 3 | tr '\n' ' ')"
fi
echo "$out" | sed -n '/^aioattr report/,/percentiles/p'
echo "aiodemo: $(cat /sys/block/demo0/aiodemo/stats)"
echo "AADEMO-LOG-BEGIN"
gzip -c /tmp/demo.attr.log | base64
echo "AADEMO-LOG-END"
iocryptsetup remove demo
echo 0 >$d/power
rmdir $d
aa_done
