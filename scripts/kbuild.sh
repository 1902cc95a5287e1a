#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run one kbuild command for our out-of-tree modules and judge its output.
#   kbuild.sh build  MAKE-COMMAND...   modules, W=1: fails on any warning
#   kbuild.sh sparse MAKE-COMMAND...   C=2: fails if sparse reports on our files
#   kbuild.sh build-debug MAKE-COMMAND...  like build (the modules for the
#                                      debug kernel; part of vmtest-debug)
# The log goes to build/logs/<mode>-$KVER.log; the result, layer
# <mode>/$KVER, to build/results/.
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/harness-lib.sh"

mode=$1
shift
log=$AA_BUILD/logs/$mode-$AA_KVER.log
mkdir -p "$(dirname "$log")"

aa_step "$mode/$AA_KVER: ${*}"
rc=0
"$@" 2>&1 | tee "$log" || rc=$?

# Diagnostics are lines "file:line[:col]: warning|error: ..."; kbuild's own
# warnings (modpost, kernel-doc) say "WARNING:" or "warning:" too.
diag_re='(^|[[:space:]])(warning|error|WARNING|ERROR)[: ]'
case $mode in
build | build-debug)
	bad=$(grep -E "$diag_re" "$log" || true)
	;;
sparse)
	# Only reports about our files count: absolute paths under the
	# project or paths relative to it.
	bad=$(grep -E "^($AA_PROJ/|[a-z])[^ :]*:[0-9]+(:[0-9]+)?: " "$log" |
		grep -v "^/usr/" || true)
	;;
*)
	aa_die "unknown mode $mode"
	;;
esac

if ((rc == 0)) && [[ -z $bad ]]; then
	aa_result "$mode/$AA_KVER" 1 0
	exit 0
fi
echo "---- $mode/$AA_KVER FAILED (exit $rc); diagnostics:"
[[ -n $bad ]] && echo "$bad"
aa_result "$mode/$AA_KVER" 0 1
exit 1
