#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# man/check.sh [PAGE...] - every man page of man/ (or PAGE...) renders
# with man-db and groff without a single warning (man --warnings), and
# its .TH names the file (aioattr.1 says "AIOATTR 1").  Prints one line
# per page; exits 1 if any failed.
set -u
cd "$(dirname "$0")" || exit 1
[ $# -gt 0 ] || set -- ./*.[1-8]
failed=0
for page in "$@"; do
	base=${page##*/}
	name=${base%.*} sect=${base##*.}
	want=$(printf '%s %s' "$name" "$sect" | tr '[:lower:]' '[:upper:]')
	th=$(sed -n 's/^\.TH \([^ ]*\) \([^ ]*\).*/\1 \2/p' "$page" | head -n 1)
	warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	lines=$(MANWIDTH=80 man -l "$page" 2>/dev/null | wc -l)
	if [ -n "$warn" ]; then
		echo "FAIL $base: $warn"
		failed=1
	elif [ "$(printf '%s' "$th" | tr '[:lower:]' '[:upper:]')" != "$want" ]; then
		echo "FAIL $base: .TH says '$th', want '$want'"
		failed=1
	elif [ "$lines" -lt 10 ]; then
		echo "FAIL $base: renders to $lines lines"
		failed=1
	else
		echo "ok $base ($lines lines)"
	fi
done
exit "$failed"
