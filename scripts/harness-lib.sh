# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared bash helpers for the aio_attr build and test harness.
# Source it from a harness script that runs under `set -euo pipefail`.

# Project root (this file lives in scripts/).
AA_PROJ=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Cache for downloads and big builds, shared between clones.
# shellcheck disable=SC2034 # used by the scripts that source this
AA_CACHE=${AIO_ATTR_CACHE:-/var/cache/aio_attr}
# Where per-clone outputs go.
AA_BUILD=$AA_PROJ/build
AA_RESULTS=$AA_BUILD/results

# The kernel series to build and test against: KVER=6.1 (Debian 12's, the
# host's own linux-headers-amd64) or KVER=6.12 (Debian 13's, from the
# headers in the trixie build root AA_TRIXIE_ROOT).  Outputs and results of
# the per-kernel layers carry it in their names, so that runs for the two
# kernels do not overwrite each other.
AA_KVER=${KVER:-6.1}
case $AA_KVER in
6.1 | 6.12) ;;
*)
	echo "error: KVER=$AA_KVER: supported are 6.1 and 6.12" >&2
	exit 1
	;;
esac
# shellcheck disable=SC2034 # used by the scripts that source this
AA_TRIXIE_ROOT=${AA_TRIXIE_ROOT:-$AA_CACHE/trixie-root}

# Kernel messages that fail a run (guest dmesg, the UML KUnit log).  Reports
# of the debug options start with "BUG:" (KASAN, KFENCE, sleeping in atomic
# context, scheduling while atomic) or "WARNING:" (lockdep, ODEBUG); their
# other forms are listed too in case a report's first line is lost.
AA_BAD_KERNEL_RE='WARNING:|BUG:|Oops|general protection|lockdep|possible recursive locking'
AA_BAD_KERNEL_RE+='|circular locking|KASAN|kmemleak|Objects remaining|UBSAN|Kernel panic'
AA_BAD_KERNEL_RE+='|blocked for more than|rcu.*detected stall|list_(add|del) corruption|refcount_t:'
AA_BAD_KERNEL_RE+='|sleeping function called from invalid context|scheduling while atomic'
AA_BAD_KERNEL_RE+='|KFENCE|ODEBUG:.*object type|ODEBUG.*disabled|inconsistent lock state'
AA_BAD_KERNEL_RE+='|INFO: trying to register non-static key|suspicious RCU usage'
# Lines that match but report nothing (boot banners of the debug options).
AA_KERNEL_OK_RE='RCU lockdep checking is enabled'

# aa_kernel_reports LOG OUT - write the kernel-report lines of LOG to OUT;
# true if there are any.
aa_kernel_reports() {
	grep -E "$AA_BAD_KERNEL_RE" "$1" | grep -vE "$AA_KERNEL_OK_RE" >"$2"
}

# aa_step MSG... - print a progress line with a timestamp (on stderr, so
# that scripts can print their result on stdout).
aa_step() {
	printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2
}

# aa_die MSG... - print an error and exit 1.
aa_die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# aa_kver - the kernel release to build and test against: $KV, the release
# of $KDIR, or that of the Debian headers for $KVER (scripts/kver.sh).
aa_kver() {
	if [[ -n ${KV:-} ]]; then
		echo "$KV"
	elif [[ -n ${KDIR:-} ]]; then
		cat "$KDIR/include/config/kernel.release"
	else
		"$AA_PROJ/scripts/kver.sh" "$AA_KVER"
	fi
}

# aa_our_modules DIR - the .ko files the kbuild of the tree (or of a copy)
# in DIR produced.
aa_our_modules() {
	local top=$1
	find "$top/fs" "$top/drivers" -name '*.ko' 2>/dev/null || true
}

# aa_kbuild_tree - where `make modules` builds our modules for $AA_KVER: in
# the tree for 6.1, in its copy build/kbuild-6.12 for 6.12 (made by
# scripts/trixie-root.sh kbuild, so that the 6.1 objects stay).
aa_kbuild_tree() {
	if [[ $AA_KVER == 6.1 ]]; then
		echo "$AA_PROJ"
	else
		echo "$AA_BUILD/kbuild-$AA_KVER"
	fi
}

# aa_check_vermagic KO... - die unless our modules KO... are built for $KV
# (a stale tree, or KV and KVER that do not match).
aa_check_vermagic() {
	local ko vm
	for ko in "$@"; do
		vm=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
		[[ ${vm%% *} == "$KV" ]] ||
			aa_die "$ko is built for '${vm%% *}', not $KV: run 'make modules KVER=$AA_KVER'"
	done
}

