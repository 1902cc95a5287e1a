#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: boot the test guest once and run the benchmark matrix of
# tools/testing/bench/guest.sh in it, on the Debian kernel of KVER (6.1 or
# 6.12); take the results off the console and write, into build/bench/ for
# 6.1, build/bench/6.12/ for 6.12 (BENCH_OUT=DIR):
#   results.json   every repetition of every cell, medians, ratios, targets
#   results.md     the ratio table with each target met / not met
#   results.png    a chart (gnuplot)
#   console.log    the guest console
#   host.stat      this machine's /proc/stat cpu line at the start and end
#                  of every fio run (steal: the hypervisor under us)
#   insn.marks     with BENCH_INSN=1: the guest's instruction and
#                  translation block counts at the start and end of every
#                  fio run's I/O phase
#   jit.log        with BENCH_JIT=1: qemu's code buffer every 10 s
#                  (qemu-jit.py), summed up at the end
# Expects the modules and the fio engine (build/user/guest/aioattr.so) to
# be built; the Makefile's bench target sees to it.
#
# Knobs (environment): BENCH_RUNTIME (s per fio run, default 2),
# BENCH_REPS (repetitions of the fast-path cells of issue 10, default 5),
# BENCH_REPS_REST (of the other cells, default 3, at most BENCH_REPS),
# BENCH_SET (all; fastpath: only the cells of issue 10; hardirq: only the
# disks that complete in hard interrupt context, issue 11; buffered: only
# the buffered file reads and fio's posixaio engine of issue 13, each
# BENCH_REPS times), BENCH_ONLY
# (extended regex over the cell lines "target engine workload attrs", e.g.
# 'iocrypt|crypt'), BENCH_KCOUNT (1: slab allocations and RCU callbacks per
# I/O with perf after the matrix; default 1), BENCH_PERF (1: perf profiles
# of a few cells after the matrix; default 0, see
# Documentation/aio_attr/performance.rst), VM_MEM (1G),
# BENCH_SCHED (aiodemo's I/O scheduler: none (default) or mq-deadline),
# BENCH_INSN (1: count the guest's instructions per I/O, user and kernel,
# with a qemu plugin (insn-plugin.c); the guest runs slower under it, so
# its IOPS are not comparable with a run without; 2: also a profile of the
# kernel's instructions by function, over all the cells run (pick one with
# BENCH_ONLY), in profiles/insn-kernel.txt; 3: also the guest's memory
# accesses per I/O and the misses of a model of qemu's software TLB in
# front of them, much slower; default 0),
# BENCH_JIT (1: sample qemu's translated code and its flushes over QMP
# every 10 s; default 0), BENCH_TIMEOUT (whole boot, s; default from the
# cell count).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VM=$HERE/../vm
# shellcheck source=scripts/harness-lib.sh
. "$HERE/../../../scripts/harness-lib.sh"

KV=$(aa_kver)
# 6.1's results stay where performance.rst and earlier runs have them.
OUT=$AA_BUILD/bench
[[ $AA_KVER == 6.1 ]] || OUT+=/$AA_KVER
OUT=${BENCH_OUT:-$OUT}
LOG=$OUT/console.log
GUEST_BIN_DIR=${GUEST_BIN_DIR:-$AA_BUILD/user/guest}
RUNTIME=${BENCH_RUNTIME:-2}
REPS=${BENCH_REPS:-5}
REPS_REST=${BENCH_REPS_REST:-3}
((REPS_REST <= REPS)) || REPS_REST=$REPS
SET=${BENCH_SET:-all}
[[ $SET == all || $SET == fastpath || $SET == hardirq || $SET == buffered ]] ||
	aa_die "BENCH_SET=$SET: all, fastpath, hardirq or buffered"
