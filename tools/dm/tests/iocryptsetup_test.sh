#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test of tools/dm/iocryptsetup's command line: cryptsetup's
# conventions (--opt=VALUE and --opt VALUE, COMMAND --help, --version,
# --key-file - from stdin, exit status 1 for wrong parameters, 4 for a
# wrong device, 5 for an existing mapping), keys never on an argv, and
# remove refusing what is neither crypt nor iocrypt unless --force.
# dmsetup is a fake on PATH that keeps tables in files and logs every
# argv; the block device is a device node made with mknod, never opened.
# The guest test iocrypt_tools runs the same tool against real dm.
#
#   iocryptsetup_test.sh SHELL TOOL MAKEFILE
#
# SHELL is the shell to run TOOL with: "dash", "busybox sh" (the guest's).
#
# Prints "ok ID" / "FAIL ID why" per check; exits 1 if any failed, 77
# (skip) when device nodes cannot be made.
set -u
TOOL=$2 MAKEFILE=$3
# SHELL's program by its full path (PATH changes below), its arguments kept
# shellcheck disable=SC2086 # "busybox sh" is two words
set -- $1
SH="$(command -v "$1") ${2:-}"
T=$(mktemp -d /tmp/iocryptsetup-test.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
failed=0

ok() { echo "ok $1"; }
fail() {
	echo "FAIL $1 $2"
	failed=1
}

# check ID WHY CMD... - ok when CMD succeeds, else fail with WHY.
check() {
	id=$1 why=$2
	shift 2
	if "$@"; then
		ok "$id"
	else
		fail "$id" "$why"
	fi
}

# shellcheck disable=SC2317 # called through check
absent() { [ ! -e "$1" ]; }

mkdir -p "$T/bin" "$T/dm"
: >"$T/dm/argv.log"
if ! mknod "$T/blk" b 7 200 2>/dev/null; then
	echo "skip: cannot make a block device node (not root?)"
	exit 77
fi

# The fake dmsetup: state in $FAKE_DM/NAME (the table), argv log in
# $FAKE_DM/argv.log.
cat >"$T/bin/dmsetup" <<'EOF'
#!/bin/sh
echo "$*" >>"$FAKE_DM/argv.log"
cmd=$1
shift
for a in "$@"; do
	case $a in
	-*) ;;
	*) name=$a ;;
	esac
done
case $cmd in
info) [ -f "$FAKE_DM/$name" ] ;;
table) [ -f "$FAKE_DM/$name" ] && cat "$FAKE_DM/$name" ;;
create)
	[ -f "$FAKE_DM/$name" ] && { echo "device $name exists" >&2; exit 1; }
	cat >"$FAKE_DM/$name"
	;;
remove) [ -f "$FAKE_DM/$name" ] && rm "$FAKE_DM/$name" ;;
status)
	[ -f "$FAKE_DM/$name" ] || exit 1
	awk '{ print $1, $2, $3, 1, 2, 3, 4, 5, 6, $4 }' "$FAKE_DM/$name"
	;;
*) echo "fake dmsetup: $cmd not faked" >&2; exit 1 ;;
esac
EOF
chmod +x "$T/bin/dmsetup"
export FAKE_DM="$T/dm"
PATH="$T/bin:$PATH"

# run [STDIN-FILE] -- ARGS...: the tool under $SH; sets $out (stdout and
# stderr) and $rc.
run() {
	in=/dev/null
	if [ "$1" != -- ]; then
		in=$1
		shift
	fi
	shift
	# shellcheck disable=SC2086 # SH is a program and its arguments
	out=$($SH "$TOOL" "$@" <"$in" 2>&1)
	rc=$?
}

# expect ID RC PATTERN - the last run exited RC and printed PATTERN (grep -E).
expect() {
	if [ "$rc" != "$2" ]; then
		fail "$1" "exit status $rc, want $2: $out"
	elif ! printf '%s\n' "$out" | grep -qE -- "$3"; then
		fail "$1" "output does not match '$3': $out"
	else
		ok "$1"
	fi
}

table_of() { cat "$FAKE_DM/$1" 2>/dev/null; }

# --version, help
want=$(sed -n 's/^VERSION := //p' "$MAKEFILE")
run -- --version
expect version 0 "^iocryptsetup $want\$"
run -- --help
expect help 0 '^Usage: iocryptsetup '
for c in create switch status remove; do
	run -- "$c" --help
	expect "help.$c" 0 "^Usage: iocryptsetup $c "
	run -- help "$c"
	expect "help.topic.$c" 0 "^Usage: iocryptsetup $c "
done
# --help needs no dmsetup (Debian has it in /usr/sbin only)
# shellcheck disable=SC2086
out=$(PATH=/usr/bin:/bin $SH "$TOOL" create x --help 2>&1)
rc=$?
expect help.no_dmsetup 0 '^Usage: iocryptsetup create'