# aa_result LAYER PASSED FAILED [SKIPPED] - record the counts of one layer
# for scripts/check.sh and print them.  A per-kernel layer is named
# NAME/KVER (e.g. vmtest/6.12) and recorded in build/results/NAME/KVER.res.
aa_result() {
	local layer=$1 passed=$2 failed=$3 skipped=${4:-0}
	mkdir -p "$(dirname "$AA_RESULTS/$layer")"
	echo "$passed $failed $skipped" >"$AA_RESULTS/$layer.res"
	echo "$layer: $passed passed, $failed failed, $skipped skipped"
}

# aa_failures LAYER FILE - keep the lines of FILE that name the failures of
# LAYER (one per failure, "test: why") for the summary of `make check`,
# which prints them beside the counts: a CI log may keep only its last
# lines.  Nothing is kept for an empty or missing FILE.
aa_failures() {
	local layer=$1 file=$2
	rm -f "$AA_RESULTS/$layer.fail"
	[[ -s $file ]] || return 0
	mkdir -p "$(dirname "$AA_RESULTS/$layer")"
	cp "$file" "$AA_RESULTS/$layer.fail"
}

# aa_cache_get DIR FUNC [ARGS...] - make sure cache directory DIR exists,
# filling it with `FUNC TMPDIR ARGS...` if not.  FUNC works in a temporary
# directory that is renamed to DIR only on success, under a lock, so a killed
# run never leaves a half-filled cache entry behind and parallel runs wait
# for each other.
aa_cache_get() {
	local dir=$1 func=$2 tmp rc
	shift 2
	[[ -d $dir ]] && return 0
	mkdir -p "$(dirname "$dir")"
	exec {lockfd}>"$dir.lock"
	flock "$lockfd"
	if [[ ! -d $dir ]]; then
		tmp=$dir.tmp.$$
		rm -rf "$dir".tmp.*
		mkdir -p "$tmp"
		rc=0
		"$func" "$tmp" "$@" >&2 || rc=$?
		if ((rc != 0)); then
			rm -rf "$tmp"
			exec {lockfd}>&-
			aa_die "could not fill cache entry $dir"
		fi
		mv "$tmp" "$dir"
	fi
	exec {lockfd}>&-
}

# aa_apt ARGS... - apt-get without its noise about the _apt sandbox user
# (root downloading into a root-owned cache directory).
aa_apt() {
	apt-get "$@" 2> >(grep -v 'unsandboxed as root' >&2)
}

# aa_apt_update - run `apt-get update` unless this harness did in the last
# 6 hours (a fresh machine has no usable package lists).
aa_apt_update() {
	local stamp=/var/lib/apt/periodic/aio_attr-update-stamp
	if [[ -z $(find "$stamp" -mmin -360 2>/dev/null) ]]; then
		aa_step "apt-get update"
		apt-get update -q >/dev/null
		mkdir -p "$(dirname "$stamp")"
		touch "$stamp"
	fi
}

# aa_private_apt DIR - make DIR a private apt state (package lists, a download
# cache and DIR/parts, where the caller puts its .sources files) and set the
# array AA_APT_OPTS to the apt-get options that use it instead of the host's
# sources and lists.  The host's apt configuration stays untouched.
aa_private_apt() {
	local dir=$1
	mkdir -p "$dir/parts" "$dir/lists/partial" "$dir/cache/archives/partial"
	AA_APT_OPTS=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$dir/parts"
		-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache")
}

