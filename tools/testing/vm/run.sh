#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run guest tests in qemu (TCG) on the Debian kernel matching the headers
# of the series KVER (6.1: Debian 12's, 6.12: Debian 13's).
#   run.sh [TEST...]          default: every tools/testing/vm/tests/*.sh;
#                             layer vmtest/$KVER, outputs in build/vm/$KVER/
#   run.sh --debug [TEST...]  the same tests on the 6.1 debug kernel
#                             (debug-kernel.sh: KASAN, KFENCE, lockdep, ...)
#                             with our modules built against it; layer
#                             vmtest-debug, outputs in build/vm-debug/
# Environment: GUEST_BIN_DIR (C++ guest programs, default build/user/guest),
# AA_TEST_TIMEOUT (per test, s, default 600, times AA_TIME_SCALE),
# AA_TIME_SCALE (slowdown factor passed to the guest; 1, or 4 for --debug),
# AA_GUEST_ENV (A=1,B=2: AA_* variables for the guest tests, such as
# AA_WORKER_CYCLES=100000 for api_worker),
# VM_TIMEOUT (whole boot, s), VM_MEM (default 1G, 2G for --debug), VM_KEEP_LOG.
# The console log is build/vm/$KVER/console.log, the seconds each test took
# build/vm/$KVER/times.txt.
set -euo pipefail
VM=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/harness-lib.sh
. "$VM/../../../scripts/harness-lib.sh"

DEBUG=0
if [[ ${1:-} == --debug ]]; then
	DEBUG=1
	shift
fi
LAYER=vmtest/$AA_KVER
OUT=$AA_BUILD/vm/$AA_KVER
AA_TIME_SCALE=${AA_TIME_SCALE:-1}
# Extra kernel command line: the debug kernel reports every KASAN error, not
# only the first, and keeps a whole run of messages for the dmesg dump.
APPEND=
if ((DEBUG)); then
	[[ $AA_KVER == 6.1 ]] || aa_die "--debug: the debug kernel is 6.1 only (KVER=$AA_KVER)"
	LAYER=vmtest-debug
	OUT=$AA_BUILD/vm-debug
	# The whole suite took 1.5 times as long as on the Debian kernel;
	# single steps may be slower than that, so leave room.
	[[ ${AA_TIME_SCALE} == 1 ]] && AA_TIME_SCALE=4
	APPEND='kasan_multi_shot log_buf_len=8M'
	# KASAN's shadow (1/8 of memory) and quarantine need room too.
	VM_MEM=${VM_MEM:-2G}
else
	KV=$(aa_kver)
fi
if [[ -n ${AA_GUEST_ENV:-} ]]; then
	[[ $AA_GUEST_ENV =~ ^(AA_[A-Z0-9_]+=[^,[:space:]]*)(,AA_[A-Z0-9_]+=[^,[:space:]]*)*$ ]] ||
		aa_die "AA_GUEST_ENV: expected AA_NAME=VALUE,... without spaces, got '$AA_GUEST_ENV'"
	APPEND+=" aa.env=$AA_GUEST_ENV"
fi
LOG=$OUT/console.log
GUEST_BIN_DIR=${GUEST_BIN_DIR:-$AA_BUILD/user/guest}
AA_TEST_TIMEOUT=${AA_TEST_TIMEOUT:-$((600 * AA_TIME_SCALE))}
VM_MEM=${VM_MEM:-1G}

