#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# aiodemo configuration: bad module parameters refuse the load with a clear
# message; configfs and sysfs writes are checked one by one and a refused
# write leaves the device usable; data round trips, never-written blocks
# read as zeroes and pages are allocated on first write; a device can be
# removed with I/O in flight; mkfs and mount work on it.
# shellcheck source=tools/testing/vm/lib.sh
. "$AA_LIB"

# Remove every configfs device, even when the test stops early, so that
# aiodemo can be unloaded.
trap 'aa_configfs_clean /sys/kernel/config/aiodemo' EXIT

CFS=/sys/kernel/config/aiodemo

# bad_param ID EXPECTED_MSG PARAMS... - modprobe must fail and log the message.
bad_param() {
	id=$1 msg=$2
	shift 2
	if /sbin/modprobe aiodemo "$@" >/dev/null 2>&1; then
		aa_fail "aiodemo.param.$id" "modprobe aiodemo $* succeeded"
		/sbin/rmmod aiodemo
	elif dmesg | tail -n 5 | grep -q "aiodemo: $msg"; then
		aa_pass "aiodemo.param.$id"
	else
		aa_fail "aiodemo.param.$id" "no '$msg' in: $(dmesg | tail -n 2 | tr '\n' ' ')"
	fi
}

bad_param blocksize "blocksize: 1000 is not 512 or 4096" blocksize=1000
bad_param size_zero "size: 0 is out of range" size=0
bad_param completion "completion: 'timer' is not inline, softirq or hardirq" completion=timer
bad_param queue_depth "queue_depth: 5000 is out of range" queue_depth=5000
bad_param hit_above_miss "hit_nsec 5000 is above miss_nsec 1000" hit_nsec=5000 miss_nsec=1000
bad_param nr_devices "nr_devices: 65 is above 64" nr_devices=65
bad_param policy "write_policy: 'back' is not through or around" write_policy=back

# Good parameters: aiodemo0 with 16 MiB.
aa_load aiodemo nr_devices=1 size=16 blocksize=4096 completion=hardirq miss_nsec=10000
S=/sys/block/aiodemo0/aiodemo
if [ "$(cat /sys/block/aiodemo0/size)" = 32768 ] &&
	[ "$(cat /sys/block/aiodemo0/queue/logical_block_size)" = 4096 ] &&
	grep -q "completion=hardirq" $S/config; then
	aa_pass aiodemo.param.applied
else
	aa_fail aiodemo.param.applied "size $(cat /sys/block/aiodemo0/size), config $(cat $S/config)"
fi

# Data: zeroes before any write, pages allocated on first write only.
dd if=/dev/zero of=/tmp/zero bs=4096 count=16 2>/dev/null
dd if=/dev/aiodemo0 of=/tmp/read bs=4096 count=16 iflag=direct 2>/dev/null
if cmp -s /tmp/zero /tmp/read && [ "$(cat $S/pages)" = 0 ]; then
	aa_pass aiodemo.data.zero_fill
else
	aa_fail aiodemo.data.zero_fill "not zeroes or pages $(cat $S/pages) != 0"
fi
dd if=/dev/urandom of=/tmp/pat bs=4096 count=8 2>/dev/null
dd if=/tmp/pat of=/dev/aiodemo0 bs=4096 seek=100 oflag=direct conv=fsync 2>/dev/null
dd if=/dev/aiodemo0 of=/tmp/back bs=4096 skip=100 count=8 iflag=direct 2>/dev/null
if cmp -s /tmp/pat /tmp/back && [ "$(cat $S/pages)" = 8 ]; then
	aa_pass aiodemo.data.round_trip
else
	aa_fail aiodemo.data.round_trip "data differs or pages $(cat $S/pages) != 8"
fi

# configfs: every bad write refused with EINVAL, value unchanged.
mkdir $CFS/cfg0 || { aa_fail aiodemo.configfs.mkdir "mkdir"; aa_done; }
bad=""
for kv in size=0 size=2000000 size=abc blocksize=1000 hw_queues=0 hw_queues=1000 \
	queue_depth=0 completion=timer completion=3 cache_blocks=2000000 \
	hit_nsec=2000000000 miss_nsec=-1 write_policy=back; do
	f=${kv%%=*}
	old=$(cat "$CFS/cfg0/$f")
	if echo "${kv#*=}" >"$CFS/cfg0/$f" 2>/dev/null; then
		bad="$bad $kv(accepted)"
	elif [ "$(cat "$CFS/cfg0/$f")" != "$old" ]; then
		bad="$bad $kv(changed)"
	fi
done
if [ -z "$bad" ] && dmesg | tail -n 1 | grep -q "aiodemo: write_policy: 'back' is not through or around"; then
	aa_pass aiodemo.configfs.bad_writes
else
	aa_fail aiodemo.configfs.bad_writes "$bad"
