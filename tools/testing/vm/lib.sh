# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers for guest test scripts (busybox sh).  A test starts with
#   . "$AA_LIB"
# and prints one line per result:
#   AATEST: PASS <id> | AATEST: FAIL <id> <why> | AATEST: SKIP <id> <why>
# A nonzero exit or no AATEST line at all also counts as a failure.

# Busybox sh prefers its own applets over $PATH: route the module tools to
# kmod explicitly.
modprobe() { /sbin/modprobe "$@"; }
rmmod() { /sbin/rmmod "$@"; }
insmod() { /sbin/insmod "$@"; }
lsmod() { /sbin/lsmod "$@"; }
modinfo() { /sbin/modinfo "$@"; }

AA_FAILED=0

# aa_pass ID - report a passed check.
aa_pass() { echo "AATEST: PASS $1"; }

# aa_fail ID WHY... - report a failed check (the script goes on).
aa_fail() {
	id=$1
	shift
	echo "AATEST: FAIL $id $*"
	AA_FAILED=1
}

# aa_skip ID WHY... - report a check that cannot run here.
aa_skip() {
	id=$1
	shift
	echo "AATEST: SKIP $id $*"
}

# aa_check ID CMD... - run CMD; PASS if it succeeds, FAIL with its output if not.
aa_check() {
	id=$1
	shift
	if out=$("$@" 2>&1); then
		aa_pass "$id"
	else
		aa_fail "$id" "'$*' failed: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
}

# aa_load MOD [ARGS...] - modprobe MOD (kmod, by full path); on failure
# report FAIL <MOD>.load and exit the test.
aa_load() {
	mod=$1
	if ! out=$(/sbin/modprobe "$@" 2>&1); then
		aa_fail "$mod.load" "modprobe $*: $out"
		exit 1
	fi
}

# aa_require CMD|FILE... - SKIP the whole test (exit 0) unless every command
# is on PATH and every absolute path exists.
aa_require() {
	for r in "$@"; do
		case $r in
		/*) [ -e "$r" ] && continue ;;
		*) command -v "$r" >/dev/null 2>&1 && continue ;;
		esac
		aa_skip "${AA_TEST:-$(basename "$0" .sh)}" "missing $r"
		exit 0
	done
}

# aa_brd SIZE_MIB - one ramdisk /dev/ram0 of SIZE_MIB.
aa_brd() {
	aa_load brd rd_nr=1 rd_size=$(($1 * 1024)) max_part=0
	[ -b /dev/ram0 ] || { aa_fail brd.create "no /dev/ram0"; exit 1; }
}

# aa_scsi_debug SIZE_MIB - one scsi_debug disk; sets AA_SD to its node
# (/dev/sdX).  sd probes asynchronously: waits up to 10 s for the node.
aa_scsi_debug() {
	aa_load sd_mod
	aa_load scsi_debug dev_size_mb="$1" num_tgts=1 max_luns=1
	AA_SD=
	n=0
	while [ ! -b "$AA_SD" ]; do
		for b in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
			[ -e "$b" ] && AA_SD=/dev/${b##*/}
		done
		n=$((n + 1))
		[ "$n" -gt 100 ] && { aa_fail scsi_debug.create "no sd disk after 10 s"; exit 1; }
		[ -b "$AA_SD" ] || sleep 0.1
	done
}

# aa_configfs_dev KIND DIR NAME SIZE_MIB [ATTR=VALUE...] - make the device
# /dev/NAME under the configfs directory DIR, set its size and attributes
# and power it on; on failure report FAIL KIND.create and exit the test.
aa_configfs_dev() {
	kind=$1 d=$2/$3 name=$3 size=$4
	shift 4
	mkdir "$d" || { aa_fail "$kind.create" "mkdir $d"; exit 1; }
	echo "$size" >"$d/size"
	for kv in "$@"; do
		echo "${kv#*=}" >"$d/${kv%%=*}" ||
			{ aa_fail "$kind.create" "$name: $kv"; exit 1; }
	done
	echo 1 >"$d/power"
	[ -b "/dev/$name" ] || { aa_fail "$kind.create" "no /dev/$name"; exit 1; }
}

# aa_nullb NAME SIZE_MIB [ATTR=VALUE...] - a null_blk device /dev/NAME made
# through configfs (e.g. irqmode=1 memory_backed=1 blocksize=4096).
aa_nullb() {
	aa_load null_blk nr_devices=0
	aa_configfs_dev nullb /sys/kernel/config/nullb "$@"
}