# wrong parameters: exit status 1, with a hint
run --
expect usage.none 1 '^Usage:'
run -- frobnicate
expect usage.command 1 "unknown command 'frobnicate'"
run -- create t "$T/blk" --key-file "$T/k" --bogus
expect usage.option 1 "create: unknown option '--bogus'"
run -- create t "$T/blk" --cipher
expect usage.novalue 1 'option --cipher needs a value'
run -- create t "$T/blk" --key-file=
expect usage.emptyvalue 1 'option --key-file needs a value'
run -- create t "$T/blk" --key-file=x --read-only=yes
expect usage.flagvalue 1 'option --read-only takes no value'
run -- create t
expect usage.nodevice 1 'NAME and DEVICE required'
run -- create t "$T/blk"
expect usage.nokey 1 'exactly one of'
run -- create t "$T/blk" --hex-key-file=x --key-size 100
expect usage.keysize 1 'key-size must be'
run -- create t "$T/blk" --hex-key-file=x --offset=ten
expect usage.offset 1 "'ten' is not a number"
run -- switch
expect usage.switch 1 'switch: NAME required'
run -- switch x --to=sideways
expect usage.switch_to 1 'to must be iocrypt or crypt'
run -- remove a b
expect usage.remove 1 "unexpected argument 'b'"
case $out in
*"Try 'iocryptsetup remove --help'."*) ok usage.hint ;;
*) fail usage.hint "no hint: $out" ;;
esac

# create: both option forms, options before and after the arguments
head -c 64 /dev/urandom >"$T/key"
hex=$(od -An -v -tx1 "$T/key" | tr -d ' \n')
run -- create --size=2048 t1 "$T/blk" --key-file "$T/key" --sector-size=4096 \
	--allow-discards --offset 8
expect create.forms 0 'created'
want="0 2048 iocrypt aes-xts-plain64 $hex 0 $T/blk 8 2 allow_discards sector_size:4096"
check create.table "$(table_of t1)" [ "$(table_of t1)" = "$want" ]

# --key-file - reads the key from stdin; --hex-key-file - too
run "$T/key" -- create t2 "$T/blk" --key-file - --size 2048
expect create.stdin 0 'created'
check create.stdin_table "$(table_of t2)" \
	[ "$(table_of t2)" = "0 2048 iocrypt aes-xts-plain64 $hex 0 $T/blk 0" ]
printf '%s\n' "$hex" | cut -c 1-64 >"$T/hexkey"
run "$T/hexkey" -- create t3 "$T/blk" --hex-key-file=- --cipher aes-cbc-essiv:sha256 \
	--size 2048
expect create.hexstdin 0 'created'
case $(table_of t3) in
"0 2048 iocrypt aes-cbc-essiv:sha256 $(cut -c 1-64 "$T/hexkey") 0 $T/blk 0") ok create.hex_table ;;
*) fail create.hex_table "$(table_of t3)" ;;
esac
head -c 10 /dev/urandom >"$T/short"
run "$T/short" -- create t4 "$T/blk" --key-file - --size 2048
expect create.short_stdin 1 'has 10 bytes, the key needs 64'

# no key on any argv dmsetup saw
if grep -q "$(printf '%s' "$hex" | cut -c 1-16)" "$FAKE_DM/argv.log"; then
	fail create.key_off_argv "a key reached dmsetup's argv: $(cat "$FAKE_DM/argv.log")"
else
	ok create.key_off_argv
fi

# cryptsetup's exit status for a wrong device (4) and an existing mapping (5)
run -- create t1 "$T/blk" --key-file "$T/key" --size 2048
expect create.exists 5 'exists already'
run -- create t9 "$T/key" --key-file "$T/key"
expect create.notblock 4 'not a block device'
run -- status nosuch
expect status.nomap 4 'no mapping nosuch'
run -- switch nosuch
expect switch.nomap 4 'no mapping nosuch'

# status hides the key unless --showkeys (before or after NAME)
run -- status t1
if printf '%s\n' "$out" | grep -q "$hex"; then
	fail status.hides "key shown: $out"
else
	expect status.hides 0 '^table: 0 2048 iocrypt aes-xts-plain64 0+ '
fi
run -- status --showkeys t1
expect status.showkeys 0 "$hex"

# remove: crypt and iocrypt only, unless --force
echo "0 2048 linear $T/blk 0" >"$FAKE_DM/root"
run -- remove root
expect remove.refuses 1 "'linear' mapping, not crypt or iocrypt"
check remove.kept "the linear mapping is gone" [ -f "$FAKE_DM/root" ]
: >"$FAKE_DM/empty"
run -- remove empty
expect remove.notable 1 'has no table'
run -- remove --force root
expect remove.force 0 ''
check remove.forced "still there" absent "$FAKE_DM/root"
echo "0 2048 crypt aes-xts-plain64 $hex 0 $T/blk 0" >"$FAKE_DM/c"
run -- remove c
expect remove.crypt 0 ''
run -- remove t1
expect remove.iocrypt 0 ''
check remove.gone "t1 still there" absent "$FAKE_DM/t1"
run -- remove t1
expect remove.nomap 4 'no mapping t1'

exit "$failed"
