#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the libraries' install tests: install_tree PROJ installs the
# userspace part of `make install` (install-user install-headers) with
# DESTDIR=$root PREFIX=/usr into a temporary directory removed on exit.
# Sets tmp and root; fail MSG... exits 1 with the test's name.

fail() {
	echo "${0##*/}: $*" >&2
	exit 1
}

install_tree() {
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # tmp is fixed now
	trap "rm -rf '$tmp'" EXIT
	root=$tmp/root
	# A make started from ctest under `make utest` must not join its jobserver.
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$1" install-user \
		install-headers DESTDIR="$root" PREFIX=/usr >"$tmp/install.log" 2>&1; then
		cat "$tmp/install.log" >&2
		fail "make install-user install-headers DESTDIR=$root PREFIX=/usr failed"
	fi
}
