#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# engine-cost.sh - user instructions per I/O of fio's engines on this host,
# counted by callgrind: the part of the fast path that is the fio engine's
# and libaioattr's, without a guest and without timing noise.
#
#   tools/testing/bench/engine-cost.sh [-v] [-m] [ENGINE[:ATTRS] ...]
#
# ENGINE is aioattr (the project's engine, over the LD_PRELOAD test double
# fake_aio_attr.so, since the module cannot be loaded on the host),
# io_uring or libaio (fio's own, over the host kernel); ATTRS is the
# aioattr engine's attrs= (default all).  Default: aioattr:all
# aioattr:none io_uring.  Each engine runs fio twice, 4k random reads of a
# 64 MiB file in /dev/shm at QD1 (QD= to change), N1 and N2 I/Os; the
# difference of the two runs divided by N2 - N1 is the cost per I/O, with
# fio's setup and teardown gone.  For aioattr the test double's own work
# (its ioctl() and everything under it: the "kernel") is left out.
# Printed: the total per I/O, then with -v the functions of the engine,
# libaioattr and the statistics by their own (self) instructions per I/O.
# -m: callgrind's cache simulation on, and beside the instructions the data
# reads and writes per I/O (loads and stores, the stack's included: under
# qemu's TCG each one is a software TLB lookup), with -v by function too.
#
# Needs `make user fio-engine` (the engine, the test double, fio) and
# valgrind.  Counts depend on the compiler and the C library, not on the
# load of the machine: compare within one host.  Env: QD (1), N1 (4000),
# N2 (12000), KEEP (a directory to keep the callgrind files in).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PROJ=$(cd "$HERE/../../.." && pwd)
FIO=${FIO:-$("$PROJ/tools/testing/vm/build-fio.sh")}
ENGINE=${ENGINE:-$PROJ/build/user/guest/aioattr.so}
FAKE=${FAKE:-$PROJ/build/user/aio_attr/tests/fake_aio_attr.so}
QD=${QD:-1}
N1=${N1:-4000}
N2=${N2:-12000}
VERBOSE=0
MEM=0
while [[ ${1:-} == -[vm] ]]; do
	[[ $1 == -v ]] && VERBOSE=1
	[[ $1 == -m ]] && MEM=1
	shift
done
EVENTS=(Ir)
VG=()
((MEM)) && EVENTS+=(Dr Dw) && VG=(--cache-sim=yes)
(($# > 0)) || set -- aioattr:all aioattr:none io_uring
((N2 > N1)) || { echo "engine-cost: N2 must be above N1" >&2; exit 2; }
for f in "$FIO" "$ENGINE" "$FAKE"; do
	[[ -x $f || -f $f ]] || { echo "engine-cost: $f missing: make user fio-engine" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "engine-cost: needs valgrind" >&2; exit 2; }

WORK=${KEEP:-$(mktemp -d)}
mkdir -p "$WORK"
FILE=/dev/shm/aa-engine-cost.$$
trap 'rm -f "$FILE"; [[ -n ${KEEP:-} ]] || rm -rf "$WORK"' EXIT
dd if=/dev/zero of="$FILE" bs=1M count=64 status=none

# functions FILE [EVENT] - "name<TAB>count" of a callgrind file (EVENT: Ir,
# the default, Dr or Dw), inclusive (-i) or self
functions() {
	local opt=()
	[[ $1 == -i ]] && opt=(--inclusive=yes) && shift
	callgrind_annotate --auto=no --threshold=100 --show="${2:-Ir}" --sort="${2:-Ir}" \
		"${opt[@]}" "$1" 2>/dev/null |
		sed -nE 's/^ *([0-9,]+) \([ 0-9.]+%\) +(.*)$/\2\t\1/p' |
		sed -E 's/ \[[^]]*\]\t/\t/; s/^[^\t]*\/([^/\t]*\t)/\1/; s/,//g'
}

# cost A B NAME EVENT [-i] - (B - A) / (N2 - N1) of function NAME ("PROGRAM
# TOTALS" for all)
cost() {
	local a b opt=()
	[[ -n ${5:-} ]] && opt=("$5")
	a=$(functions "${opt[@]}" "$1" "$4" | awk -F'\t' -v n="$3" '$1 == n { s += $2 } END { print s + 0 }')
	b=$(functions "${opt[@]}" "$2" "$4" | awk -F'\t' -v n="$3" '$1 == n { s += $2 } END { print s + 0 }')
	echo $(((b - a) / (N2 - N1)))
}

for spec in "$@"; do
	eng=${spec%%:*}
	attrs=${spec#*:}
	[[ $attrs == "$spec" ]] && attrs=all
	pre=()
	case $eng in
	aioattr) args=(--ioengine="external:$ENGINE" --attrs="$attrs"); pre=(env LD_PRELOAD="$FAKE") ;;
	io_uring | libaio) args=(--ioengine="$eng") attrs=- ;;
	*) echo "engine-cost: $eng: aioattr, io_uring or libaio" >&2; exit 2 ;;
	esac
	for n in "$N1" "$N2"; do
		"${pre[@]}" valgrind --tool=callgrind "${VG[@]}" --callgrind-out-file="$WORK/$eng.$attrs.$n.out" \
			"$FIO" --name=cost --filename="$FILE" "${args[@]}" --rw=randread --bs=4k \
			--iodepth="$QD" --number_ios="$n" --size=64m --norandommap --randrepeat=1 \
			--thread --output=/dev/null >/dev/null 2>"$WORK/$eng.$attrs.$n.err" || {
			echo "engine-cost: fio with $spec failed:" >&2
			tail -5 "$WORK/$eng.$attrs.$n.err" >&2
			exit 1
		}
	done
	a=$WORK/$eng.$attrs.$N1.out
	b=$WORK/$eng.$attrs.$N2.out
	line=$(printf '%-8s attrs=%-5s QD%-3s' "$eng" "$attrs" "$QD")
	for ev in "${EVENTS[@]}"; do
		total=$(cost "$a" "$b" "PROGRAM TOTALS" "$ev")
		fake=0
		[[ $eng == aioattr ]] && fake=$(cost "$a" "$b" "fake_aio_attr.c:ioctl" "$ev" -i)
		case $ev in
		Ir) line+=$(printf ' %6d user instructions' $((total - fake))) ;;
		Dr) line+=$(printf ', %5d reads' $((total - fake))) ;;
		Dw) line+=$(printf ', %5d writes' $((total - fake))) ;;
		esac
	done
	echo "$line per I/O"
	((VERBOSE)) || continue
	# the engine's own functions, by where gcc's LTO left their code
	for ev in "${EVENTS[@]}"; do
		((MEM)) && echo "  $ev:"
		join -t $'\t' <(functions "$a" "$ev" | sort) <(functions "$b" "$ev" | sort) |
			awk -F'\t' -v d=$((N2 - N1)) '$1 ~ /^(aioattr|attrstat|attrlog|ring|ctx|io_uring|libaio)\.c:/ {
				v = ($3 - $2) / d; if (v >= 1) printf "    %7.1f  %s\n", v, $1 }' | sort -rn
	done
done