KCOUNT=${BENCH_KCOUNT:-1}
# (the kernel command line splits at blanks: they match any character)
ONLY=${BENCH_ONLY:-}
ONLY=${ONLY// /.}
PERF=${BENCH_PERF:-0}
INSN=${BENCH_INSN:-0}
[[ $INSN == 0 || $INSN == 1 || $INSN == 2 || $INSN == 3 ]] || aa_die "BENCH_INSN=$INSN: 0, 1, 2 or 3"
SCHED=${BENCH_SCHED:-none}
JIT=${BENCH_JIT:-0}
[[ $JIT == 0 || $JIT == 1 ]] || aa_die "BENCH_JIT=$JIT: 0 or 1"
VM_MEM=${VM_MEM:-1G}
PY=/usr/bin/python3
# The hardirq set's second disk: virtio-blk with two queues (an interrupt
# each) over qemu's null-co driver, which stores nothing and reads zeroes.
VIRTIO_DISK=()
[[ $SET != all && $SET != hardirq ]] ||
	VIRTIO_DISK=(-blockdev "driver=null-co,node-name=d0,size=1073741824,read-zeroes=on"
		-device "virtio-blk-pci,drive=d0,num-queues=2")

[[ -f $GUEST_BIN_DIR/aioattr.so ]] ||
	aa_die "no fio engine $GUEST_BIN_DIR/aioattr.so: run 'make fio-engine' (make bench does)"
[[ $SET == fastpath || $SET == hardirq || -f $GUEST_BIN_DIR/libaioattr-posix.so ]] ||
	aa_die "no $GUEST_BIN_DIR/libaioattr-posix.so for the posixaio cells: run 'make user'"
for t in gnuplot "$PY" qemu-system-x86_64 cryptsetup; do
	command -v "$t" >/dev/null || aa_die "missing $t: run 'make deps'"
done

# copy_elf ROOT FILE [DEST] - FILE and its shared libraries into ROOT.
copy_elf() {
	local root=$1 file=$2 dest=${3:-$2} lib
	install -D -m 0755 "$file" "$root$dest"
	while read -r lib; do
		[[ -e $root$lib ]] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done < <(ldd "$file" 2>/dev/null | grep -oE '/[^ ]+' || true)
}

# extra_cpio KIMG OUT - an uncompressed cpio with the bench script, its
# profile helper, cryptsetup, perf, the AF_ALG modules and dm-zero.  It goes in
# front of the harness's lz4 initramfs: the kernel unpacks both, in order
# (as with an early microcode archive), so the harness's own initramfs and
# scripts stay as they are and the bench is no part of `make check`.
extra_cpio() {
	local kimg=$1 out=$2 root ko f
	root=$(mktemp -d "${TMPDIR:-/tmp}/aio_attr-bench.XXXXXX")
	install -D -m 0755 "$HERE/guest.sh" "$root/tests/bench.sh"
	install -D -m 0644 "$HERE/profile.sh" "$root/tests/bench/profile.sh"
	copy_elf "$root" "$(command -v cryptsetup)" /usr/sbin/cryptsetup
	if [[ $PERF == 1 || $KCOUNT == 1 ]] && command -v perf >/dev/null; then
		copy_elf "$root" "$(readlink -f "$(command -v perf)")" /usr/bin/perf
	fi
	# (Debian 13's modules are xz-compressed: guest.sh insmods NAME.ko.)
	for ko in af_alg algif_skcipher dm-zero; do
		f=$(find "$kimg/lib/modules/$KV/kernel" -name "$ko.ko" -o -name "$ko.ko.xz" | head -n1)
		case $f in
		'') ;;
		*.xz) mkdir -p "$root/tests/bench" && xz -dc "$f" >"$root/tests/bench/$ko.ko" ;;
		*) install -D -m 0644 "$f" "$root/tests/bench/$ko.ko" ;;
		esac
	done
	(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$out"
	rm -rf "$root"
}

