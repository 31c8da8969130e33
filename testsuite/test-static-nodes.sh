#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kmod static-nodes under the path trap: the three formats against
# testsuite/golden/static-nodes/, --output with its parent directories, a
# missing or broken modules.devname, bad lines, write errors, usage; then the
# same cases against Debian's kmod.

# The case_* functions are called by name: SC2317.
# shellcheck disable=SC2034,SC2317
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

kmod=$top_builddir/tools/kmod
deb_kmod=/usr/bin/kmod
golden=$top_srcdir/testsuite/golden/static-nodes

need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "kmod" test -x "$kmod"

unset TRAP_RESULTS TRAP_LOG
TRAP_ROOT=$testdir/root
TRAP_UNAME_R=6.1.0-test
devname=$TRAP_ROOT/lib/modules/6.1.0-test/modules.devname

# The modules.devname depmod writes for some real modules, plus a block device.
devname_text='# Device nodes to trigger on-demand module loading.
fuse fuse c10:229
cuse cuse c10:203
btrfs btrfs-control c10:234
loop loop-control c10:237
tun net/tun c10:200
dm_mod mapper/control c10:236
snd_timer snd/timer c116:33
uhid uhid c10:239
blkfoo blk/foo/bar b8:0'

fresh() {
	rm -rf "$TRAP_ROOT" "$testdir/out"
	mkdir -p "$TRAP_ROOT/lib/modules/6.1.0-test"
	printf '%s\n' "$devname_text" > "$devname"
	args=
}

# ---- the cases -------------------------------------------------------------------

case_default() { fresh; args=""; }
case_human() { fresh; args="--format=human"; }
case_tmpfiles() { fresh; args="-f tmpfiles"; }
case_devname() { fresh; args="--format devname"; }
case_output() { fresh; args="-f tmpfiles -o /run/tmpfiles.d/static-nodes.conf"; }
case_output_long() { fresh; args="--format=tmpfiles --output=/run/a/b/c/kmod.conf"; }
case_output_relative() { fresh; args="-o out/sub/nodes.txt"; }
case_missing() { fresh; rm "$devname"; args="-f tmpfiles -o /run/x/static-nodes.conf"; }
case_empty() { fresh; : > "$devname"; args="-f tmpfiles"; }
case_comments() { fresh; printf '# one\n#two\n' > "$devname"; args=""; }
case_dir() { fresh; rm "$devname"; mkdir "$devname"; args=""; }
case_fifo() { fresh; rm "$devname"; mkfifo "$devname"; args=""; }
case_chardev() { fresh; rm "$devname"; mknod "$devname" c 1 3; args=""; }
case_bad_lines() {
	fresh
	printf 'fuse fuse c10:229\nbad line\n\n   \nx y z5:4\nq w c3\nm n c 1:2\nt\tu\tb7:8 extra words\nlast line c1:2' \
		> "$devname"
	args="-f devname"
}
case_bad_last() { fresh; printf 'fuse fuse c10:229\nno newline' > "$devname"; args="-f devname"; }
case_unknown_format() { fresh; args="-f xml"; }
case_help() { fresh; args="-h"; }
case_help_long() { fresh; args="--help extra"; }
case_extra_args() { fresh; args="-f devname extra args"; }
case_badopt() { fresh; args="-x"; }
case_noarg() { fresh; args="--format"; }
case_noarg_short() { fresh; args="-o"; }
case_output_empty() { fresh; args="-o ''"; }
case_parent_file() { fresh; : > "$TRAP_ROOT/plain"; args="-o /plain/x.conf"; }
case_full() { fresh; args="-o /dev/full"; }

run() { # TOOL
	_tool=$1
	eval "trap_run timeout -k 5 20 \"\$_tool\" static-nodes $args"
}

# check CASE RC GOLDEN|- STDERR: exit code, stdout (a golden file or empty), stderr.
check() {
	"case_$1"
	run "$kmod"
	is "$trap_rc|$trap_err" "$2|$4" "$1: exit $2, stderr"
	if [ "$3" = - ]; then
		is "$trap_out" "" "$1: nothing on stdout"
	else
		is_file "$testdir/stdout" "$golden/$3" "$1: stdout is golden/static-nodes/$3"
	fi
}

# ---- 1. formats --------------------------------------------------------------------

check default 0 human.txt ""
check human 0 human.txt ""
check tmpfiles 0 tmpfiles.txt ""
check devname 0 devname.txt ""
check extra_args 0 devname.txt ""

# ---- 2. --output -------------------------------------------------------------------

check output 0 - ""
is_file "$TRAP_ROOT/run/tmpfiles.d/static-nodes.conf" "$golden/tmpfiles.txt" \
	"output: the file, parent directory created"
