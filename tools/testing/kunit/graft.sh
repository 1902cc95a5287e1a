#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Graft the project's directories into a linux-source tree, as described by
# graft.manifest.  Idempotent: edited files are rebuilt from pristine copies
# (FILE.aio_attr-orig) and links of earlier runs are removed first.
#   graft.sh KSRC [BUILD_DIR]
# With BUILD_DIR, the objects of grafted code are deleted there so that they
# are rebuilt from this clone whatever the file times say.
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/../../../scripts/harness-lib.sh"

ksrc=$1
build=${2:-}
state=$ksrc/.aio_attr-graft   # links and edited files of the last run
declare -A edits=()           # tree file -> text to append

# undo_last - remove the links of the previous run.
undo_last() {
	local kind path
	[[ -f $state ]] || return 0
	while read -r kind path; do
		[[ $kind == link && -L $ksrc/$path ]] && rm -f "$ksrc/$path"
	done <"$state"
	: >"$state"
}

# do_link GUARD_MATCH TREE_PATH - symlink one project path into the tree.
do_link() {
	local src=$1 dst=$2
	[[ $dst == */ ]] && dst=$dst$(basename "$src")
	[[ -e $ksrc/$dst && ! -L $ksrc/$dst ]] && aa_die "graft: $dst exists in the kernel tree"
	ln -sfn "$AA_PROJ/$src" "$ksrc/$dst"
	echo "link $dst" >>"$state"
	if [[ -n $build ]]; then
		# Drop stale objects of this path so kbuild compiles this clone's code.
		rm -rf "${build:?}/$dst"
		rm -f "$build/${dst%.c}.o"
	fi
}

# apply_edits - rewrite each edited tree file as pristine copy + additions,
# touching it only when its content changes (keeps rebuilds incremental).
apply_edits() {
	local f new
	for f in "${!edits[@]}"; do
		[[ -f $ksrc/$f.aio_attr-orig ]] || cp -p "$ksrc/$f" "$ksrc/$f.aio_attr-orig"
		new=$(cat "$ksrc/$f.aio_attr-orig"; printf '%s' "${edits[$f]}")
		if [[ $new != "$(cat "$ksrc/$f")" ]]; then
			printf '%s\n' "$new" >"$ksrc/$f"
		fi
	done
	# Files edited before but no longer: back to pristine.
	while read -r f; do
		f=${f#"$ksrc/"}
		f=${f%.aio_attr-orig}
		if [[ -z ${edits[$f]+x} ]] && ! cmp -s "$ksrc/$f.aio_attr-orig" "$ksrc/$f"; then
			cp -p "$ksrc/$f.aio_attr-orig" "$ksrc/$f"
		fi
	done < <(find "$ksrc" -name '*.aio_attr-orig' -not -path '*/.git/*')
}

undo_last
while read -r guard action path rest; do
	[[ -z $guard || $guard == \#* ]] && continue
	# GUARD may be a glob.
	mapfile -t matches < <(cd "$AA_PROJ" && compgen -G "$guard")
	((${#matches[@]} > 0)) || continue
	case $action in
	link)
		for m in "${matches[@]}"; do do_link "$m" "$path"; done
		;;
	line)
		edits[$path]+=$'\n'$rest
		;;
	append)
		edits[$path]+=$'\n'$(cat "$AA_PROJ/${matches[0]}")
		;;
	*)
		aa_die "graft.manifest: unknown action '$action'"
		;;
	esac
done <"$(dirname "$0")/graft.manifest"
apply_edits