# insn_plugin - build the instruction-counting qemu plugin into $OUT; set
# PLUGIN_ARGS, qemu's arguments that load it.
insn_plugin() {
	[[ -x $GUEST_BIN_DIR/aa_mark ]] ||
		aa_die "BENCH_INSN=$INSN: no $GUEST_BIN_DIR/aa_mark: run 'make user'"
	cc -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden \
		-o "$OUT/insn-plugin.so" "$HERE/insn-plugin.c" ||
		aa_die "BENCH_INSN=$INSN: building insn-plugin.c failed"
	: >"$OUT/insn.marks"
	PLUGIN_ARGS=(-plugin "$OUT/insn-plugin.so,out=$OUT/insn.marks")
	((INSN != 2)) || PLUGIN_ARGS[1]+=",profile=$OUT/insn.profile"
	((INSN != 3)) || PLUGIN_ARGS[1]+=",mem=1"
}

# boot TIMEOUT KIMG - run the guest with the one test "bench"; progress
# lines on the terminal as they come.
boot() {
	local hard=$1 kimg=$2 qpid rc=0
	: >"$LOG"
	PLUGIN_ARGS=()
	((INSN == 0)) || insn_plugin
	QMP_ARGS=()
	if ((JIT)); then
		rm -f "$OUT/qmp.sock"
		: >"$OUT/jit.log"
		QMP_ARGS=(-qmp "unix:$OUT/qmp.sock,server=on,wait=off")
		"$PY" "$HERE/qemu-jit.py" "$OUT/qmp.sock" 10 "$OUT/jit.log" &
	fi
	aa_step "bench: booting $KV (hard timeout ${hard}s)"
	aa_qemu_start "$hard" "$kimg" "$OUT/initrd.img" "$LOG" "$OUT/qemu.out" \
		"aa.tests=bench aa.timeout=$((hard - 60)) bench.runtime=$RUNTIME bench.reps=$REPS bench.reps_rest=$REPS_REST bench.set=$SET bench.kcount=$KCOUNT bench.perf=$PERF bench.sched=$SCHED bench.insn=$INSN${ONLY:+ bench.only=$ONLY}" \
		"${VIRTIO_DISK[@]}" "${PLUGIN_ARGS[@]}" "${QMP_ARGS[@]}"
	qpid=$AA_QEMU_PID
	# shellcheck disable=SC2064 # qpid is fixed now
	trap "kill $qpid 2>/dev/null || true" EXIT INT TERM
	tail -n +1 -F --pid="$qpid" "$LOG" 2>/dev/null |
		grep --line-buffered -aE '^(AABENCH: |AATEST: |AABENCH-META)' |
		sed -u 's/\r$//; s/^AABENCH: /  /; s/^/  /' &
	# The host's own CPU counters (user ... steal) as each fio run begins
	# and ends: analyze.py reports the steal in the runs' windows.
	tail -n +1 -F --pid="$qpid" "$LOG" 2>/dev/null |
		grep --line-buffered -a '^AABENCH-RUN ' |
		while read -r _ what name; do
			read -r _ cpu </proc/stat
			[[ -e $OUT/first-run ]] || date +%s >"$OUT/first-run"
			echo "${what%$'\r'} ${name%$'\r'} $cpu"
		done >"$OUT/host.stat" &
	# A guest that stops printing for BENCH_STALL seconds (default 240) is
	# hung: stop it, keep what it printed.
	(
		last=0
		while kill -0 "$qpid" 2>/dev/null; do
			sleep 10
			now=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
			if ((now != last)); then
				last=$now quiet=0
			else
				quiet=$((${quiet:-0} + 10))
				if ((quiet >= ${BENCH_STALL:-240})); then
					echo "  bench: no console output for ${quiet}s: stopping the guest" >&2
					kill "$qpid" 2>/dev/null
				fi
			fi
		done
	) &
	wait "$qpid" || rc=$?
	wait || true
	trap - EXIT INT TERM
	return "$rc"
}

