#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian 13 (trixie) build root for the 6.12 modules: trixie's gcc-14,
# linux-headers-amd64 and what kbuild, sparse and DKMS need, made once with
# mmdebstrap into the cache from the system's Debian mirrors (a private apt
# list; the host stays Debian 12 and its apt configuration is untouched).
#   trixie-root.sh              print the root's path ($AA_TRIXIE_ROOT),
#                               making it if needed
#   trixie-root.sh --kver       print the kernel release of its headers
#                               (e.g. 6.12.117+deb13-amd64)
#   trixie-root.sh kbuild MAKE-ARGS...
#                               run kbuild for this tree in the root:
#                               make -C <its headers> M=<copy> MAKE-ARGS
#
# kbuild works on a copy of the module sources in build/kbuild-6.12/, not
# on the tree itself: external modules are built in place (no O= for M=
# before 6.13), and 6.1 objects and 6.12 objects of the same file must not
# replace each other.  The copy is refreshed with rsync (sources only;
# objects stay), so a rebuild only compiles what changed.  It is
# bind-mounted at /proj in the root in a private mount namespace.  The
# output names files in the copy, but diagnostics name the tree's files
# (the same contents) so that they lead to what is to be edited.
set -euo pipefail
# shellcheck source=scripts/harness-lib.sh
. "$(dirname "$0")/harness-lib.sh"

ROOT=$AA_TRIXIE_ROOT
COPY=$AA_BUILD/kbuild-6.12
# Module build (kbuild, sparse), DKMS (make deb's install test).
ROOT_PKGS=(gcc-14 make libc6-dev linux-headers-amd64 sparse bc kmod dkms fakeroot)

# trixie's linux-headers depend on the linux-image, and that on an
# initramfs generator.  Nothing boots this root: update-initramfs is
# diverted to true before they are installed, which saves building an
# initramfs (a minute or more).  mmdebstrap runs this with $1 = the root.
# shellcheck disable=SC2016 # expanded by mmdebstrap's hook shell
NO_INITRAMFS='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs &&
	ln -s /bin/true "$1/usr/sbin/update-initramfs"'

# make_root DIR - bootstrap trixie with ROOT_PKGS into DIR.
make_root() {
	local dir=$1 sources
	command -v mmdebstrap >/dev/null || "$AA_PROJ/scripts/deps.sh"
	# the shared private trixie list, binary packages only
	aa_trixie_apt
	sources=$dir.sources
	sed 's/^Types:.*/Types: deb/' "$AA_CACHE/apt-trixie/parts/trixie.sources" >"$sources"
	aa_step "trixie: mmdebstrap ${ROOT_PKGS[*]}"
	aa_heartbeat_start "trixie: mmdebstrap"
	if ! mmdebstrap --mode=root --variant=apt --include="$(
		IFS=,
		echo "${ROOT_PKGS[*]}"
	)" --aptopt='Acquire::Languages "none"' --essential-hook="$NO_INITRAMFS" \
		trixie "$dir" "$sources" >"$dir.log" 2>&1; then
		aa_heartbeat_stop
		tail -n 30 "$dir.log" >&2
		return 1
	fi
	aa_heartbeat_stop
	rm -f "$sources" "$dir.log"
	mkdir -p "$dir/proj"
	[[ -n $(find "$dir/usr/src" -maxdepth 1 -name 'linux-headers-6.12*-amd64') ]] ||
		aa_die "trixie's linux-headers-amd64 brought no 6.12 headers"
}

# kbuild MAKE-ARGS... - kbuild for the copy of this tree, in the root.
kbuild() {
	local kv
	command -v rsync >/dev/null || "$AA_PROJ/scripts/deps.sh"
	kv=$("$AA_PROJ/scripts/kver.sh" 6.12)
	mkdir -p "$COPY"
	# the module sources only; --delete spares what the filters exclude
	rsync -a --delete --include='*/' --include='*.[ch]' --include=Kbuild \
		--include=Makefile --include=Kconfig --exclude='*' \
		"$AA_PROJ/Kbuild" "$AA_PROJ/fs" "$AA_PROJ/drivers" "$AA_PROJ/include" "$COPY/"
	# A clean environment: nothing of the host's make (MAKEFLAGS, its
	# jobserver) or of ours (KV, KDIR) leaks into the root's kbuild.
	# shellcheck disable=SC2016 # expanded by that sh
	unshare -m --propagation private sh -c '
		mount --bind "$1" "$0/proj" && mount -t proc proc "$0/proc" && shift &&
		exec chroot "$0" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LC_ALL=C.UTF-8 "$@"' \
		"$ROOT" "$COPY" make -C "/usr/src/linux-headers-$kv" M=/proj "$@" 2>&1 |
		sed -E -e "s#^((In file included from|[[:space:]]+from) )?/proj/#\1$AA_PROJ/#" \
			-e "s#/proj/#$COPY/#g"
}

aa_cache_get "$ROOT" make_root
case ${1:-} in
'')
	echo "$ROOT"
	;;
--kver)
	"$AA_PROJ/scripts/kver.sh" 6.12
	;;
kbuild)
	shift
	kbuild "$@"
	;;
*)
	aa_die "usage: $0 [--kver | kbuild MAKE-ARGS...]"
	;;
esac
