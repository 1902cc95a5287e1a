#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel-version conditionals live in include/linux/aio_attr_compat.h only
# (issue 14): fail, naming the lines, if any other C source or header of
# the tree tests LINUX_VERSION_CODE, KERNEL_VERSION() or the version parts.
#   check-compat.sh [TREE]     check TREE (default: this tree)
#   check-compat.sh --self-test  show that a planted conditional is caught
# Run by ctest (make utest).
set -euo pipefail

COMPAT=include/linux/aio_attr_compat.h
VERSION_RE='\b(LINUX_VERSION_CODE|KERNEL_VERSION|LINUX_VERSION_(MAJOR|PATCHLEVEL|SUBLEVEL))\b'

# offenders TREE - print "file:line: text" for every version test outside
# the compat header (build outputs and git metadata left out).
offenders() {
	(cd "$1" && find . \( -name .git -o -path ./build \) -prune -o \
		-type f \( -name '*.c' -o -name '*.h' \) -print0 |
		xargs -0r grep -nE "$VERSION_RE" /dev/null |
		sed 's|^\./||' | grep -v "^$COMPAT:") || true
}

# check TREE - 0 if only the compat header has version conditionals.
check() {
	local bad
	bad=$(offenders "$1")
	if [[ -n $bad ]]; then
		echo "kernel-version conditionals outside $COMPAT (move them there):"
		echo "$bad"
		return 1
	fi
	echo "compat: only $COMPAT tests the kernel version"
}

# self_test - plant conditionals in a scratch tree; both must be reported
# and the compat header's own must not.
self_test() {
	local tree out rc=0
	tree=$(mktemp -d)
	mkdir -p "$tree/include/linux" "$tree/drivers/x" "$tree/build"
	printf '#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)\n#endif\n' \
		>"$tree/$COMPAT"
	printf '#if LINUX_VERSION_CODE < 0x60c00\n#endif\n' >"$tree/drivers/x/a.c"
	printf '#define NEW (KERNEL_VERSION(6, 12, 0) <= 0)\n' >"$tree/drivers/x/b.h"
	printf '#if LINUX_VERSION_CODE\n#endif\n' >"$tree/build/generated.c"
	out=$(check "$tree") && rc=1
	[[ $out == *drivers/x/a.c:1:* && $out == *drivers/x/b.h:1:* ]] || rc=1
	[[ $out != *"$COMPAT:"* && $out != *build/* ]] || rc=1
	rm -rf "$tree"
	if ((rc)); then
		echo "self-test FAILED; the check reported:"
		echo "$out"
		return 1
	fi
	echo "self-test: planted conditionals are reported, the compat header's are not"
}

case ${1:-} in
--self-test) self_test ;;
*) check "${1:-$(cd "$(dirname "$0")/.." && pwd)}" ;;
esac
