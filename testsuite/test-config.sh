#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The configuration layer.  First test-config's unit tests under the trap
# (search paths, masking, directives, bad lines, modules.softdep/weakdep, the
# kernel command line, change detection, iterators).  Then whole trees read
# through the public iterators ("test-config dump") against golden text, and
# against Debian's "modprobe -c" run under the same trap on the same tree:
# same configuration text, same messages.  Last, this machine's own
# configuration, without the trap.
#
# Where kmod 30 (Debian's) and this library differ on purpose, the tree keeps
# out of the comparison and a golden test covers it: kmod 30 does not read
# DISTCONFDIR (/usr/lib/modprobe.d) nor modules.weakdep, does not know weakdep,
# still reads *.alias files, keeps '-' in modprobe.blacklist= names, and prints
# a softdep with both lists as "pre: a bpost: c" (its rendering bug; the
# comparison puts the space back).

# shellcheck disable=SC2034
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

prog=$top_builddir/testsuite/test-config
deb_modprobe=/usr/sbin/modprobe

need_or_skip_all "trap library" test -f "$TRAP_LIB"
need_or_skip_all "test-config" test -x "$prog"

unset KMOD_LOG TRAP_RESULTS TRAP_LOG MODPROBE_OPTIONS
TRAP_UNAME_R=6.1.0-test
TRAP_ROOT=$testdir/root
moddir=$TRAP_ROOT/lib/modules/$TRAP_UNAME_R

# ---- 1. unit tests -------------------------------------------------------------

mkdir -p "$TRAP_ROOT"
trap_run_tap unit "$prog" unit

# The same under memcheck whenever valgrind is installed: no error, no leak.
if sanitizer_build; then
	skip "$no_valgrind_reason"
elif command -v valgrind > /dev/null 2>&1; then
	rm -rf "$TRAP_ROOT"
	mkdir -p "$TRAP_ROOT"
	# valgrind's launcher runs under the trap too: let it reach its own files.
	vg_dirs=$(dirname "$(command -v valgrind)"):/usr/libexec/valgrind:/usr/lib/x86_64-linux-gnu/valgrind
	TRAP_PASSTHROUGH=$top_builddir:$top_srcdir:$testdir:$vg_dirs \
		trap_run_tap "unit (memcheck)" valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect,possible \
		--log-file="$testdir/valgrind.log" "$prog" unit
	if [ -s "$testdir/valgrind.log" ]; then
		sed 's/^/# /' "$testdir/valgrind.log"
		not_ok "unit (memcheck): valgrind is silent"
	else
		ok "unit (memcheck): valgrind is silent"
	fi
else
	skip "valgrind is not installed"
fi

# ---- trees ---------------------------------------------------------------------

fresh() {
	rm -rf "$TRAP_ROOT"
	mkdir -p "$TRAP_ROOT/proc" "$moddir"
}
# put LOGICAL-PATH: stdin becomes that file of the tree
put() {
	mkdir -p "$(dirname "$TRAP_ROOT$1")"
	cat > "$TRAP_ROOT$1"
}

# messages FILE [ERE]: the log lines of FILE (those matching ERE) without the
# logger's prefix, "libkmod: ERROR: fn: " for ours and "libkmod: ERROR
# file:line fn: " for Debian's: "ERROR: text".
messages() {
	grep -E -- "${2:-.}" "$1" |
		sed -n -E 's/^libkmod: ([A-Z]+):? ([^ ]+:[0-9]+ )?[A-Za-z0-9_]+: /\1: /p'
}

# debian_config FILE: Debian's modprobe -c output cut where the index dumps
# start, with the space kmod 30 leaves out before "post:" put back.
debian_config() {
	sed -e '/^# End of configuration files/,$d' -e '/^softdep /s/\([^ ]\)post: /\1 post: /' "$1"
}

