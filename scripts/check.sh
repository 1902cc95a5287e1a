#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: every test layer, each on its own (one failing layer does not
# stop the others), the kernel-dependent ones for each series in KVERS
# (default "6.1 6.12"), then one closing line "N passed, M failed" summing
# them all.  Each layer records its counts in build/results/<layer>.res
# (<layer>/<kver>.res per kernel); a layer that dies without recording
# counts as one failure.
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/harness-lib.sh"

MAKE=${MAKE:-make}
# The kernel series to test: each runs the per-kernel layers.
KVERS=${KVERS:-6.1 6.12}
# Layers that do not depend on the kernel, or go through KVERS themselves
# (debtest), run once; the others once per kernel series, as LAYER/KVER
# (the build of the modules and sparse count too: the modules layer records
# its result as build/KVER).
ONCE_LAYERS=(utest coccicheck debtest)
KERNEL_LAYERS=(modules sparse kunit vmtest)
declare -A RESFILE=([modules]=build)
# The guest suite's stress and fuzz loops (aa_stress_len in
# tools/testing/vm/lib.sh) run at full length on the first kernel of KVERS
# and at this percentage on the others, which still run every test and
# assertion: the two guest suites are most of make check's time.
STRESS_PCT=${AA_CHECK_STRESS_PCT:-25}

# On the debug kernel `make check` runs the guest tests about completion
# contexts, races, teardown and limits - what KASAN, lockdep and the
# atomic-sleep check are for - so that a cached run stays near 20 minutes;
# `make vmtest-debug` runs every test.  AA_DEBUG_TESTS overrides the list.
AA_DEBUG_TESTS=${AA_DEBUG_TESTS:-smoke api_hardirq api_killed api_nullb api_syncstall \
api_unpriv api_bdev_rules api_worker iocrypt_async race_close race_kill race_rmmod}

# debug_layer - run the vmtest-debug layer, or record why it is skipped.
# Building the debug kernel (~17 min on two idle cores) would take a
# fresh machine's `make check` past 45 minutes, so it is built here only
# with AA_DEBUG=1; otherwise the layer runs when the kernel is already
# cached (`make vmtest-debug` builds it), as on a CI machine that keeps
# its cache.
debug_layer() {
	if [[ ${AA_DEBUG:-} == 1 ]] ||
		"$AA_PROJ/tools/testing/vm/debug-kernel.sh" --cached; then
		$MAKE --no-print-directory -C "$AA_PROJ" AA_DEPS_DONE=1 KVER=6.1 vmtest-debug \
			TESTS="$AA_DEBUG_TESTS"
		return
	fi
	echo "vmtest-debug: skipped: no debug kernel cached; 'make vmtest-debug' builds it" \
		"(or AA_DEBUG=1 make check)"
	aa_result vmtest-debug 0 0 1
}

# run_layer LAYER KVER - run one layer (KVER empty for the layers that do
# not depend on the kernel) and add its counts to the summary.
run_layer() {
	local layer=$1 kver=$2 name=$1 note='' res p f s t0=$SECONDS guest_env=${AA_GUEST_ENV:-}
	local -a args=(--no-print-directory -C "$AA_PROJ" AA_DEPS_DONE=1)
	res=$AA_RESULTS/${RESFILE[$layer]:-$layer}
	if [[ -n $kver ]]; then
		name=$layer/$kver res=$res/$kver
		args+=(KVER="$kver")
	fi
	if [[ $layer == vmtest && $kver != "$FIRST_KVER" ]]; then
		guest_env+=${guest_env:+,}AA_STRESS_PCT=$STRESS_PCT
		note=", stress loops at ${STRESS_PCT}%"
	fi
	aa_step "==== $name$note"
	if [[ $layer == vmtest-debug ]]; then
		debug_layer || true
	else
		AA_GUEST_ENV=$guest_env $MAKE "${args[@]}" "$layer" || true
	fi
	if [[ -f $res.res ]]; then
		read -r p f s <"$res.res"
	else
		echo "$name: did not run to the end (see above)"
		p=0 f=1 s=0
	fi
	printf '%-14s %4d passed, %d failed, %d skipped (%ds%s)\n' \
		"$name:" "$p" "$f" "$s" $((SECONDS - t0)) "$note" >>"$SUMMARY"
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
}

# A guest keeps about one of the two cores busy, so the debug kernel's
# guest suite runs beside the next kernel's layers instead of after them:
# started once the first kernel's layers are done (the user programs and
# the fio engine both need are built by then), its output kept in
# $AA_RESULTS/vmtest-debug.log and shown, with its counts, when it ends.
debug_bg_layer() {
	local SUMMARY=$AA_RESULTS/summary.debug total_p=0 total_f=0 total_s=0

	run_layer vmtest-debug ""
	echo "$total_p $total_f $total_s" >"$AA_RESULTS/debug.counts"
}

debug_bg_start() {
	debug_bg_layer >"$AA_RESULTS/vmtest-debug.log" 2>&1 &
	DEBUG_PID=$!
}

debug_bg_finish() {
	local p=0 f=1 s=0
	wait "$DEBUG_PID" || true
	cat "$AA_RESULTS/vmtest-debug.log"
	if [[ -f $AA_RESULTS/debug.counts ]]; then
		read -r p f s <"$AA_RESULTS/debug.counts"
		cat "$AA_RESULTS/summary.debug" >>"$SUMMARY"
	else
		echo "vmtest-debug: did not run to the end (see above)"
		printf '%-14s %4d passed, %d failed, %d skipped\n' vmtest-debug: 0 1 0 >>"$SUMMARY"
	fi
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
}

FIRST_KVER=
for kver in $KVERS; do
	[[ $kver == 6.1 || $kver == 6.12 ]] || aa_die "KVERS: '$kver' is not 6.1 or 6.12"
	FIRST_KVER=${FIRST_KVER:-$kver}
done
rm -rf "$AA_RESULTS"
mkdir -p "$AA_RESULTS"
SUMMARY=$AA_RESULTS/summary
total_p=0 total_f=0 total_s=0
start=$SECONDS
DEBUG_PID=
for layer in "${ONCE_LAYERS[@]}"; do
	run_layer "$layer" ""
done
for kver in $KVERS; do
	# The debug kernel is built from linux-source-6.1.
	if [[ $kver != 6.1 && -z $DEBUG_PID && " $KVERS " == *" 6.1 "* ]]; then
		debug_bg_start
	fi
	for layer in "${KERNEL_LAYERS[@]}"; do
		run_layer "$layer" "$kver"
	done
done
if [[ -n $DEBUG_PID ]]; then
	debug_bg_finish
elif [[ " $KVERS " == *" 6.1 "* ]]; then
	run_layer vmtest-debug ""
fi
echo
echo "==== summary ($((SECONDS - start))s)"
cat "$AA_RESULTS/summary"
echo "skipped: $total_s"
echo "$total_p passed, $total_f failed"
((total_f == 0))