# select_tests [NAME...] - print the test names to run.
select_tests() {
	if (($# > 0)); then
		printf '%s\n' "$@"
	else
		find "$VM/tests" -maxdepth 1 -name '*.sh' -printf '%f\n' | sed 's/\.sh$//' | sort
	fi
}

# debug_modules KDIR - build our modules against the debug kernel's tree
# KDIR, from a copy of the sources in $OUT/src so that the objects of
# `make modules` (Debian headers) stay as they are; warnings are errors.
debug_modules() {
	local kdir=$1 src=$OUT/src f
	mkdir -p "$src"
	# sources DIR - the kbuild input files under DIR (NUL-separated).
	sources() {
		(cd "$1" && find Kbuild include fs drivers -type f \( -name '*.[ch]' -o \
			-name Kbuild -o -name Makefile -o -name Kconfig \) -print0 2>/dev/null)
	}
	# Copy them keeping their times (kbuild rebuilds what changed); drop
	# the ones the tree no longer has.
	sources "$AA_PROJ" | (cd "$AA_PROJ" && cpio --null -pdmu --quiet "$src")
	while IFS= read -r -d '' f; do
		[[ -e $AA_PROJ/$f ]] || rm -f "${src:?}/$f"
	done < <(sources "$src")
	"$AA_PROJ/scripts/kbuild.sh" build-debug make -j"$(nproc)" -C "$kdir" M="$src" \
		W=1 AIO_ATTR_WERROR=y CONFIG_AIO_ATTR=m CONFIG_AIO_ATTR_DEMO=m \
		CONFIG_DM_IOCRYPT=m modules >&2
}

# watch_silence PID SECS - stop qemu PID once the console log has not grown
# for SECS seconds: the guest bounds every test and prints when it ends, so
# that long a silence is a wedged kernel, not a slow test.
watch_silence() {
	local pid=$1 limit=$2 size last=-1 quiet=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 10
		size=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
		if [[ $size != "$last" ]]; then
			last=$size quiet=0
			continue
		fi
		quiet=$((quiet + 10))
		if ((quiet >= limit)); then
			aa_step "vm: no console output for ${quiet}s, the guest is wedged; stopping it"
			kill "$pid" 2>/dev/null
			return
		fi
	done
}

# boot LIST - boot the guest running the comma-separated tests in LIST;
# stream result lines as they arrive.  Returns qemu's (or timeout's) status.
boot() {
	local list=$1 n=$2 kimg=$3 hard qpid rc=0
	hard=${VM_TIMEOUT:-$((120 + n * (AA_TEST_TIMEOUT + 30)))}
	: >"$LOG"
	aa_step "vm: booting $KV (tests: ${list//,/ }; hard timeout ${hard}s)"
	aa_qemu_start "$hard" "$kimg" "$OUT/initrd.img" "$LOG" "$OUT/qemu.out" \
		"aa.tests=$list aa.timeout=$AA_TEST_TIMEOUT aa.timescale=$AA_TIME_SCALE $APPEND"
	qpid=$AA_QEMU_PID
	# shellcheck disable=SC2064 # qpid is fixed now
	trap "kill $qpid 2>/dev/null || true" EXIT INT TERM
	# Progress: result lines as the guest prints them.
	tail -n +1 -F --pid="$qpid" "$LOG" 2>/dev/null |
		grep --line-buffered -oE 'AATEST(-BEGIN)?: .*' | sed -u 's/\r//; s/^/  /' &
	watch_silence "$qpid" $((AA_TEST_TIMEOUT + 180)) &
	wait "$qpid" || rc=$?
	kill $! 2>/dev/null || true
	wait || true
	return "$rc"
}

# fail_note MSG... - say why the run failed, beyond a test's own FAIL line
# (on stderr, and in the run's list of failures).
fail_note() {
	echo "  FAIL $*" >&2
	echo "$*" >>"$OUT/failures.txt"
}

# judge QEMU_RC WALL TEST... - count results in the console log; print
# "passed failed skipped" as the last line.  WALL is the real time the
# guest ran, in seconds.  Every failure gets a line in $OUT/failures.txt.
judge() {
	local qrc=$1 wall=$2 name passed failed skipped uptime
	shift 2
	local clean=$OUT/console.clean.log
	tr -d '\r' <"$LOG" >"$clean"
	passed=$(grep -cE 'AATEST: PASS ' "$clean" || true)
	failed=$(grep -cE 'AATEST: FAIL ' "$clean" || true)
	grep -oE 'AATEST: FAIL .*' "$clean" | cut -c 14- >"$OUT/failures.txt" || true
	skipped=$(grep -cE 'AATEST: SKIP ' "$clean" || true)
	# A test that printed no result line, or never ran, is a failure.
	for name in "$@"; do
		if ! grep -q "AATEST-BEGIN: $name\$" "$clean"; then
			fail_note "$name: did not run (guest died before it)"
			failed=$((failed + 1))
		elif ! awk -v b="AATEST-BEGIN: $name" -v e="AATEST-END: $name" \
			'$0 == b { on = 1 } on && /AATEST: / { n++ } $0 == e { on = 0 } END { exit !n }' \
			"$clean"; then
			fail_note "$name: printed no AATEST line"
			failed=$((failed + 1))
		fi
	done
	# Seconds per test, slowest first.
	awk '$1 == "AATEST-TIME:" { print $3, $2 }' "$clean" | sort -rn >"$OUT/times.txt"
	# Kernel trouble in the dmesg dump.
	sed -n '/^AATEST-DMESG-BEGIN/,/^AATEST-DMESG-END/p' "$clean" >"$OUT/dmesg.log"
	if aa_kernel_reports "$OUT/dmesg.log" "$OUT/kernel-bad.log"; then
		fail_note "kernel log: $(wc -l <"$OUT/kernel-bad.log") bad lines, the first:" \
			"$(head -n 1 "$OUT/kernel-bad.log")"
		# head first: a writer cut off by head dies of SIGPIPE, which
		# pipefail and set -e would turn into the end of this script
		head -n 40 "$OUT/kernel-bad.log" | sed 's/^/    /' >&2
		failed=$((failed + 1))
	fi
	# Lockdep switches itself off after its first report (or when it runs
	# out of table space): a quiet log is only worth something if it was
	# still on at the end.
	if ((DEBUG)) && ! grep -qx 'AATEST-LOCKDEP: debug_locks 1' "$clean"; then
		fail_note "lockdep was not active at the end of the run:" \
			"$(grep -m1 '^AATEST-LOCKDEP' "$clean" || echo 'no /proc/lockdep_stats')"
		failed=$((failed + 1))
	fi
	# Every time limit and latency figure in the tests reads the guest's
	# clock.  Under TCG the guest TSC is the host's, made monotonic by
	# qemu; with both vCPU threads busy on a loaded host it has been seen
	# running several times faster than real time (6.12, clocksource=tsc),
	# which makes timeouts expire early and latencies look huge: say so,
	# rather than leave those failures unexplained.
	uptime=$(awk '$1 == "AATEST-UPTIME:" { print $2 }' "$clean")
	if [[ -n $uptime ]] && ((uptime > 2 * wall + 60)); then
		fail_note "guest clock: ${uptime}s of guest uptime in ${wall}s of real time;" \
			"time limits and latencies of this run are not valid (host too busy?)"
		failed=$((failed + 1))
	fi
	if ! grep -q '^AATEST-DONE' "$clean"; then
		fail_note "guest did not finish (crash or timeout, qemu status $qrc); console tail:"
		tail -n 40 "$clean" | sed 's/^/    /' >&2
		failed=$((failed + 1))
	fi
	echo "$passed $failed $skipped"
}

main() {
	local kimg fio tests list qrc=0 counts t0
	mkdir -p "$OUT"
	mapfile -t tests < <(select_tests "$@")
	((${#tests[@]} > 0)) || aa_die "no tests to run"
	list=$(IFS=,; echo "${tests[*]}")
	if ((DEBUG)); then
		local kdir
		kimg=$("$VM/debug-kernel.sh")
		kdir=$("$VM/debug-kernel.sh" --kdir)
		KV=$(cat "$kdir/include/config/kernel.release")
		export KV
		if ! debug_modules "$kdir"; then
			aa_result "$LAYER" 0 1
			exit 1
		fi
		mapfile -t kos < <(aa_our_modules "$OUT/src")
	else
		kimg=$("$VM/fetch-kernel.sh")
		mapfile -t kos < <(aa_our_modules "$(aa_kbuild_tree)")
		aa_check_vermagic "${kos[@]}"
	fi
	fio=$("$VM/build-fio.sh")
	aa_step "vm: initramfs (${#kos[@]} modules of ours, guest programs from $GUEST_BIN_DIR)"
	"$VM/mkinitramfs.sh" "$kimg" "$OUT/initrd.img" "$fio" "$GUEST_BIN_DIR" "${kos[@]}"
	t0=$SECONDS
	boot "$list" "${#tests[@]}" "$kimg" || qrc=$?
	# A guest that died before its first test began ran none of our code
	# (the tests load the modules): the emulator or the kernel's early boot
	# failed (seen about once in six 6.12 boots under multi-threaded TCG,
	# an int3 trap in sched_clock_cpu() while the kernel patched its own
	# text).  Boot once more; the first console is kept.
	if ! grep -q 'AATEST-BEGIN: ' "$LOG"; then
		cp "$LOG" "$OUT/console.boot1.log"
		aa_step "vm: the guest died before its first test (qemu status $qrc);" \
			"console in $OUT/console.boot1.log, last lines:"
		tr -d '\r' <"$LOG" | tail -n 15 | sed 's/^/    /' >&2
		aa_step "vm: booting once more"
		qrc=0 t0=$SECONDS
		boot "$list" "${#tests[@]}" "$kimg" || qrc=$?
	fi
	aa_step "vm: guest finished (qemu status $qrc, $((SECONDS - t0))s); log in $LOG"
	counts=$(judge "$qrc" $((SECONDS - t0)) "${tests[@]}")
	local passed failed skipped
	read -r passed failed skipped <<<"$counts"
	aa_result "$LAYER" "$passed" "$failed" "$skipped"
	aa_failures "$LAYER" "$OUT/failures.txt"
	((failed == 0))
}

main "$@"