# aa_debian_mirror - the Debian archive the host's apt sources use (the
# first deb822 entry ending in /debian), else deb.debian.org.
aa_debian_mirror() {
	local uri
	uri=$(sed -n 's|^URIs:[[:space:]]*\([^[:space:]]*/debian\)/\{0,1\}[[:space:]]*$|\1|p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
	echo "${uri:-http://deb.debian.org/debian}"
}

# aa_trixie_apt - set AA_APT_OPTS for Debian 13 (trixie) main, binary and
# source packages, from a private apt state in the cache shared by every
# clone; its lists are refreshed when older than 6 hours.
aa_trixie_apt() {
	local dir=$AA_CACHE/apt-trixie lock
	aa_private_apt "$dir"
	exec {lock}>"$dir.lock"
	flock "$lock"
	if [[ ! -f $dir/parts/trixie.sources ]]; then
		cat >"$dir/parts/trixie.sources" <<-EOF
			Types: deb deb-src
			URIs: $(aa_debian_mirror)
			Suites: trixie
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
	fi
	if [[ -z $(find "$dir/updated" -mmin -360 2>/dev/null) ]]; then
		aa_step "apt-get update (private trixie lists in $dir)"
		aa_apt "${AA_APT_OPTS[@]}" update -q >/dev/null </dev/null ||
			aa_die "apt-get update of the trixie lists failed"
		touch "$dir/updated"
	fi
	exec {lock}>&-
}

# aa_linux_source - set AA_KSRC_TARBALL and AA_KSRC_VERSION to the kernel
# source of $AA_KVER: Debian 12's linux-source-6.1 package (installed by
# `make deps`), or trixie's linux-source-6.12 of the same upstream release
# as the 6.12 headers, whose tarball is fetched once into the cache.
aa_linux_source() {
	local kv up
	if [[ $AA_KVER == 6.1 ]]; then
		AA_KSRC_TARBALL=/usr/src/linux-source-6.1.tar.xz
		[[ -f $AA_KSRC_TARBALL ]] || aa_die "$AA_KSRC_TARBALL missing; run 'make deps'"
		AA_KSRC_VERSION=$(dpkg-query -W -f='${Version}' linux-source-6.1)
		return
	fi
	kv=$(aa_kver)
	up=${kv%%[-+]*}
	aa_trixie_apt
	AA_KSRC_VERSION=$(apt-cache "${AA_APT_OPTS[@]}" madison "linux-source-$AA_KVER" |
		awk -v up="$up" '$3 ~ "^" up "-" { print $3; exit }')
	[[ -n $AA_KSRC_VERSION ]] ||
		aa_die "trixie has no linux-source-$AA_KVER of release $up (kernel $kv)"
	AA_KSRC_TARBALL=$AA_CACHE/linux-source-tarball/$AA_KSRC_VERSION/linux-source-$AA_KVER.tar.xz
	aa_cache_get "$(dirname "$AA_KSRC_TARBALL")" aa_fetch_linux_source
}

# aa_fetch_linux_source DIR - download trixie's linux-source-$AA_KVER
# $AA_KSRC_VERSION and keep only its tarball, in DIR.
aa_fetch_linux_source() {
	local dir=$1
	aa_step "downloading linux-source-$AA_KVER $AA_KSRC_VERSION (trixie, ~150 MB)"
	(cd "$dir" && aa_apt "${AA_APT_OPTS[@]}" download -q \
		"linux-source-$AA_KVER=$AA_KSRC_VERSION" </dev/null) || return
	dpkg-deb --fsys-tarfile "$dir"/linux-source-*.deb |
		tar -xO "./usr/src/linux-source-$AA_KVER.tar.xz" >"$dir/linux-source-$AA_KVER.tar.xz" ||
		return
	rm -f "$dir"/linux-source-*.deb
}

# aa_heartbeat_start MSG / aa_heartbeat_stop - print "MSG (still running,
# Ns)" every 30 s in the background, for long silent steps.
aa_heartbeat_start() {
	local msg=$1 t0=$SECONDS
	(while sleep 30; do aa_step "$msg (still running, $((SECONDS - t0))s)"; done) &
	AA_HEARTBEAT=$!
}
aa_heartbeat_stop() {
	[[ -n ${AA_HEARTBEAT:-} ]] && kill "$AA_HEARTBEAT" 2>/dev/null
	AA_HEARTBEAT=
}

# aa_host_tsc_khz - the host's TSC frequency in kHz from its kernel log
# (the refined calibration if there is one), or nothing if unreadable.
aa_host_tsc_khz() {
	dmesg 2>/dev/null | sed -nE \
		's/.*tsc: (Refined TSC clocksource calibration:|Detected) ([0-9]+)\.([0-9]{3}) MHz.*/\2\3/p' |
		tail -n1
}

# aa_qemu_start HARD KIMG INITRD LOG OUT APPEND [QEMU-ARG...] - boot the test guest (the
# Debian kernel $KV from the unpacked image KIMG, TCG, 2 vCPUs, $VM_MEM or
# 1G) in the background, bounded by HARD seconds; the serial console goes
# to LOG, qemu's own output to OUT, APPEND is added to the kernel command
# line; further arguments go to qemu as they are (extra devices).  The pid
# is left in AA_QEMU_PID.
aa_qemu_start() {
	local hard=$1 kimg=$2 initrd=$3 log=$4 out=$5 append=$6 tsc
	shift 6
	# Under TCG the guest's TSC counts at the host's rate, but the guest
	# measures that rate against an emulated timer at boot: on a loaded
	# host 6.12 got it several times too low (its clock ran ~5x fast,
	# test timeouts and latency figures with it).  Tell it the rate.
	tsc=$(aa_host_tsc_khz)
	[[ -n $tsc ]] && append="tsc_early_khz=$tsc $append"
	timeout -k 10 "$hard" qemu-system-x86_64 -M q35 -cpu max -m "${VM_MEM:-1G}" -smp 2 \
		-accel tcg,thread=multi -nic none -display none -monitor none \
		-serial "file:$log" -no-reboot \
		-kernel "$kimg/boot/vmlinuz-$KV" -initrd "$initrd" \
		-append "console=ttyS0 quiet panic=-1 clocksource=tsc tsc=reliable $append" \
		"$@" </dev/null >"$out" 2>&1 &
	# shellcheck disable=SC2034 # read by the caller
	AA_QEMU_PID=$!
}
