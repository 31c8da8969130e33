#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The test trap itself: faked module syscalls (log lines, TRAP_RESULTS, the
# sys/module state), path redirection under TRAP_ROOT for every wrapped libc
# function, uname, and a check that the built tools import no file function
# the trap does not wrap.  Driven through testsuite/trap-driver.

# The TRAP_* variables are read by trap_run.
# shellcheck disable=SC2034
# shellcheck source=testsuite/lib.sh
. "${top_srcdir:?}/testsuite/lib.sh"

driver=${TRAP_DRIVER:-$top_builddir/testsuite/trap-driver}
fixtures=${TRAP_FIXTURES:-$top_builddir/testsuite/fixtures}

need_or_skip_all "trap library ($TRAP_LIB)" test -f "$TRAP_LIB"
need_or_skip_all "trap-driver" test -x "$driver"
need_or_skip_all "fixture modules" test -f "$fixtures/dummy.ko"

unset TRAP_ROOT TRAP_RESULTS TRAP_UNAME_R TRAP_PASSTHROUGH
TRAP_LOG=$testdir/trap.log

drv() {
	trap_run "$driver" "$@"
}

log() {
	cat "$TRAP_LOG" 2> /dev/null
}

sha256() {
	sha256sum "$1" | cut -d' ' -f1
}

tailhex() {
	tail -c 40 "$1" | od -An -tx1 -v | tr -d ' \n'
}

size() {
	wc -c < "$1" | tr -d ' '
}

# A trap built without libcrypto logs "sha256=-".
trap_sha=yes
init_line() { # FILE PARAMS
	_sha=-
	[ "$trap_sha" = no ] || _sha=$(sha256 "$1")
	echo "init_module len=$(size "$1") sha256=$_sha tail=$(tailhex "$1") params=$2"
}

# ---- safety ----------------------------------------------------------------

"$driver" uname > /dev/null 2> "$testdir/err"
is "$?:$(cat "$testdir/err")" "2:trap-driver: the trap is not preloaded, refusing to run" \
	"driver refuses to run without the trap"

# ---- module syscalls: log lines ---------------------------------------------

dummy=$fixtures/dummy.ko
dummy_real=$(readlink -f "$dummy")

: > "$TRAP_LOG"
drv init_module "$dummy" "numdummies=3 x=y"
is "$trap_out" "ret=0 errno=0" "init_module succeeds by default"
case $(log) in
*" sha256=- "*) need_or_skip "trap built with libcrypto (sha256)" false || trap_sha=no ;;
esac
is "$(log)" "$(init_line "$dummy" "numdummies=3 x=y")" "init_module log line (len, sha256, tail, params)"

: > "$TRAP_LOG"
drv init-syscall "$fixtures/dummy-signed.ko" ""
is "$trap_out" "ret=0 errno=0" "syscall(SYS_init_module) succeeds"
is "$(log)" "$(init_line "$fixtures/dummy-signed.ko" "")" "syscall(SYS_init_module) log line"
like "$(log)" "tail=00000200000000000000[0-9a-f]{4}7e4d6f64756c65207369676e617475726520617070656e6465647e0a params=\$" \
	"tail shows the signature trailer of a signed module"

: > "$TRAP_LOG"
drv finit_module "$dummy" 0 "a=1"
drv finit_module "$dummy" 4 ""
drv finit-libc "$dummy" 3 "b=2"
is "$trap_out" "ret=0 errno=0" "finit_module() symbol succeeds"
is "$(log)" "finit_module file=$dummy_real flags=0 params=a=1
finit_module file=$dummy_real flags=4 params=
finit_module file=$dummy_real flags=3 params=b=2" "finit_module log lines, syscall and libc symbol, appended"

: > "$TRAP_LOG"
drv finit_module - 0 ""
is "$trap_out:$(log)" "ret=-1 errno=EBADF:finit_module file=? flags=0 params=" \
	"finit_module on a bad fd: EBADF, file=?"

: > "$TRAP_LOG"
drv delete_module dummy 0x800
drv delete-syscall mod_foo_a 0xa00
is "$trap_out" "ret=0 errno=0" "delete_module succeeds by default without a root"
is "$(log)" "delete_module name=dummy flags=0x800
delete_module name=mod_foo_a flags=0xa00" "delete_module log lines, symbol and syscall"

rm -f "$TRAP_LOG"
unset TRAP_LOG
drv delete_module dummy 0
is "$trap_out:$(test -e "$testdir/trap.log" || echo none)" "ret=0 errno=0:none" \
	"without TRAP_LOG nothing is logged"