# ours ARGS...: our configuration (ours_out) and messages (ours_msg).
ours() {
	trap_run "$prog" dump "$@"
	ours_rc=$trap_rc ours_out=$trap_out
	ours_msg=$(messages "$testdir/stderr")
}

# debian ARGS...: Debian's (deb_out, deb_msg); only its config layer's messages.
debian() {
	trap_run "$deb_modprobe" -c "$@"
	deb_out=$(debian_config "$testdir/stdout")
	deb_msg=$(messages "$testdir/stderr" 'libkmod-config\.c')
}

have_debian=false
if need_or_skip "Debian's kmod (/usr/sbin/modprobe)" test -x "$deb_modprobe"; then
	have_debian=true
fi

# same DESC [ARGS...]: our dump and Debian's modprobe -c agree on the tree.
same() {
	_desc=$1
	shift
	ours "$@"
	is "$ours_rc" 0 "$_desc: dump succeeds"
	$have_debian || return 0
	debian "$@"
	is "$ours_out" "$deb_out" "$_desc: same configuration as Debian's modprobe -c"
	is "$ours_msg" "$deb_msg" "$_desc: same messages as Debian's modprobe -c"
}

# golden DESC WANT-OUT WANT-MSG [ARGS...]: our dump against fixed text.
golden() {
	_desc=$1 _want=$2 _wantmsg=$3
	shift 3
	ours "$@"
	is "$ours_out" "$_want" "$_desc: configuration"
	is "$ours_msg" "$_wantmsg" "$_desc: messages"
}

# ---- 2. search paths -----------------------------------------------------------

fresh
echo 'alias a etc' | put /etc/modprobe.d/10-a.conf
echo 'alias a run' | put /run/modprobe.d/10-a.conf
echo 'alias a usrlocal' | put /usr/local/lib/modprobe.d/10-a.conf
echo 'alias a lib' | put /lib/modprobe.d/10-a.conf
echo 'alias b run' | put /run/modprobe.d/20-b.conf
echo 'alias b lib' | put /lib/modprobe.d/20-b.conf
echo 'alias c usrlocal' | put /usr/local/lib/modprobe.d/30-c.conf
echo 'alias c lib' | put /lib/modprobe.d/30-c.conf
echo 'alias e lib' | put /lib/modprobe.d/05-e.conf
: | put /etc/modprobe.d/60-g.conf
echo 'blacklist masked' | put /lib/modprobe.d/60-g.conf
echo 'blacklist masked_too' | put /lib/modprobe.d/70-h.conf
ln -s /dev/null "$TRAP_ROOT/etc/modprobe.d/70-h.conf"
echo 'blacklist bak' | put /etc/modprobe.d/x.conf.bak
echo 'blacklist hidden' | put /etc/modprobe.d/.hidden.conf
echo 'blacklist readme' | put /run/modprobe.d/README
echo 'blacklist in_sub' | put /run/modprobe.d/sub.conf/x.conf
echo 'blacklist in_subdir' | put /run/modprobe.d/subdir/x.conf
same "default paths, masking, filtering"
golden "default paths, masking, filtering" \
	"$(printf 'alias e lib\nalias a etc\nalias b run\nalias c usrlocal')" \
	"ERROR: Directories inside directories are not supported: /run/modprobe.d/sub.conf"
same "-C in reverse order" -C /lib/modprobe.d -C /usr/local/lib/modprobe.d -C /etc/modprobe.d

# DISTCONFDIR sits between /usr/local/lib and /lib (kmod 30 has no such path).
echo 'alias c usrlib' | put /usr/lib/modprobe.d/30-c.conf
echo 'alias d usrlib' | put /usr/lib/modprobe.d/40-d.conf
echo 'alias d lib' | put /lib/modprobe.d/40-d.conf
golden "/usr/lib/modprobe.d" \
	"$(printf 'alias e lib\nalias a etc\nalias b run\nalias c usrlocal\nalias d usrlib')" \
	"ERROR: Directories inside directories are not supported: /run/modprobe.d/sub.conf"