# aa_aiodemo NAME SIZE_MIB [ATTR=VALUE...] - an aiodemo device /dev/NAME
# made through configfs (e.g. completion=hardirq hit_nsec=0 blocksize=4096);
# loads aiodemo with no devices of its own if needed.  Pair it with
#   trap 'aa_configfs_clean /sys/kernel/config/aiodemo' EXIT
aa_aiodemo() {
	grep -q '^aiodemo ' /proc/modules || aa_load aiodemo nr_devices=0
	aa_configfs_dev aiodemo /sys/kernel/config/aiodemo "$@"
}

# aa_iocrypt NAME DEV - an iocrypt mapping /dev/mapper/NAME over all of
# DEV, aes-xts-plain64 with a random key; loads dm-iocrypt if needed.
aa_iocrypt() {
	grep -q '^dm_iocrypt ' /proc/modules || aa_load dm-iocrypt
	key=$(od -An -v -tx1 -N64 /dev/urandom | tr -d ' \n')
	sectors=$(blockdev --getsz "$2") || { aa_fail iocrypt.create "size of $2"; exit 1; }
	echo "0 $sectors iocrypt aes-xts-plain64 $key 0 $2 0" | dmsetup create "$1" ||
		{ aa_fail iocrypt.create "dmsetup create $1 over $2"; exit 1; }
	[ -b "/dev/mapper/$1" ] || dmsetup mknodes "$1"
}

# aa_hist EVENT TRIGGER OUT CMD... - run CMD (stdin /dev/null, its output
# to OUT) with the hist trigger TRIGGER on the trace event directory EVENT
# (/sys/kernel/tracing/events/SYS/NAME); print the event's hist, remove the
# trigger and return CMD's status, or 1 when the trigger cannot be set.
aa_hist() {
	aa_hist_ev=$1 aa_hist_trig=$2 aa_hist_out=$3
	shift 3
	echo "$aa_hist_trig" 2>"$aa_hist_out" >"$aa_hist_ev/trigger" ||
		{ echo "setting $aa_hist_trig failed" >>"$aa_hist_out"; return 1; }
	"$@" </dev/null >>"$aa_hist_out" 2>&1
	aa_hist_rc=$?
	cat "$aa_hist_ev/hist"
	echo "!$aa_hist_trig" >"$aa_hist_ev/trigger"
	return $aa_hist_rc
}

# aa_wait_stat NAME VALUE [TENTHS] - wait (default 10 s) for the counter
# /sys/class/misc/aio_attr/NAME to read VALUE; false if it does not.
aa_wait_stat() {
	n=0
	while [ "$(cat "/sys/class/misc/aio_attr/$1")" != "$2" ]; do
		n=$((n + 1))
		[ "$n" -gt "${3:-100}" ] && return 1
		sleep 0.1
	done
	return 0
}

# aa_unload ID MOD... - rmmod each MOD in order (dependents first): PASS
# ID.rmmod_MOD if it unloads, FAIL with rmmod's message if not.
aa_unload() {
	id=$1
	shift
	for m in "$@"; do
		if out=$(rmmod "$m" 2>&1); then
			aa_pass "$id.rmmod_$m"
		else
			aa_fail "$id.rmmod_$m" "$out"
		fi
	done
}

# aa_configfs_clean DIR - power off and remove every device under the
# configfs directory DIR (null_blk, aiodemo); meant for an EXIT trap so a
# test that stops early still leaves its module unloadable.
aa_configfs_clean() {
	for d in "$1"/*; do
		[ -d "$d" ] || continue
		echo 0 >"$d/power" 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
	return 0
}

# aa_scaled SECS - SECS times the slowdown of the guest kernel
# ($AA_TIME_SCALE: 1 on the Debian kernel, 4 on the debug kernel); use it
# for every time limit a test sets, e.g. aa_stress --timeout "$(aa_scaled 300)".
aa_scaled() { echo $(($1 * ${AA_TIME_SCALE:-1})); }

# aa_stress_len N - the length N (calls, cycles) of a stress or fuzz loop, times
# $AA_STRESS_PCT percent (default 100, at least 1): `make check` runs these
# loops at full length on its first kernel and shorter on the others
# (scripts/check.sh); every assertion still runs on each kernel.
aa_stress_len() {
	_n=$(($1 * ${AA_STRESS_PCT:-100} / 100))
	[ "$_n" -ge 1 ] || _n=1
	echo "$_n"
}

# aa_debug_kernel - true on the debug kernel of `make vmtest-debug` (KASAN,
# lockdep, full preemption; its release ends in the LOCALVERSION of
# tools/testing/vm/debug.config).  Timing and context-switch figures say
# nothing about our code there: skip assertions on them.
aa_debug_kernel() {
	case $(uname -r) in
	*-aadebug) return 0 ;;
	esac
	return 1
}

# aa_done - exit with the status the reported results call for.
aa_done() { exit "$AA_FAILED"; }
