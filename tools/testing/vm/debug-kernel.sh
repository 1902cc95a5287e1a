#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the debug kernel for the test guest once and keep it in the cache:
# linux-source-6.1 (its own pristine extraction, never the tree KUnit grafts
# into), `allnoconfig` + debug.config (KASAN, KFENCE, lockdep, ...).
#   debug-kernel.sh          print KIMG: KIMG/boot/vmlinuz-$KV, KIMG/lib/modules/$KV
#   debug-kernel.sh --kdir   print the kbuild output tree (KDIR for our modules)
#   debug-kernel.sh --cached exit 0 when the kernel is built and cached, 1 if not
#                            (builds nothing)
# The entry is keyed by the source package version and a hash of the config
# fragment, the compiler and this recipe.  It is built in place under a lock
# and marked complete last, so an interrupted build resumes where it stopped;
# a new entry starts from a copy of the last one, so a changed fragment
# costs only the objects that depend on what changed.
# Build time and log: $ENTRY/build-time, $ENTRY/build.log.
set -euo pipefail
VM=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/harness-lib.sh
. "$VM/../../../scripts/harness-lib.sh"

TARBALL=/usr/src/linux-source-6.1.tar.xz
FRAGMENT=$VM/debug.config
# Bump when the steps below change what ends up in the entry.
RECIPE=1

# extract DIR - unpack the linux-source tarball into DIR.
extract() {
	aa_step "debug kernel: extracting $(basename "$TARBALL")"
	tar -xf "$TARBALL" -C "$1"
}

# check_config DOTCONFIG - every line of the fragment must be in the
# .config as written ("is not set" lines may also be absent).
check_config() {
	local line sym bad=0
	while read -r line; do
		case $line in
		'# CONFIG_'*' is not set')
			sym=${line#\# }
			sym=${sym%% *}
			grep -q "^$sym=" "$1" || continue
			;;
		CONFIG_*) grep -qxF "$line" "$1" && continue ;;
		*) continue ;;
		esac
		echo "debug kernel: config wants '$line', got '$(grep -E "^(# )?${line#\# }" "$1" |
			head -n1 || true)'" >&2
		bad=1
	done <"$FRAGMENT"
	return "$bad"
}

# seed ENTRY VER - start ENTRY's build tree as a copy of the newest complete
# entry of source version VER, if any: after a change to the fragment kbuild
# then recompiles only what depends on the options that changed.
seed() {
	local entry=$1 ver=$2 prev
	prev=$(find "$AA_CACHE/debug-kernel" -mindepth 2 -maxdepth 2 -name .complete \
		-path "*/$ver-*" -printf '%T@ %h\n' | sort -rn | head -n1 | cut -d' ' -f2-)
	[[ -n $prev && $prev != "$entry" ]] || return 0
	aa_step "debug kernel: starting from $prev"
	cp -a "$prev/build" "$entry/build"
}

# build ENTRY SRC - configure, build, install modules into ENTRY/kimg.
build() {
	local entry=$1 src=$2 out=$1/build kv t0=$SECONDS rc=0
	local -a kmake=(make -C "$src" O="$out" -j"$(nproc)")
	mkdir -p "$out"
	aa_step "debug kernel: configuring in $out"
	"${kmake[@]}" KCONFIG_ALLCONFIG="$FRAGMENT" allnoconfig >"$entry/build.log" 2>&1 ||
		{ tail -n 20 "$entry/build.log" >&2; return 1; }
	check_config "$out/.config" || return 1
	aa_step "debug kernel: building (log $entry/build.log; tens of minutes on 2 cores)"
	aa_heartbeat_start "debug kernel: building"
	"${kmake[@]}" bzImage modules >>"$entry/build.log" 2>&1 || rc=$?
	aa_heartbeat_stop
	if ((rc != 0)); then
		grep -E 'error|Error' "$entry/build.log" | tail -n 20 >&2
		return 1
	fi
	kv=$(cat "$out/include/config/kernel.release")
	rm -rf "$entry/kimg"
	"${kmake[@]}" INSTALL_MOD_PATH="$entry/kimg" modules_install >>"$entry/build.log" 2>&1 ||
		{ tail -n 20 "$entry/build.log" >&2; return 1; }
	install -D -m 0644 "$out/arch/x86/boot/bzImage" "$entry/kimg/boot/vmlinuz-$kv"
	echo "$((SECONDS - t0))" >"$entry/build-time"
	aa_step "debug kernel $kv built in $((SECONDS - t0))s"
}

main() {
	local ver hash src entry lockfd
	[[ -f $TARBALL ]] || aa_die "$TARBALL missing; run 'make deps'"
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
	# Comments do not count, "is not set" lines do.
	hash=$({ grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$FRAGMENT"
		echo "recipe $RECIPE"; gcc --version | head -n1; } |
		sha256sum | cut -c1-12)
	src=$AA_CACHE/debug-kernel/src-$ver
	entry=$AA_CACHE/debug-kernel/$ver-$hash
	if [[ ${1:-} == --cached ]]; then
		[[ -f $entry/.complete ]]
		return
	fi
	aa_cache_get "$src" extract
	mkdir -p "$entry"
	exec {lockfd}>"$entry.lock"
	flock "$lockfd"
	if [[ ! -f $entry/.complete ]]; then
		[[ -d $entry/build ]] || seed "$entry" "$ver" >&2
		build "$entry" "$src/linux-source-6.1" >&2 || aa_die "debug kernel build failed"
		touch "$entry/.complete"
	fi
	exec {lockfd}>&-
	case ${1:-} in
	--kdir) echo "$entry/build" ;;
	'') echo "$entry/kimg" ;;
	*) aa_die "usage: debug-kernel.sh [--kdir | --cached]" ;;
	esac
}

main "$@"