fresh
echo 'alias b d1' | put /cfg/d1/b.conf
echo 'alias d d1' | put /cfg/d1/d.conf
echo 'alias c single' | put /cfg/c.conf
echo 'alias d other' | put /cfg/other/d.conf
echo 'alias a single' | put /cfg/a.conf
echo 'alias b d2' | put /cfg/d2/b.conf
echo 'alias e d2' | put /cfg/d2/e.conf
echo 'alias zz single' | put /cfg/zz-file
same "single files and directories" -C /cfg/d1 -C /cfg/c.conf -C /cfg/other/d.conf \
	-C /cfg/a.conf -C /cfg/missing -C /cfg/d2 -C /cfg/zz-file
golden "single files and directories" \
	"$(printf 'alias a single\nalias b d1\nalias c single\nalias d d1\nalias e d2\nalias zz single')" \
	"" -C /cfg/d1 -C /cfg/c.conf -C /cfg/other/d.conf -C /cfg/a.conf -C /cfg/missing \
	-C /cfg/d2 -C /cfg/zz-file

# ---- 3. directives -------------------------------------------------------------

fresh
# Backslashes and $ are the file's own.
# shellcheck disable=SC1003,SC2016
printf '%s\n' \
	'# comment' \
	' 	 ' \
	'alias pci:v00008086d*sv*sd*bc0Csc03i30* xhci-hcd' \
	'alias snd-card-[0-9]* snd-[a-z0-9-]x' \
	'alias  	spaced	 mod-x  trailing words' \
	'alias onlyone' \
	'alias un]matched mod' \
	'alias good un[matched' \
	'options snd-hda-intel   index=1	model=auto  ' \
	'options lonely' \
	'options  mod-y	a=1\' \
	'	b=2' \
	'install mod-z /sbin/modprobe --ignore-install mod-z $CMDLINE_OPTS;	echo done' \
	'remove mod-z /bin/true' \
	'install lonely' \
	'blacklist nouveau' \
	'blacklist bad-name extra words' \
	'blacklist' \
	'   # an indented hash is a word' \
	'\# an escaped hash starts a comment' \
	'in\clude-ish x' \
	'include /etc/other.conf' \
	'config keep_old' \
	'frobnicate a b' \
	'options esc a\=b\\c' \
	'alias joined\' \
	'-name mod\' \
	'-w' \
	'bogus\' \
	'line' \
	'options m "quoted value"' \
	'softdep s-1 pre: a b' \
	'softdep s2 post: c' \
	'softdep s3 x y' \
	'softdep s4 pre:' \
	'softdep s5' \
	'softdep s6 pre: a b post: c d' \
	'softdep s]7 pre: a' | put /etc/modprobe.d/all.conf
printf 'blacklist last-one' | put /etc/modprobe.d/zz-no-newline.conf
same "every directive"
golden "every directive" "$(cat << 'EOF'
blacklist nouveau
blacklist bad_name
blacklist last_one
install mod_z /sbin/modprobe --ignore-install mod-z $CMDLINE_OPTS;	echo done
remove mod_z /bin/true
alias pci:v00008086d*sv*sd*bc0Csc03i30* xhci_hcd
alias snd_card_[0-9]* snd_[a-z0-9-]x
alias spaced mod_x
alias joined_name mod_w
options snd_hda_intel   index=1 model=auto  
options mod_y a=1 b=2
options esc a=b\c
options m "quoted value"
softdep s_1 pre: a b
softdep s2 post: c
softdep s3 
softdep s4 
softdep s6 pre: a b post: c d
EOF
)" "$(cat << 'EOF'
ERROR: /etc/modprobe.d/all.conf line 6: ignoring bad line starting with 'alias'
ERROR: /etc/modprobe.d/all.conf line 7: ignoring bad line starting with 'alias'
ERROR: /etc/modprobe.d/all.conf line 8: ignoring bad line starting with 'alias'
ERROR: /etc/modprobe.d/all.conf line 10: ignoring bad line starting with 'options'
ERROR: /etc/modprobe.d/all.conf line 15: ignoring bad line starting with 'install'
ERROR: /etc/modprobe.d/all.conf line 18: ignoring bad line starting with 'blacklist'
ERROR: /etc/modprobe.d/all.conf line 19: ignoring bad line starting with '#'
ERROR: /etc/modprobe.d/all.conf line 21: ignoring bad line starting with 'include-ish'
ERROR: /etc/modprobe.d/all.conf: command include is deprecated and not parsed anymore
ERROR: /etc/modprobe.d/all.conf: command config is deprecated and not parsed anymore
ERROR: /etc/modprobe.d/all.conf line 24: ignoring bad line starting with 'frobnicate'
ERROR: /etc/modprobe.d/all.conf line 30: ignoring bad line starting with 'bogusline'
ERROR: /etc/modprobe.d/all.conf line 36: ignoring bad line starting with 'softdep'
ERROR: /etc/modprobe.d/all.conf line 38: ignoring bad line starting with 'softdep'
EOF
)"