# jit_summary - BENCH_JIT=1: what qemu translated from the start of the
# first fio run (the last sample before it) to the end, and how often its
# code buffer was flushed.
jit_summary() {
	local first
	first=$(cat "$OUT/first-run" 2>/dev/null || echo 0)
	awk -v first="$first" '
		$1 <= first || !n { c0 = $2; t0 = $1; f0 = $4 }
		{ n++; c = $2; t = $1; f = $4 }
		END {
			if (!n) { print "bench: BENCH_JIT=1 but no sample of qemu (jit.log empty)"; exit }
			printf "bench: qemu translated %.1f MB of code in the %d s from the first fio run" \
				" on (%.1f MB before it), %d flushes of its code buffer (%d in all; jit.log)\n",
				(c - c0) / 1e6, t - t0, c0 / 1e6, f - f0, f
		}' "$OUT/jit.log"
}

main() {
	local kimg fio qrc=0 nruns hard start
	start=$(date +%s)
	rm -rf "$OUT"
	mkdir -p "$OUT"
	kimg=$("$VM/fetch-kernel.sh")
	fio=$("$VM/build-fio.sh")
	# in a variable: under pipefail, grep -q quitting early could end fio
	# with SIGPIPE and fail the check
	engines=$("$fio" --enghelp 2>/dev/null)
	for e in libaio io_uring posixaio; do
		grep -qx "[[:space:]]*$e" <<<"$engines" ||
			aa_die "the guest fio ($fio) has no $e engine"
	done
	mapfile -t kos < <(aa_our_modules "$(aa_kbuild_tree)")
	aa_check_vermagic "${kos[@]}"
	aa_step "bench: initramfs (${#kos[@]} modules of ours)"
	"$VM/mkinitramfs.sh" "$kimg" "$OUT/initrd.base.img" "$fio" "$GUEST_BIN_DIR" "${kos[@]}"
	extra_cpio "$kimg" "$OUT/initrd.bench.cpio"
	cat "$OUT/initrd.bench.cpio" "$OUT/initrd.base.img" >"$OUT/initrd.img"
	rm -f "$OUT/initrd.bench.cpio" "$OUT/initrd.base.img"
	# 59 fast-path cells, 47 others, 96 on the hardirq disks and 16
	# buffered ones (guest.sh); a fio run costs its runtime plus ~1.3 s of
	# start and stop (a warm buffered one ~1 s more: the file is read
	# first); 8 allocation counts ~10 s each.
	case $SET in
	all) nruns=$((59 * REPS + (47 + 96 + 16) * REPS_REST)) ;;
	fastpath) nruns=$((59 * REPS)) ;;
	hardirq) nruns=$((96 * REPS_REST)) ;;
	buffered) nruns=$((16 * REPS)) ;;
	esac
	hard=${BENCH_TIMEOUT:-$(((300 + 80 * KCOUNT + nruns * (RUNTIME + 4)) * (1 + (INSN > 0) + 4 * (INSN == 3))))}
	boot "$hard" "$kimg" || qrc=$?
	aa_step "bench: guest finished (qemu status $qrc) after $(($(date +%s) - start)) s"
	((JIT == 0)) || jit_summary
	tr -d '\r' <"$LOG" >"$OUT/console.clean.log"
	"$PY" "$HERE/analyze.py" "$OUT/console.clean.log" "$OUT" $(($(date +%s) - start)) ||
		aa_die "analysis failed"
	gnuplot "$OUT/chart.gp" 2>"$OUT/gnuplot.err" ||
		echo "bench: no chart ($(head -n1 "$OUT/gnuplot.err")) - a subset of the cells?" >&2
	echo
	cat "$OUT/results.md"
	echo
	aa_step "bench: $OUT/results.json, $OUT/results.md, $OUT/results.png" \
		"(whole run $(($(date +%s) - start)) s)"
	grep -q '^AABENCH-MATRIX-DONE' "$OUT/console.clean.log" ||
		aa_die "the guest did not finish the matrix (qemu status $qrc); see $LOG"
	grep -q '^AATEST: PASS bench.matrix' "$OUT/console.clean.log" ||
		echo "bench: the matrix is complete, but the guest did not finish cleanly" \
			"(profiles?); see $LOG" >&2
}

main "$@"
