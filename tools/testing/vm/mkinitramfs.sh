#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the test guest's initramfs.
#   mkinitramfs.sh KIMG OUT.cpio.lz4 FIO GUESTBIN_DIR KO...
# KIMG is the unpacked Debian linux-image (fetch-kernel.sh), FIO the fio
# binary (build-fio.sh), GUESTBIN_DIR holds the C++ guest programs (may be
# missing or empty), KO... are our modules (go to lib/modules/$KV/extra).
set -euo pipefail
VM=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/harness-lib.sh
. "$VM/../../../scripts/harness-lib.sh"

KV=$(aa_kver)
kimg=$1 out=$2 fio=$3 guestbin=$4
shift 4
root=$(mktemp -d "${TMPDIR:-/tmp}/aio_attr-rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
# mktemp -d makes it 0700, and the archive's "." becomes the guest's /:
# tests that drop to an unprivileged user must reach /dev and /tmp.
chmod 0755 "$root"

# copy_elf FILE [DEST] - copy FILE to $root/DEST (default: same path) and
# every shared library it needs, at the paths the host uses.
copy_elf() {
	local file=$1 dest=${2:-$1} lib
	install -D -m 0755 "$file" "$root$dest"
	while read -r lib; do
		[[ -e $root$lib ]] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done < <(ldd "$file" 2>/dev/null | grep -oE '/[^ ]+' || true)
}

# add_busybox - busybox and its applets, except those kmod provides.
add_busybox() {
	local app
	install -D -m 0755 /bin/busybox "$root/bin/busybox"
	for app in $(/bin/busybox --list); do
		case $app in
		busybox | init | modprobe | insmod | rmmod | lsmod | depmod | modinfo) ;;
		*) [[ -e $root/bin/$app ]] || ln -s busybox "$root/bin/$app" ;;
		esac
	done
}

# add_tools - kmod, dmsetup, cryptsetup, mkfs.ext4, keyctl, fio and the
# project's own user tools (iocryptsetup, the aioattr CLI when built).
add_tools() {
	local t
	copy_elf /bin/kmod /sbin/kmod
	for t in modprobe insmod rmmod lsmod depmod modinfo; do
		ln -s kmod "$root/sbin/$t"
	done
	copy_elf "$(command -v dmsetup)" /sbin/dmsetup
	copy_elf /usr/sbin/cryptsetup /sbin/cryptsetup
	copy_elf /usr/sbin/mke2fs /sbin/mkfs.ext4
	copy_elf /usr/bin/keyctl /usr/bin/keyctl
	copy_elf "$fio" /usr/bin/fio
	install -D -m 0755 "$AA_PROJ/tools/dm/iocryptsetup" "$root/usr/sbin/iocryptsetup"
	if [[ -x $AA_BUILD/user/guest/aioattr ]]; then
		install -D -m 0755 "$AA_BUILD/user/guest/aioattr" "$root/usr/bin/aioattr"
	fi
}

# add_kernel_modules KO... - the Debian modules of modules.list with their
# dependencies, our modules in extra/, then depmod.
add_kernel_modules() {
	local mods=$root/lib/modules/$KV mod line ko
	mkdir -p "$mods/extra"
	cp "$kimg/lib/modules/$KV"/modules.{order,builtin,builtin.modinfo} "$mods/"
	while read -r mod; do
		if ! modprobe -d "$kimg" -S "$KV" --show-depends "$mod" >"$root/deps"; then
			# The debug kernel is built from our own configuration, for
			# the tests of its layer only; a test that needs a module it
			# lacks fails at its modprobe.  Debian's kernels have them all.
			[[ $KV == *-aadebug ]] || aa_die "Debian kernel $KV has no module $mod"
			aa_step "vm: $KV has no module $mod; a test that loads it will fail"
			continue
		fi
		while read -r line; do
			ko=$(awk '$1 == "insmod" { print $2 }' <<<"$line")
			[[ -n $ko ]] || continue
			install -D -m 0644 "$ko" "$root${ko#"$kimg"}"
		done <"$root/deps"
	done < <(grep -vE '^[[:space:]]*(#|$)' "$VM/modules.list")
	rm -f "$root/deps"
	for ko in "$@"; do
		install -m 0644 "$ko" "$mods/extra/"
	done
	depmod -b "$root" "$KV"
}

# add_tests - /init, the test scripts and the guest programs.
add_tests() {
	local f
	install -m 0755 "$VM/init" "$root/init"
	install -D -m 0644 "$VM/lib.sh" "$root/tests/lib.sh"
	for f in "$VM"/tests/*.sh; do
		install -m 0755 "$f" "$root/tests/"
	done
	mkdir -p "$root/tests/bin" "$root/tests/lib"
	[[ -d $guestbin ]] || return 0
	while read -r f; do
		case $f in
		*.so | *.so.*) copy_elf "$f" "/tests/lib/$(basename "$f")" ;;
		*) copy_elf "$f" "/tests/bin/$(basename "$f")" ;;
		esac
	done < <(find "$guestbin" -maxdepth 1 -type f \( -perm -u+x -o -name '*.so*' \))
}

mkdir -p "$root"/{bin,sbin,usr/bin,proc,sys,dev,tmp,run,mnt,etc}
add_busybox
add_tools
add_kernel_modules "$@"
add_tests
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | lz4 -l -q >"$out.tmp"
mv "$out.tmp" "$out"
