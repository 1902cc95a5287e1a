#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make coccicheck`: run scripts/coccinelle/coccicheck.sh (no struct kiocb
# access under drivers/, and the kiocb -> iodesc rewrite still converts its
# example) and record its counts as the coccicheck layer of `make check`.
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/harness-lib.sh"

log=$AA_BUILD/coccicheck.log
mkdir -p "$AA_BUILD"
rc=0
"$AA_PROJ/scripts/coccinelle/coccicheck.sh" | tee "$log" || rc=$?
counts=$(sed -n 's/^coccicheck: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log")
if [[ -z $counts ]]; then
	echo "coccicheck: no result line (exit $rc)" >&2
	counts="0 1"
fi
read -r passed failed <<<"$counts"
aa_result coccicheck "$passed" "$failed"
((rc == 0 && failed == 0))
