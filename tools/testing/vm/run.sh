#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run guest tests in qemu (TCG) on the Debian kernel matching the headers.
#   run.sh [TEST...]        default: every tools/testing/vm/tests/*.sh
# Environment: GUEST_BIN_DIR (C++ guest programs, default build/user/guest),
# AA_TEST_TIMEOUT (per test, s, default 600), VM_TIMEOUT (whole boot, s),
# VM_MEM (default 1G), VM_KEEP_LOG.  The console log is build/vm/console.log.
set -euo pipefail
VM=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/harness-lib.sh
. "$VM/../../../scripts/harness-lib.sh"

KV=$(aa_kver)
OUT=$AA_BUILD/vm
LOG=$OUT/console.log
GUEST_BIN_DIR=${GUEST_BIN_DIR:-$AA_BUILD/user/guest}
AA_TEST_TIMEOUT=${AA_TEST_TIMEOUT:-600}
VM_MEM=${VM_MEM:-1G}

# Kernel messages in the dmesg dump that fail the run.
BAD_KERNEL_RE='WARNING:|BUG:|Oops|general protection|lockdep|possible recursive locking'
BAD_KERNEL_RE+='|circular locking|KASAN|kmemleak|Objects remaining|UBSAN|Kernel panic'
BAD_KERNEL_RE+='|blocked for more than|rcu.*detected stall|list_(add|del) corruption|refcount_t:'

# select_tests [NAME...] - print the test names to run.
select_tests() {
	if (($# > 0)); then
		printf '%s\n' "$@"
	else
		find "$VM/tests" -maxdepth 1 -name '*.sh' -printf '%f\n' | sed 's/\.sh$//' | sort
	fi
}

# our_modules - the .ko files the kbuild of this tree produced.
our_modules() {
	find "$AA_PROJ/fs" "$AA_PROJ/drivers" -name '*.ko' 2>/dev/null || true
}

# boot LIST - boot the guest running the comma-separated tests in LIST;
# stream result lines as they arrive.  Returns qemu's (or timeout's) status.
boot() {
	local list=$1 n=$2 kimg=$3 hard qpid rc=0
	hard=${VM_TIMEOUT:-$((120 + n * (AA_TEST_TIMEOUT + 30)))}
	: >"$LOG"
	aa_step "vm: booting $KV (tests: ${list//,/ }; hard timeout ${hard}s)"
	aa_qemu_start "$hard" "$kimg" "$OUT/initrd.img" "$LOG" "$OUT/qemu.out" \
		"aa.tests=$list aa.timeout=$AA_TEST_TIMEOUT"
	qpid=$AA_QEMU_PID
	# shellcheck disable=SC2064 # qpid is fixed now
	trap "kill $qpid 2>/dev/null || true" EXIT INT TERM
	# Progress: result lines as the guest prints them.
	tail -n +1 -F --pid="$qpid" "$LOG" 2>/dev/null |
		grep --line-buffered -oE 'AATEST(-BEGIN)?: .*' | tr -d '\r' | sed -u 's/^/  /' &
	wait "$qpid" || rc=$?
	wait || true
	return "$rc"
}

# judge QEMU_RC TEST... - count results in the console log; print
# "passed failed skipped" as the last line.
judge() {
	local qrc=$1 name passed failed skipped
	shift
	local clean=$OUT/console.clean.log
	tr -d '\r' <"$LOG" >"$clean"
	passed=$(grep -cE 'AATEST: PASS ' "$clean" || true)
	failed=$(grep -cE 'AATEST: FAIL ' "$clean" || true)
	skipped=$(grep -cE 'AATEST: SKIP ' "$clean" || true)
	# A test that printed no result line, or never ran, is a failure.
	for name in "$@"; do
		if ! grep -q "AATEST-BEGIN: $name\$" "$clean"; then
			echo "  FAIL $name: did not run (guest died before it)" >&2
			failed=$((failed + 1))
		elif ! awk -v b="AATEST-BEGIN: $name" -v e="AATEST-END: $name" \
			'$0 == b { on = 1 } on && /AATEST: / { n++ } $0 == e { on = 0 } END { exit !n }' \
			"$clean"; then
			echo "  FAIL $name: printed no AATEST line" >&2
			failed=$((failed + 1))
		fi
	done
	# Kernel trouble in the dmesg dump.
	sed -n '/^AATEST-DMESG-BEGIN/,/^AATEST-DMESG-END/p' "$clean" >"$OUT/dmesg.log"
	if grep -E "$BAD_KERNEL_RE" "$OUT/dmesg.log" >"$OUT/kernel-bad.log"; then
		echo "  FAIL kernel log: $(wc -l <"$OUT/kernel-bad.log") bad lines:" >&2
		sed 's/^/    /' "$OUT/kernel-bad.log" | head -n 40 >&2
		failed=$((failed + 1))
	fi
	if ! grep -q '^AATEST-DONE' "$clean"; then
		echo "  FAIL guest did not finish (crash or timeout, qemu status $qrc); console tail:" >&2
		tail -n 40 "$clean" | sed 's/^/    /' >&2
		failed=$((failed + 1))
	fi
	echo "$passed $failed $skipped"
}

main() {
	local kimg fio tests list qrc=0 counts
	mkdir -p "$OUT"
	mapfile -t tests < <(select_tests "$@")
	((${#tests[@]} > 0)) || aa_die "no tests to run"
	list=$(IFS=,; echo "${tests[*]}")
	kimg=$("$VM/fetch-kernel.sh")
	fio=$("$VM/build-fio.sh")
	mapfile -t kos < <(our_modules)
	aa_step "vm: initramfs (${#kos[@]} modules of ours, guest programs from $GUEST_BIN_DIR)"
	"$VM/mkinitramfs.sh" "$kimg" "$OUT/initrd.img" "$fio" "$GUEST_BIN_DIR" "${kos[@]}"
	boot "$list" "${#tests[@]}" "$kimg" || qrc=$?
	aa_step "vm: guest finished (qemu status $qrc); log in $LOG"
	counts=$(judge "$qrc" "${tests[@]}")
	local passed failed skipped
	read -r passed failed skipped <<<"$counts"
	aa_result vmtest "$passed" "$failed" "$skipped"
	((failed == 0))
}

main "$@"