TRAP_LOG=$testdir/trap.log

# ---- TRAP_RESULTS -----------------------------------------------------------

foo_a=$fixtures/mod-foo-a.ko

TRAP_RESULTS="init_module=ENOKEY"
drv init_module "$dummy" ""
is "$trap_out" "ret=-1 errno=ENOKEY" "general rule: errno name"

TRAP_RESULTS="init_module:dummy=0 init_module=ENOKEY"
drv init_module "$dummy" ""
is "$trap_out" "ret=0 errno=0" "module rule beats a later general rule"

TRAP_RESULTS="init_module=ENOKEY init_module:mod-foo-a=EKEYREJECTED"
drv init_module "$foo_a" ""
is "$trap_out" "ret=-1 errno=EKEYREJECTED" "module rule matches the ELF name mod_foo_a as mod-foo-a"
drv init_module "$dummy" ""
is "$trap_out" "ret=-1 errno=ENOKEY" "another module's rule does not apply"

TRAP_RESULTS="init_module=EBADMSG init_module=129"
drv init_module "$dummy" ""
is "$trap_out" "ret=-1 errno=EKEYREJECTED" "numeric result, last general rule wins"

TRAP_RESULTS="finit_module:mod_foo_a=EEXIST finit_module=ENOSYS"
drv finit_module "$foo_a" 0 ""
is "$trap_out" "ret=-1 errno=EEXIST" "finit_module rule by file name (mod-foo-a.ko -> mod_foo_a)"
drv finit-libc "$dummy" 0 ""
is "$trap_out" "ret=-1 errno=ENOSYS" "finit_module general rule"

TRAP_RESULTS="finit_module:dummy=EPERM"
: > "$TRAP_LOG"
drv finit-memfd "$dummy" 0 ""
is "$trap_out" "ret=-1 errno=EPERM" "memfd: module name read from the contents"
like "$(log)" "^finit_module file=/memfd:kmod-test \\(deleted\\) flags=0 params=\$" "memfd: log line"

TRAP_RESULTS="delete_module:dummy=EWOULDBLOCK delete_module=EBUSY"
drv delete_module dummy 0x800
is "$trap_out" "ret=-1 errno=EAGAIN" "delete_module module rule (EWOULDBLOCK = EAGAIN)"
drv delete_module other 0
is "$trap_out" "ret=-1 errno=EBUSY" "delete_module general rule"

TRAP_RESULTS="init_module=0 delete_module=ENOPKG"
drv init_module "$dummy" ""
is "$trap_out" "ret=0 errno=0" "explicit 0"
drv init-syscall "$dummy" ""
is "$trap_out" "ret=0 errno=0" "rules of one call do not leak into another"

TRAP_RESULTS="init_module=EWHATEVER"
drv init_module "$dummy" ""
is "$trap_rc:$trap_err" "99:kmod-trap: invalid TRAP_RESULTS rule 'init_module=EWHATEVER'" \
	"an invalid rule stops the program"
TRAP_RESULTS="init_module"
drv init_module "$dummy" ""
is "$trap_rc" 99 "a rule without '=' stops the program"
unset TRAP_RESULTS

# ---- module names from hand-made ELF images ---------------------------------

# elf_int SIZE VALUE: an integer in $elf_endian byte order.
elf_int() {
	_n=$1 _v=$2 _i=0 _list=
	while [ "$_i" -lt "$_n" ]; do
		_b=$(((_v >> (8 * _i)) & 255))
		if [ "$elf_endian" = le ]; then
			_list="$_list $_b"
		else
			_list="$_b $_list"
		fi
		_i=$((_i + 1))
	done
	for _b in $_list; do
		# shellcheck disable=SC2059
		printf "\\$(printf '%03o' "$_b")"
	done
}

zeros() {
	head -c "$1" /dev/zero
}