check output_long 0 - ""
is_file "$TRAP_ROOT/run/a/b/c/kmod.conf" "$golden/tmpfiles.txt" "output_long: several parents"
case_output_relative
cd "$testdir" || exit 1
run "$kmod"
cd "$OLDPWD" || exit 1
is "$trap_rc|$trap_out|$trap_err" "0||" "output_relative: silent"
is_file "$testdir/out/sub/nodes.txt" "$golden/human.txt" "output_relative: below the cwd"
# An existing file is replaced, not appended to.
case_output
mkdir -p "$TRAP_ROOT/run/tmpfiles.d"
echo stale > "$TRAP_ROOT/run/tmpfiles.d/static-nodes.conf"
run "$kmod"
is_file "$TRAP_ROOT/run/tmpfiles.d/static-nodes.conf" "$golden/tmpfiles.txt" "output: replaces the file"

# ---- 3. nothing to do, or a broken input ----------------------------------------------

check missing 0 - "Warning: /lib/modules/6.1.0-test/modules.devname not found - ignoring"
if [ -e "$TRAP_ROOT/run/x" ]; then
	not_ok "missing: no output file created"
else
	ok "missing: no output file created"
fi
check empty 0 - ""
check comments 0 - ""
# Never opened: kmod reads a directory or a device as empty, and hangs on a FIFO.
notreg="Warning: /lib/modules/6.1.0-test/modules.devname is not a regular file - ignoring"
check dir 0 - "$notreg"
check fifo 0 - "$notreg"
if [ "$(id -u)" = 0 ]; then
	check chardev 0 - "$notreg"
else
	skip "chardev: mknod needs root"
fi
check bad_lines 1 bad-lines.txt "Error: invalid devname entry: bad line
Error: invalid devname entry: 
Error: invalid devname entry:    
Error: invalid devname entry: x y z5:4
Error: invalid devname entry: q w c3"
case_bad_last
run "$kmod"
is "$trap_rc|$trap_out|$(od -c "$testdir/stderr" | tail -n 2 | head -n 1)" \
	"1|fuse fuse c10:229|$(printf 'Error: invalid devname entry: no newline' | od -c | tail -n 2 | head -n 1)" \
	"bad_last: the line as read, without a newline it did not have"
like "$trap_err" "^Error: invalid devname entry: no newline$" "bad_last: named"

# ---- 4. usage ------------------------------------------------------------------------

check help 0 help.txt ""
check help_long 0 help.txt ""
check unknown_format 1 help.txt "Unknown format: 'xml'."
check badopt 1 - "static-nodes: invalid option -- 'x'"
check noarg 1 - "static-nodes: option '--format' requires an argument"
check noarg_short 1 - "static-nodes: option requires an argument -- 'o'"
check output_empty 1 - "Error: could not create  - No such file or directory"
# kmod 30 prints "- Success." here (errno was not set).
check parent_file 1 - "Error: could not create parent directory for /plain/x.conf - Not a directory."
# kmod 30 ignores write errors and exits 0.
check full 1 - "Error: could not write /dev/full - No space left on device"

trap_run "$kmod" help
like "$trap_out" "
  static-nodes outputs the static-node information installed with the currently running kernel
" "kmod help lists static-nodes"

# ---- 5. the same answers as Debian's kmod --------------------------------------------
#
# Not compared: parent_file and full (see above), output_relative (its own cwd),
# dir, fifo and chardev (see above).
normalise() { sed -e "s#^$1: #kmod: #" "$testdir/stderr"; }
if need_or_skip "Debian's kmod ($deb_kmod)" test -x "$deb_kmod"; then
	for c in default human tmpfiles devname extra_args output output_long missing empty \
		comments bad_lines bad_last unknown_format help help_long badopt noarg \
		noarg_short output_empty; do
		for impl in ours debian; do
			tool=$kmod
			[ "$impl" = debian ] && tool=$deb_kmod
			"case_$c"
			run "$tool"
			files=$(cd "$TRAP_ROOT" && find . -type f | sort | while read -r f; do
				echo "$f $(cksum < "$f")"
			done)
			eval "${impl}_res=\"\$trap_rc|\$(od -c \"\$testdir/stdout\")|\$files\""
			eval "${impl}_err=\"\$(normalise \"\$tool\")\""
		done
		# shellcheck disable=SC2154 # set by the eval above
		is "$ours_res" "$debian_res" "Debian's kmod static-nodes, $c: same exit code, stdout, files"
		# shellcheck disable=SC2154
		is "$ours_err" "$debian_err" "Debian's kmod static-nodes, $c: same stderr"
	done
fi

done_testing