fi
if mkdir $CFS/aiodemo0 2>/dev/null; then
	aa_fail aiodemo.configfs.name_taken "mkdir aiodemo0 succeeded"
	rmdir $CFS/aiodemo0
else
	aa_pass aiodemo.configfs.name_taken
fi

# A bad combination refuses power on; fixing it powers on.
echo 8 >$CFS/cfg0/size
echo 50000 >$CFS/cfg0/hit_nsec
echo 1000 >$CFS/cfg0/miss_nsec
if echo 1 >$CFS/cfg0/power 2>/dev/null || [ -b /dev/cfg0 ]; then
	aa_fail aiodemo.configfs.power_check "powered on with hit_nsec > miss_nsec"
elif [ "$(cat $CFS/cfg0/power)" = 0 ] && echo 100000 >$CFS/cfg0/miss_nsec &&
	echo 1 >$CFS/cfg0/power && [ -b /dev/cfg0 ]; then
	aa_pass aiodemo.configfs.power_check
else
	aa_fail aiodemo.configfs.power_check "could not power on after fixing miss_nsec"
fi
if echo 16 >$CFS/cfg0/size 2>/dev/null; then
	aa_fail aiodemo.configfs.busy "size changed while powered"
else
	aa_pass aiodemo.configfs.busy
fi

# sysfs fault rules: bad writes refused, rules unchanged, device usable.
S=/sys/block/cfg0/aiodemo
bad=""
for kv in "fail_range=1 2 3" "fail_range=16384 1" "fail_range=0 0" "fail_range=x" \
	"fail_every=-1" "delay_range=0 8" "delay_range=0 8 0" \
	"delay_range=0 8 2000000000" "cache_drop=2"; do
	f=${kv%%=*}
	if echo "${kv#*=}" >"$S/$f" 2>/dev/null; then
		bad="$bad '$kv'"
	fi
done
if [ -z "$bad" ] && [ "$(cat $S/fail_range)" = off ] && [ "$(cat $S/delay_range)" = off ] &&
	[ "$(cat $S/fail_every)" = 0 ]; then
	aa_pass aiodemo.sysfs.bad_writes
else
	aa_fail aiodemo.sysfs.bad_writes "accepted:$bad"
fi
echo "8 8" >$S/fail_range
if dd if=/dev/cfg0 of=/dev/null bs=4096 skip=1 count=1 iflag=direct 2>/dev/null; then
	aa_fail aiodemo.sysfs.fail_range "read of a failing sector succeeded"
elif dd if=/dev/cfg0 of=/dev/null bs=4096 skip=2 count=1 iflag=direct 2>/dev/null; then
	echo off >$S/fail_range
	if dd if=/dev/cfg0 of=/dev/null bs=4096 skip=1 count=1 iflag=direct 2>/dev/null; then
		aa_pass aiodemo.sysfs.fail_range
	else
		aa_fail aiodemo.sysfs.fail_range "still failing after off"
	fi
else
	aa_fail aiodemo.sysfs.fail_range "read outside the range failed"
fi
echo off >$S/fail_range

# Removal with I/O in flight: slow reads at QD 1, rmdir underneath.
mkdir $CFS/gone
echo 8 >$CFS/gone/size
echo 2000000 >$CFS/gone/miss_nsec
echo softirq >$CFS/gone/completion
echo 1 >$CFS/gone/power
dd if=/dev/gone of=/dev/null bs=4096 count=2048 iflag=direct 2>/dev/null &
ddpid=$!
sleep 1
echo 0 >$CFS/gone/power
rmdir $CFS/gone
wait $ddpid
if [ ! -e /sys/block/gone ] && [ -b /dev/cfg0 ] &&
	dd if=/dev/cfg0 of=/dev/null bs=4096 count=4 iflag=direct 2>/dev/null; then
	aa_pass aiodemo.remove_in_flight
else
	aa_fail aiodemo.remove_in_flight "gone still present or cfg0 unusable"
fi

# mkfs and mount (ext2 through the ext4 driver) when the guest has it.
/sbin/modprobe ext4 >/dev/null 2>&1
if ! grep -q ext2 /proc/filesystems; then
	aa_skip aiodemo.mkfs_mount "no ext2/ext4 in the guest"
elif mke2fs -q -b 4096 /dev/aiodemo0 >/dev/null 2>&1 && mkdir -p /mnt/ad &&
	mount -t ext2 /dev/aiodemo0 /mnt/ad && cp /tmp/pat /mnt/ad/pat && umount /mnt/ad &&
	mount -t ext2 /dev/aiodemo0 /mnt/ad && cmp -s /tmp/pat /mnt/ad/pat; then
	umount /mnt/ad
	aa_pass aiodemo.mkfs_mount
else
	umount /mnt/ad 2>/dev/null
	aa_fail aiodemo.mkfs_mount "mke2fs/mount/cmp failed"
fi

echo 0 >$CFS/cfg0/power
rmdir $CFS/cfg0
aa_done