# weakdep (kmod 33) and *.alias files (no longer read since kmod 33).
fresh
printf 'weakdep w-1 a b-c\nweakdep w2 pre: x\nweakdep w3\n' | put /etc/modprobe.d/w.conf
echo 'blacklist from_alias_file' | put /etc/modprobe.d/old.alias
golden "weakdep" "$(printf 'weakdep w_1 a b-c\nweakdep w2 pre: x')" \
	"ERROR: /etc/modprobe.d/w.conf line 3: ignoring bad line starting with 'weakdep'"

# A file of 16 MiB is read, one byte more is not (util/conffile.c): the
# files beside it still are.
fresh
{ echo 'blacklist edge'; head -c $((16 * 1024 * 1024 - 15)) /dev/zero | tr '\0' '#'; } |
	put /etc/modprobe.d/a-16mib.conf
{ echo 'blacklist over'; head -c $((16 * 1024 * 1024 - 14)) /dev/zero | tr '\0' '#'; } |
	put /etc/modprobe.d/b-over.conf
echo 'blacklist small' | put /etc/modprobe.d/c.conf
golden "16 MiB files" "$(printf 'blacklist edge\nblacklist small')" \
	"ERROR: /etc/modprobe.d/b-over.conf: larger than 16 MiB, not read"

# ---- 4. the module directory's files -----------------------------------------------

fresh
printf '# Soft dependencies extracted from modules themselves.\nsoftdep m1 pre: x\nblacklist 3\n' \
	> "$moddir/modules.softdep"
echo 'blacklist 1' | put /etc/modprobe.d/lib.conf
echo 'blacklist 2' | put /etc/modprobe.d/modules.conf
echo 'blacklist 5' | put /etc/modprobe.d/modz.conf
same "modules.softdep among the configuration files"
printf '# Weak dependencies extracted from modules themselves.\nweakdep m2 y\nblacklist 4\n' \
	> "$moddir/modules.weakdep"
golden "modules.softdep and modules.weakdep among the configuration files" \
	"$(printf 'blacklist 1\nblacklist 2\nblacklist 3\nblacklist 4\nblacklist 5\nsoftdep m1 pre: x\nweakdep m2 y')" ""
golden "another module directory" "$(printf 'blacklist 1\nblacklist 2\nblacklist 5')" "" \
	-d /nonexistent

# ---- 5. the kernel command line ------------------------------------------------------