# mkelf 32|64 le|be NAME: a relocatable ELF with only .shstrtab and a
# .gnu.linkonce.this_module holding NAME where struct module keeps it.
mkelf() {
	elf_endian=$2
	if [ "$1" = 64 ]; then
		w=8 eh=64 sh=64 nameoff=24 class=2
	else
		w=4 eh=52 sh=40 nameoff=12 class=1
	fi
	[ "$2" = le ] && data=1 || data=2
	stroff=$eh
	modoff=$((eh + 40))
	shoff=$((modoff + 128))
	printf '\177ELF'
	elf_int 1 "$class"
	elf_int 1 "$data"
	elf_int 1 1
	zeros 9
	elf_int 2 1 && elf_int 2 0 && elf_int 4 1
	elf_int $w 0 && elf_int $w 0 && elf_int $w $shoff
	elf_int 4 0 && elf_int 2 $eh && elf_int 2 0 && elf_int 2 0
	elf_int 2 $sh && elf_int 2 3 && elf_int 2 1
	printf '\0.shstrtab\0.gnu.linkonce.this_module\0\0\0\0'
	zeros $nameoff
	printf '%s' "$3"
	zeros $((128 - nameoff - ${#3}))
	zeros $sh
	elf_int 4 1 && elf_int 4 3 && elf_int $w 0 && elf_int $w 0
	elf_int $w $stroff && elf_int $w 37 && elf_int 4 0 && elf_int 4 0
	elf_int $w 1 && elf_int $w 0
	elf_int 4 11 && elf_int 4 1 && elf_int $w 3 && elf_int $w 0
	elf_int $w $modoff && elf_int $w 128 && elf_int 4 0 && elf_int 4 0
	elf_int $w 8 && elf_int $w 0
}

long55=$(printf '%055d' 0 | tr 0 n)
for kind in "32 le elf32le_mod" "32 be elf32be_mod" "64 be elf64be_mod" "64 le elf64le_mod" \
	"64 le $long55" "64 le ${long55}n ?" "32 le ${long55}nnnnn ?"; do
	# shellcheck disable=SC2086
	set -- $kind
	mkelf "$1" "$2" "$3" > "$testdir/image.ko"
	want=${4:-$3}
	TRAP_RESULTS="init_module:$want=ENOEXEC"
	drv init_module "$testdir/image.ko" ""
	is "$trap_out" "ret=-1 errno=ENOEXEC" "ELF$1 $2: module name '$(echo "$want" | cut -c1-12)' found"
done

head -c 300 "$dummy" > "$testdir/image.ko"
TRAP_RESULTS="init_module:?=ENOEXEC"
drv init_module "$testdir/image.ko" ""
is "$trap_out" "ret=-1 errno=ENOEXEC" "truncated ELF: name '?'"
drv init_module "$fixtures/cert.pem" ""
is "$trap_out" "ret=-1 errno=ENOEXEC" "not an ELF: name '?'"
unset TRAP_RESULTS

# ---- sys/module state under TRAP_ROOT ---------------------------------------

TRAP_ROOT=$testdir/root
mkdir -p "$TRAP_ROOT"
sysmod=$TRAP_ROOT/sys/module

drv init_module "$dummy" ""
is "$trap_out" "ret=0 errno=0" "load with a root"
is "$(cat "$sysmod/dummy/initstate"):$(cat "$sysmod/dummy/refcnt"):$(cat "$sysmod/dummy/coresize")" \
	"live:0:$(size "$dummy")" "sys/module/dummy: initstate live, refcnt 0, coresize"
is "$(test -d "$sysmod/dummy/holders" && ls -A "$sysmod/dummy/holders" && echo empty)" "empty" \
	"sys/module/dummy/holders is an empty directory"
: > "$TRAP_LOG"
drv init_module "$dummy" ""
is "$trap_out" "ret=-1 errno=EEXIST" "second load: EEXIST"
is "$(log)" "$(init_line "$dummy" "")" "the failed load is logged too"

drv finit_module "$foo_a" 0 ""
is "$trap_out:$(cat "$sysmod/mod_foo_a/initstate"):$(cat "$sysmod/mod_foo_a/coresize")" \
	"ret=0 errno=0:live:$(size "$foo_a")" "finit_module creates sys/module/mod_foo_a"
drv finit-libc "$foo_a" 0 ""
is "$trap_out" "ret=-1 errno=EEXIST" "finit_module of a live module: EEXIST"

printf 'coming\n' > "$sysmod/mod_foo_a/initstate"
drv init_module "$foo_a" ""
is "$trap_out" "ret=-1 errno=EEXIST" "a coming module counts as loaded"

mkdir -p "$sysmod/mod_foo_b"
printf 'going\n' > "$sysmod/mod_foo_b/initstate"
drv init_module "$fixtures/mod-foo-b.ko" ""
is "$trap_out:$(cat "$sysmod/mod_foo_b/initstate")" "ret=0 errno=0:live" "a going module can load again"

TRAP_RESULTS="init_module=ENOKEY"
drv init_module "$fixtures/mod-foo.ko" ""
is "$trap_out:$(test -e "$sysmod/mod_foo" && echo exists)" "ret=-1 errno=ENOKEY:" \
	"a failed load leaves no state"
unset TRAP_RESULTS

mkdir -p "$sysmod/dummy/holders" "$sysmod/dummy/sections"
echo 0x0 > "$sysmod/dummy/sections/.text"
TRAP_RESULTS="delete_module:dummy=EBUSY"
drv delete_module dummy 0x800
is "$trap_out:$(cat "$sysmod/dummy/initstate")" "ret=-1 errno=EBUSY:live" "a failed removal keeps the state"
unset TRAP_RESULTS
drv delete_module dummy 0x800
is "$trap_out:$(test -e "$sysmod/dummy" || echo gone)" "ret=0 errno=0:gone" \
	"removal deletes sys/module/dummy recursively"
drv delete-syscall dummy 0
is "$trap_out" "ret=-1 errno=ENOENT" "removing a module that is not loaded: ENOENT"
drv delete_module ../module 0
is "$trap_out:$(test -d "$sysmod" && echo kept)" "ret=-1 errno=ENOENT:kept" \
	"a name with '/' never touches the tree"

mkdir -p "$TRAP_ROOT/lib/modules/6.1.0-test/kernel"
cp "$dummy" "$TRAP_ROOT/lib/modules/6.1.0-test/kernel/dummy.ko"
: > "$TRAP_LOG"
drv finit_module /lib/modules/6.1.0-test/kernel/dummy.ko 0 ""
is "$trap_out:$(log)" "ret=0 errno=0:finit_module file=/lib/modules/6.1.0-test/kernel/dummy.ko flags=0 params=" \
	"finit_module logs the logical path of a file under the root"

# ---- path redirection ------------------------------------------------------

mkdir -p "$TRAP_ROOT/etc"
unique=kmod-trap-test-$$
printf 'hello from the root\n' > "$TRAP_ROOT/etc/$unique"
touch "$TRAP_ROOT/lib/modules/6.1.0-test/a" "$TRAP_ROOT/lib/modules/6.1.0-test/b"
ln -s ../a/target "$TRAP_ROOT/etc/$unique.link"
is "$(test -e "/etc/$unique" || echo absent)" absent "the probe file exists only in the root"

for f in open open64 __open_2 __open64_2 openat openat64 __openat_2 __openat64_2 fopen \
	fopen64 freopen freopen64; do
	drv open $f "/etc/$unique"
	is "$trap_out" "hello from the root
ret=0 errno=0" "$f redirects"
done
drv open open "/etc/$unique.missing"
is "$trap_out" "ret=-1 errno=ENOENT" "open of a file missing in the root: ENOENT"

for f in stat stat64 lstat lstat64 fstatat fstatat64 __xstat __xstat64 __lxstat __lxstat64 \
	__fxstatat __fxstatat64 statx; do
	drv stat $f "/etc/$unique"
	is "$trap_out" "size=20
ret=0 errno=0" "$f redirects"
done

for f in access faccessat euidaccess eaccess; do
	drv access $f "/etc/$unique"
	is "$trap_out" "ret=0 errno=0" "$f redirects"
done

for f in readlink readlinkat __readlink_chk __readlinkat_chk; do
	drv readlink $f "/etc/$unique.link"
	is "$trap_out" "../a/target
ret=0 errno=0" "$f redirects"
done

for f in opendir scandir scandir64 scandirat; do
	drv dir $f /lib/modules/6.1.0-test
	is "$trap_out" "a
b
kernel
ret=0 errno=0" "$f redirects"
done

for f in realpath __realpath_chk canonicalize_file_name; do
	drv realpath $f /lib/modules/../../etc/./$unique
	is "$trap_out" "/etc/$unique
ret=0 errno=0" "$f redirects and returns the logical path"
done

for f in getcwd __getcwd_chk get_current_dir_name; do
	drv getcwd $f /etc "$unique"
	is "$trap_out" "/etc
hello from the root
ret=0 errno=0" "chdir redirects, $f returns the logical path"
done

mkdir -p "$TRAP_ROOT/usr/share/walk/sub"
touch "$TRAP_ROOT/usr/share/walk/sub/file"
drv nftw nftw /usr/share/walk
is "$trap_out" "/usr/share/walk base=walk level=0
/usr/share/walk/sub base=sub level=1
/usr/share/walk/sub/file base=file level=2
ret=0 errno=0" "nftw redirects and reports logical paths"
drv nftw nftw64 /usr/share/walk/sub
is "$trap_out" "/usr/share/walk/sub base=sub level=0
/usr/share/walk/sub/file base=file level=1
ret=0 errno=0" "nftw64 redirects and reports logical paths"

for f in mkdir mkdirat; do
	drv path $f "/new-$f"
	is "$trap_out:$(test -d "$TRAP_ROOT/new-$f" && echo made)" "ret=0 errno=0:made" "$f redirects"
done
drv path rmdir /new-mkdir
is "$trap_out:$(test -e "$TRAP_ROOT/new-mkdir" || echo gone)" "ret=0 errno=0:gone" "rmdir redirects"

for f in unlink unlinkat remove; do
	touch "$TRAP_ROOT/etc/del-$f"
	drv path $f "/etc/del-$f"
	is "$trap_out:$(test -e "$TRAP_ROOT/etc/del-$f" || echo gone)" "ret=0 errno=0:gone" "$f redirects"
done

for f in rename renameat renameat2; do
	touch "$TRAP_ROOT/etc/from-$f"
	drv rename $f "/etc/from-$f" "/etc/to-$f"
	moved=$(test ! -e "$TRAP_ROOT/etc/from-$f" && test -e "$TRAP_ROOT/etc/to-$f" && echo moved)
	is "$trap_out:$moved" "ret=0 errno=0:moved" "$f redirects both names"
done

for f in link linkat; do
	touch "$TRAP_ROOT/etc/from-$f"
	drv rename $f "/etc/from-$f" "/etc/to-$f"
	linked=$(test "$TRAP_ROOT/etc/from-$f" -ef "$TRAP_ROOT/etc/to-$f" && echo linked)
	is "$trap_out:$linked" "ret=0 errno=0:linked" "$f redirects both names"
done

for f in truncate truncate64; do
	printf 'abcdef' > "$TRAP_ROOT/etc/trunc-$f"
	drv path $f "/etc/trunc-$f"
	is "$trap_out:$(cat "$TRAP_ROOT/etc/trunc-$f")" "ret=0 errno=0:abc" "$f redirects"
done

for f in creat creat64; do
	drv path $f "/etc/new-$f"
	is "$trap_out:$(cat "$TRAP_ROOT/etc/new-$f")" "ret=0 errno=0:created" "$f redirects"
done

drv path chmod "/etc/new-creat"
is "$trap_out:$(stat -c %a "$TRAP_ROOT/etc/new-creat")" "ret=0 errno=0:700" "chmod redirects"

for f in mkstemp mkostemp mkdtemp; do
	drv mkstemp $f "/etc/tmp-$f.XXXXXX"
	name=$(echo "$trap_out" | head -n 1)
	like "$trap_out" "^/etc/tmp-$f\\.[A-Za-z0-9]{6}
ret=0 errno=0\$" "$f fills in the caller's template"
	is "$(test -e "$TRAP_ROOT$name" && echo exists)" exists "$f creates the file under the root"
done

# An fd from a redirected open points into the root; names relative to it stay.
drv openat-dir /etc "$unique"
is "$trap_out" "hello from the root
ret=0 errno=0" "openat() relative to a redirected directory fd"
drv openat-dir /lib "/etc/$unique"
is "$trap_out" "hello from the root
ret=0 errno=0" "openat() of an absolute name with a directory fd redirects too"

drv open open "$TRAP_ROOT/etc/$unique"
is "$trap_out" "hello from the root
ret=0 errno=0" "a path already under the root is left alone"

mkdir -p "$testdir/cwd"
printf 'relative\n' > "$testdir/cwd/rel"
(cd "$testdir/cwd" && drv open open rel && echo "$trap_out") > "$testdir/rel.out"
is "$(cat "$testdir/rel.out")" "relative
ret=0 errno=0" "relative paths are not redirected"

# ---- pass-through -----------------------------------------------------------

drv open open /dev/null
is "$trap_out" "ret=0 errno=0" "/dev passes through"
drv stat stat /proc/self/status
like "$trap_out" "^size=0
ret=0 errno=0\$" "/proc/self passes through"
drv stat stat /proc/cmdline
is "$trap_out" "ret=-1 errno=ENOENT" "/proc (not self) is redirected"

tmpfile=$(mktemp /tmp/kmod-trap.XXXXXX)
printf 'in tmp\n' > "$tmpfile"
drv open open "$tmpfile"
is "$trap_out" "in tmp
ret=0 errno=0" "/tmp passes through"
rm -f "$tmpfile"

# A directory outside the root that no built-in rule passes through.
outside=$top_builddir/testsuite/trap-outside.$$
case $outside in
/tmp/* | /dev/* | /proc/self/*)
	skip "the build tree is under a built-in pass-through prefix"
	;;
*)
	mkdir -p "$outside"
	printf 'outside\n' > "$outside/file"
	TRAP_PASSTHROUGH=
	drv open open "$outside/file"
	is "$trap_out" "ret=-1 errno=ENOENT" "without pass-through a build-tree path is redirected"
	TRAP_PASSTHROUGH="/nonexistent:$outside/"
	drv open open "$outside/file"
	is "$trap_out" "outside
ret=0 errno=0" "TRAP_PASSTHROUGH prefixes (colon list, trailing /) pass through"
	TRAP_PASSTHROUGH="$outside-other"
	drv open open "$outside/file"
	is "$trap_out" "ret=-1 errno=ENOENT" "a pass-through prefix matches whole path components only"
	unset TRAP_PASSTHROUGH
	drv open open "$outside/file"
	is "$trap_out" "outside
ret=0 errno=0" "trap_run passes the build tree through by default"
	rm -rf "$outside"
	;;
esac

# ---- uname, other syscalls ------------------------------------------------

TRAP_UNAME_R=6.1.0-test
drv uname
is "$trap_out" "6.1.0-test
ret=0 errno=0" "TRAP_UNAME_R replaces the release"
unset TRAP_UNAME_R
drv uname
is "$trap_out" "$(uname -r)
ret=0 errno=0" "without TRAP_UNAME_R the release is real"
drv getpid-syscall
is "$trap_out" "same
ret=0 errno=0" "other syscall() numbers reach the kernel"
unset TRAP_ROOT

# ---- nothing escapes: tools import only trapped file functions --------------

file_funcs="open open64 __open_2 __open64_2 openat openat64 __openat_2 __openat64_2
creat creat64 fopen fopen64 freopen freopen64 stat stat64 lstat lstat64 fstatat fstatat64
__xstat __xstat64 __lxstat __lxstat64 __fxstatat __fxstatat64 statx __stat64_time64
__lstat64_time64 __fstatat64_time64 access faccessat euidaccess eaccess readlink
readlinkat __readlink_chk __readlinkat_chk opendir scandir scandir64 scandirat mkdir mkdirat
unlink unlinkat remove rename renameat renameat2 rmdir chdir realpath __realpath_chk
canonicalize_file_name truncate truncate64 chmod fchmodat chown lchown fchownat mkstemp
mkostemp mkstemps mkostemps mkdtemp nftw nftw64 ftw ftw64 fts_open glob glob64 symlink
symlinkat link linkat utime utimes utimensat mknod mknodat mkfifo statfs statfs64 statvfs
statvfs64 name_to_handle_at inotify_add_watch init_module finit_module delete_module
syscall uname"

nm_symbols() { # defined|undefined FILE
	nm -D --"$1"-only "$2" | awk '{ print $NF }' | sed 's/@.*//' | sort -u
}

if need_or_skip "nm" nm --version; then
	nm_symbols defined "$TRAP_LIB" > "$testdir/trapped"
	is "$(nm_symbols undefined "$TRAP_LIB" | grep -E '^(kmod_|elf_|util_)')" "" \
		"the trap imports nothing of libkmod or util/"

	bins=${TRAP_COVERAGE_BINS:-}
	if [ -z "$bins" ]; then
		for b in "$top_builddir/tools/.libs/kmod" "$top_builddir/libkmod/.libs/libkmod.so.2"; do
			[ -f "$b" ] && bins="$bins $b"
		done
	fi
	if [ -z "$bins" ]; then
		skip "no tool binaries built yet (TRAP_COVERAGE_BINS empty)"
	fi
	# shellcheck disable=SC2086,SC2116
	funcs=" $(echo $file_funcs) "
	for b in $bins; do
		missing=
		for s in $(nm_symbols undefined "$b"); do
			case $funcs in
			*" $s "*) grep -qx -- "$s" "$testdir/trapped" || missing="$missing $s" ;;
			esac
		done
		is "${missing# }" "" "$(basename "$b"): every imported file function is trapped"
	done
fi

done_testing