# kcmdline DESC CMDLINE [ARGS...]: only /proc/cmdline (no trailing newline added)
kcmdline() {
	_kdesc=$1
	fresh
	printf '%s' "$2" > "$TRAP_ROOT/proc/cmdline"
	shift 2
	same "kcmdline: $_kdesc" "$@"
}
nl='
'
kcmdline "plain" "initrd=\\initramfs-linux.img mod_simple.foo mod_simple.bar=1 root=/dev/sda2 rootfstype=ext4 add_efi_memmap quiet rw$nl"
kcmdline "quoted values" "psmouse.foo psmouse.bar=1 psmouse.foobar=\"test 1\" psmouse.\"invalid option\" \" notamodule\" \"noteamodule2 \" notamodule3 quiet rw$nl"
kcmdline "dot in brackets" "psmouse.foo=2 ivrs_acpihid[14:00.5]=AMD0020:00 psmouse.bar=1 psmouse.zinga=test$nl"
kcmdline "'=' before the dot" "console=ttyS0,115200n8 acpi_osi=Linux.x m.p=1$nl"
kcmdline "quoted value with dots" "psmouse.foo parport.dyndbg=\"file drivers/parport/ieee1284_ops.c +mpf\" quiet rw$nl"
kcmdline "grub's quoting" "psmouse.foo \"parport.dyndbg=file drivers/parport/ieee1284_ops.c +mpf\" quiet rw$nl"
kcmdline "blacklists" "modprobe.blacklist=foo,bar modprobe.blacklist=foo2 quiet modprobe.blacklist=bar2 rw modprobe.blacklist=foobar$nl"
kcmdline "names with '-'" "snd-hda-intel.power_save=1 mod-x.p-q=a-b$nl"
kcmdline "any whitespace separates" "$(printf 'a.b=1\nc.d=2\r\ne.f=3\vg.h=4\fi.j=5\tk.l=6 a\t.m=7\n\n')"
kcmdline "whitespace in a quoted value" "$(printf 'a.b="x\ty\nz" c.d=1\n')"
kcmdline "no newline" "a.b=1 c.d"
kcmdline "empty" ""
kcmdline "odd words" "mod.=x .p=1 m. modprobe.blacklist=a,,b a.b.c=1 \"q.r=1\"\" a.b=x	y a.c=\"x y c.d=1$nl"
kcmdline "with no configuration path" "a.k=1$nl" -C /nonexistent
echo 'options a file' | put /cfg/a.conf
same "kcmdline: after the files" -C /cfg
golden "kcmdline: after the files" "$(printf 'options a file\noptions a k=1')" "" -C /cfg
fresh
printf 'modprobe.blacklist=foo-bar,b-2\n' > "$TRAP_ROOT/proc/cmdline"
golden "kcmdline: blacklisted names are normalised too" \
	"$(printf 'blacklist foo_bar\nblacklist b_2')" ""

# ---- 6. this machine ---------------------------------------------------------------

# kmod 30's search list, given explicitly to both: DISTCONFDIR is ours only.
if $have_debian; then
	set -- -C /etc/modprobe.d -C /run/modprobe.d -C /usr/local/lib/modprobe.d \
		-C /lib/modprobe.d
	if ls /etc/modprobe.d/*.alias /run/modprobe.d/*.alias /usr/local/lib/modprobe.d/*.alias \
		/lib/modprobe.d/*.alias > /dev/null 2>&1 || grep -q 'modprobe\.blacklist=[^ ]*-' /proc/cmdline; then
		skip "this machine's configuration: *.alias files or '-' in modprobe.blacklist="
	else
		"$prog" dump "$@" > "$testdir/ours.out" 2> "$testdir/ours.err"
		"$deb_modprobe" -c "$@" > "$testdir/deb.out" 2> "$testdir/deb.err"
		# kmod 30 never prints weakdep lines (from modules.weakdep, if any).
		is "$(grep -v '^weakdep ' "$testdir/ours.out")" "$(debian_config "$testdir/deb.out")" \
			"this machine's configuration: same as Debian's modprobe -c ($(wc -l < "$testdir/ours.out") lines)"
		is "$(messages "$testdir/ours.err")" "$(messages "$testdir/deb.err" 'libkmod-config\.c')" \
			"this machine's configuration: same messages"
	fi
fi

done_testing
