// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The configuration layer (libkmod-config*.c) under the trap, which maps the
 * logical "/" to $TRAP_ROOT: search paths, precedence and masking, every
 * directive, bad lines, the module directory's files, the kernel command line,
 * change detection and the public iterators.
 *
 *   test-config unit          TAP unit tests (TRAP_ROOT must be a scratch dir)
 *   test-config dump [-d MODDIR] [-C PATH]...
 *                             the configuration as "modprobe -c" prints it, read
 *                             through the public API only
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libkmod/libkmod-config.h"
#include "testsuite/tap.h"
#include "util/strbuf.h"
#include "util/util.h"

static struct strbuf logbuf;

/* Keeps errors and warnings as "E: text" / "W: text". */
static void log_capture(void *data, int prio, const char *file, int line, const char *fn,
			const char *format, va_list args)
{
	char msg[1024];

	if (prio > LOG_WARNING)
		return;
	vsnprintf(msg, sizeof(msg), format, args);
	strbuf_pushchars(&logbuf, prio == LOG_WARNING ? "W: " : "E: ");
	strbuf_pushchars(&logbuf, msg);
}

static const struct logger lg = { .fn = log_capture, .priority = LOG_DEBUG };

/* ---- the scratch root ---------------------------------------------------------- */

static const char *root;

/* Writes a logical path (redirected by the trap), creating its directories. */
static void put_bytes(const char *path, const char *content, size_t len)
{
	FILE *f;

	if (mkdir_parents(path, 0755) < 0 || (f = fopen(path, "we")) == NULL) {
		printf("Bail out! cannot write %s: %m\n", path);
		exit(1);
	}
	fwrite(content, 1, len, f);
	fclose(f);
}

static void put(const char *path, const char *content)
{
	put_bytes(path, content, strlen(content));
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (ftw->level == 0)
		return 0;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Empties the real root directory, which the trap passes through untouched. */
static void reset(void)
{
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- rendering --------------------------------------------------------------- */

static void push_names(struct strbuf *b, const char *what, const char *const *v,
		       unsigned int n)
{
	strbuf_pushf(b, " %s(", what);
	for (unsigned int i = 0; i < n; i++)
		strbuf_pushf(b, "%s%s", i ? " " : "", v[i]);
	strbuf_pushchar(b, ')');
}

/* Everything, through the internal accessors, in modprobe -c's group order. */
static struct strbuf rendered;

static const char *render(const struct kmod_config *c)
{
	struct strbuf *b = &rendered;
	const struct kmod_list *l;
	const char *const *v;
	unsigned int n;

	strbuf_clear(b);
	kmod_list_foreach (l, c->blacklists)
		strbuf_pushf(b, "blacklist %s\n", kmod_blacklist_get_modname(l));
	kmod_list_foreach (l, c->install_commands)
		strbuf_pushf(b, "install %s %s\n", kmod_command_get_modname(l),
			     kmod_command_get_command(l));
	kmod_list_foreach (l, c->remove_commands)
		strbuf_pushf(b, "remove %s %s\n", kmod_command_get_modname(l),
			     kmod_command_get_command(l));
	kmod_list_foreach (l, c->aliases)
		strbuf_pushf(b, "alias %s %s\n", kmod_alias_get_name(l),
			     kmod_alias_get_modname(l));
	kmod_list_foreach (l, c->options)
		strbuf_pushf(b, "options %s %s\n", kmod_option_get_modname(l),
			     kmod_option_get_options(l));
	kmod_list_foreach (l, c->softdeps) {
		strbuf_pushf(b, "softdep %s", kmod_softdep_get_name(l));
		v = kmod_softdep_get_pre(l, &n);
		push_names(b, "pre", v, n);
		v = kmod_softdep_get_post(l, &n);
		push_names(b, "post", v, n);
		strbuf_pushchar(b, '\n');
	}
	kmod_list_foreach (l, c->weakdeps) {
		strbuf_pushf(b, "weakdep %s", kmod_weakdep_get_name(l));
		v = kmod_weakdep_get_weak(l, &n);
		push_names(b, "weak", v, n);
		strbuf_pushchar(b, '\n');
	}
	return strbuf_str(b);
}

static struct kmod_config *cfg;

/* Reads the configuration into cfg; what it logged is in logbuf. */
static void load(const char *const *paths, const char *moddir, const char *what)
{
	kmod_config_free(cfg);
	cfg = NULL;
	strbuf_clear(&logbuf);
	is_int(kmod_config_new(&lg, paths, moddir, &cfg), 0,
	       "%s: kmod_config_new succeeds", what);
	if (cfg == NULL) {
		printf("Bail out! no configuration\n");
		exit(1);
	}
}

/* One case: the rendering and the log of the configuration read from paths. */
static void check(const char *const *paths, const char *moddir, const char *want,
		  const char *want_log, const char *what)
{
	load(paths, moddir, what);
	is_str(render(cfg), want, "%s: entries", what);
	is_str(strbuf_str(&logbuf), want_log, "%s: messages", what);
}

#define PATHS(...) ((const char *const[]){ __VA_ARGS__, NULL })
static const char *const no_paths[] = { NULL };

/* The real path of a logical one, for calls the trap does not redirect. */
static const char *real(const char *path)
{
	static char buf[PATH_MAX_LEN];

	snprintf(buf, sizeof(buf), "%s%s", root, path);
	return buf;
}

/* ---- search paths ------------------------------------------------------------- */

static void test_precedence(void)
{
	static const char *const want = "alias e lib\nalias a etc\nalias b run\nalias c "
					"usrlocal\nalias d usrlib\n"
					"alias f usrlib\n";

	reset();
	put("/etc/modprobe.d/10-a.conf", "alias a etc\n");
	put("/run/modprobe.d/10-a.conf", "alias a run\n");
	put("/usr/local/lib/modprobe.d/10-a.conf", "alias a usrlocal\n");
	put("/usr/lib/modprobe.d/10-a.conf", "alias a usrlib\n");
	put("/lib/modprobe.d/10-a.conf", "alias a lib\n");
	put("/run/modprobe.d/20-b.conf", "alias b run\n");
	put("/lib/modprobe.d/20-b.conf", "alias b lib\n");
	put("/usr/local/lib/modprobe.d/30-c.conf", "alias c usrlocal\n");
	put("/usr/lib/modprobe.d/30-c.conf", "alias c usrlib\n");
	put("/usr/lib/modprobe.d/40-d.conf", "alias d usrlib\n");
	put("/lib/modprobe.d/40-d.conf", "alias d lib\n");
	put("/lib/modprobe.d/05-e.conf", "alias e lib\n");
	put("/usr/lib/modprobe.d/50-f.conf", "alias f usrlib\n");
	/* An empty file, or a link to /dev/null, masks the vendor's file. */
	put("/etc/modprobe.d/60-g.conf", "");
	put("/lib/modprobe.d/60-g.conf", "blacklist masked\n");
	put("/lib/modprobe.d/70-h.conf", "blacklist masked_too\n");
	if (symlink("/dev/null", real("/etc/modprobe.d/70-h.conf")) < 0)
		printf("# symlink: %m\n");

	check(NULL, NULL, want, "",
	      "default paths: sorted by basename, first directory wins");
	check(kmod_config_default_paths, NULL, want, "",
	      "the default list given explicitly");
	check(PATHS("/lib/modprobe.d", "/nonexistent", "/etc/modprobe.d"), NULL,
	      "blacklist masked\nblacklist masked_too\nalias e lib\nalias a lib\nalias b "
	      "lib\n"
	      "alias d lib\n",
	      "", "-C /lib/modprobe.d -C /etc/modprobe.d: /lib's files win now");
}

static void test_filter(void)
{
	reset();
	put("/cfg/f/a.conf", "blacklist a\n");
	put("/cfg/f/b.conf.bak", "blacklist bak\n");
	put("/cfg/f/c.alias", "blacklist alias_file\n");
	put("/cfg/f/README", "blacklist readme\n");
	put("/cfg/f/.hidden.conf", "blacklist hidden\n");
	put("/cfg/f/d.conf~", "blacklist backup\n");
	put("/cfg/f/e.CONF", "blacklist upper\n");
	put("/cfg/f/sub.conf/x.conf", "blacklist in_sub\n");
	put("/cfg/f/subdir/y.conf", "blacklist in_subdir\n");
	put("/cfg/f/.dot.conf/z.conf", "blacklist in_dotdir\n");
	put("/cfg/f/z.conf", "blacklist z\n");
	check(PATHS("/cfg/f"), NULL, "blacklist a\nblacklist z\n",
	      "E: Directories inside directories are not supported: /cfg/f/sub.conf\n",
	      "only *.conf, no dotfiles, sub-directories reported");
	check(PATHS("/cfg/f/"), NULL, "blacklist a\nblacklist z\n",
	      "E: Directories inside directories are not supported: /cfg/f//sub.conf\n",
	      "a path with a trailing slash is joined as given");
}

static void test_single_files(void)
{
	reset();
	put("/cfg/s/d1/b.conf", "alias b d1\n");
	put("/cfg/s/d1/d.conf", "alias d d1\n");
	put("/cfg/s/c.conf", "alias c single\n");
	put("/cfg/s/other/d.conf", "alias d other\n");
	put("/cfg/s/a.conf", "alias a single\n");
	put("/cfg/s/x/e.conf", "alias e x\n");
	put("/cfg/s/d2/b.conf", "alias b d2\n");
	put("/cfg/s/d2/e.conf", "alias e d2\n");
	put("/cfg/s/d2/f.conf", "alias f d2\n");
	put("/cfg/s/zz-file", "alias zz single\n");
	check(PATHS("/cfg/s/d1", "/cfg/s/c.conf", "/cfg/s/other/d.conf", "/cfg/s/a.conf",
		    "/cfg/s/missing.conf", "/cfg/s/x/e.conf", "/cfg/s/d2",
		    "/cfg/s/zz-file"),
	      NULL,
	      "alias a single\nalias b d1\nalias c single\nalias d d1\nalias e x\nalias "
	      "f d2\n"
	      "alias zz single\n",
	      "", "single files join the list by basename and mask like directories");
	check(PATHS("/cfg/s/zz-file"), NULL, "alias zz single\n", "",
	      "a single file needs no .conf suffix");
	check(no_paths, NULL, "", "", "an empty list reads no file");
}

/* ---- directives ---------------------------------------------------------------- */

/*
 * A logical line of 1001 physical lines, far longer than any fixed buffer,
 * then a NUL that ends the next line early.
 */
static void test_long_line(void)
{
	static const char tail[] = "\nalias nul\0ignored mod\nblacklist after_nul\n";
	_cleanup_strbuf_ struct strbuf big;
	static char want[20100];

	strbuf_init(&big);
	strcpy(want, "blacklist after_nul\noptions big ");
	strbuf_pushchars(&big, "options big ");
	for (int i = 0; i < 2000; i++) {
		strbuf_pushchars(&big, i % 2 ? "0123456\\\n89" : "abcdefghij");
		strcat(want, i % 2 ? "012345689" : "abcdefghij");
	}
	strcat(want, "\n");
	strbuf_pushmem(&big, tail, sizeof(tail) - 1);
	put_bytes("/cfg/d/big.conf", strbuf_str(&big), strbuf_used(&big));
	check(PATHS("/cfg/d/big.conf"), NULL, want,
	      "E: /cfg/d/big.conf line 1002: ignoring bad line starting with 'alias'\n",
	      "a 19 KB logical line, a NUL in a line");
}

/*
 * How a file may end: without a newline, in a backslash, in joined lines
 * with nothing after them, in empty lines.  Each bad line shows the number
 * kmod gives it (the last physical line of the logical one).
 */
static void test_file_ends(void)
{
	static const struct {
		const char *content, *want, *log;
	} ends[] = {
		{ "blacklist a", "blacklist a\n", "" },
		{ "frob a\\\n", "", "line 2: ignoring bad line starting with 'frob'" },
		{ "frob b\\\n\\\n", "",
		  "line 3: ignoring bad line starting with 'frob'" },
		{ "\n\nfrob c\\", "", "line 3: ignoring bad line starting with 'frob'" },
		{ "\\\nfrob d", "", "line 2: ignoring bad line starting with 'frob'" },
		{ "blacklist e\n\\\n", "blacklist e\n", "" },
		{ "blacklist f\n\\", "blacklist f\n", "" },
		{ "\n\n\n", "", "" },
		{ "", "", "" },
		{ "frob\\\\\nblacklist g\\\\", "blacklist g\\\n",
		  "line 1: ignoring bad line starting with 'frob\\'" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		char log[128] = "", what[64];

		reset();
		put("/cfg/e/end.conf", ends[i].content);
		if (ends[i].log[0] != '\0')
			snprintf(log, sizeof(log), "E: /cfg/e/end.conf %s\n",
				 ends[i].log);
		snprintf(what, sizeof(what), "a file ending as in case %zu", i);
		check(PATHS("/cfg/e/end.conf"), NULL, ends[i].want, log, what);
	}
}

static void test_directives(void)
{
	reset();
	put("/cfg/d/all.conf",
	    /*  1 */ "# comment\n"
		     /*  2 */ " \t \n"
		     /*  3 */ "alias pci:v00008086d*sv*sd*bc0Csc03i30* xhci-hcd\n"
		     /*  4 */ "alias snd-card-[0-9]* snd-[a-z0-9-]x\n"
		     /*  5 */ "alias  \tspaced\t mod-x  trailing words\n"
		     /*  6 */ "alias onlyone\n"
		     /*  7 */ "alias un]matched mod\n"
		     /*  8 */ "alias good un[matched\n"
		     /*  9 */ "options snd-hda-intel   index=1\tmodel=auto  \n"
		     /* 10 */ "options lonely\n"
		     /* 11 */ "options  mod-y\ta=1\\\n"
		     /* 12 */ "\tb=2\n"
		     /* 13 */ "install mod-z /sbin/modprobe --ignore-install mod-z "
		     "$CMDLINE_OPTS;\techo done\n"
		     /* 14 */ "remove mod-z /bin/true\n"
		     /* 15 */ "install lonely\n"
		     /* 16 */ "blacklist nouveau\n"
		     /* 17 */ "blacklist bad-name extra words\n"
		     /* 18 */ "blacklist\n"
		     /* 19 */ "   # an indented hash is a word\n"
		     /* 20 */ "\\# an escaped hash starts a comment\n"
		     /* 21 */ "in\\clude-ish x\n"
		     /* 22 */ "include /etc/other.conf\n"
		     /* 23 */ "config keep_old\n"
		     /* 24 */ "frobnicate a b\n"
		     /* 25 */ "options esc a\\=b\\\\c\n"
		     /* 26 */ "alias joined\\\n"
		     /* 27 */ "-name mod\\\n"
		     /* 28 */ "-w\n"
		     /* 29 */ "bogus\\\n"
		     /* 30 */ "line\n"
		     /* 31 */ "options m \"quoted value\"\n"
		     /* 32 */ "blacklist last-one");
	check(PATHS("/cfg/d/all.conf"), NULL,
	      "blacklist nouveau\n"
	      "blacklist bad_name\n"
	      "blacklist last_one\n"
	      "install mod_z /sbin/modprobe --ignore-install mod-z $CMDLINE_OPTS;\techo "
	      "done\n"
	      "remove mod_z /bin/true\n"
	      "alias pci:v00008086d*sv*sd*bc0Csc03i30* xhci_hcd\n"
	      "alias snd_card_[0-9]* snd_[a-z0-9-]x\n"
	      "alias spaced mod_x\n"
	      "alias joined_name mod_w\n"
	      "options snd_hda_intel   index=1 model=auto  \n"
	      "options mod_y a=1 b=2\n"
	      "options esc a=b\\c\n"
	      "options m \"quoted value\"\n",
	      "E: /cfg/d/all.conf line 6: ignoring bad line starting with 'alias'\n"
	      "E: /cfg/d/all.conf line 7: ignoring bad line starting with 'alias'\n"
	      "E: /cfg/d/all.conf line 8: ignoring bad line starting with 'alias'\n"
	      "E: /cfg/d/all.conf line 10: ignoring bad line starting with 'options'\n"
	      "E: /cfg/d/all.conf line 15: ignoring bad line starting with 'install'\n"
	      "E: /cfg/d/all.conf line 18: ignoring bad line starting with 'blacklist'\n"
	      "E: /cfg/d/all.conf line 19: ignoring bad line starting with '#'\n"
	      "E: /cfg/d/all.conf line 21: ignoring bad line starting with "
	      "'include-ish'\n"
	      "E: /cfg/d/all.conf: command include is deprecated and not parsed anymore\n"
	      "E: /cfg/d/all.conf: command config is deprecated and not parsed anymore\n"
	      "E: /cfg/d/all.conf line 24: ignoring bad line starting with 'frobnicate'\n"
	      "E: /cfg/d/all.conf line 30: ignoring bad line starting with 'bogusline'\n",
	      "every directive, continuation lines, comments and bad lines");

	test_long_line();
	test_file_ends();
}

static void test_deps(void)
{
	reset();
	put("/cfg/p/deps.conf",
	    /*  1 */ "softdep mod-a pre: b-1 b2 post: c-1\n"
		     /*  2 */ "softdep mod-b post: x pre: y z\n"
		     /*  3 */ "softdep mod-c pre: a post: b pre: c post: d\n"
		     /*  4 */ "softdep mod-d ignored words pre: p\n"
		     /*  5 */ "softdep mod-e pre:\n"
		     /*  6 */ "softdep mod-f\n"
		     /*  7 */ "softdep mod-g \t pre:\ta\tpost:\tb\n"
		     /*  8 */ "softdep mod-h pre:a post:\n"
		     /*  9 */ "weakdep mod-i w1 w-2\tw3\n"
		     /* 10 */ "weakdep mod-j pre: post: x\n"
		     /* 11 */ "weakdep mod-k\n"
		     /* 12 */ "softdep mod]l pre: a\n"
		     /* 13 */ "softdep mod-m  \n");
	check(PATHS("/cfg/p/deps.conf"), NULL,
	      "softdep mod_a pre(b-1 b2) post(c-1)\n"
	      "softdep mod_b pre(y z) post(x)\n"
	      "softdep mod_c pre(a c) post(b d)\n"
	      "softdep mod_d pre(p) post()\n"
	      "softdep mod_e pre() post()\n"
	      "softdep mod_g pre(a) post(b)\n"
	      "softdep mod_h pre() post()\n"
	      "softdep mod_m pre() post()\n"
	      "weakdep mod_i weak(w1 w-2 w3)\n"
	      "weakdep mod_j weak(pre: post: x)\n",
	      "E: /cfg/p/deps.conf line 6: ignoring bad line starting with 'softdep'\n"
	      "E: /cfg/p/deps.conf line 11: ignoring bad line starting with 'weakdep'\n"
	      "E: /cfg/p/deps.conf line 12: ignoring bad line starting with 'softdep'\n",
	      "softdep sections, weakdep lists");
}

static void test_moddir(void)
{
	reset();
	put("/mods/modules.softdep",
	    "# Soft dependencies extracted from modules themselves.\nsoftdep m1 pre: x\n"
	    "blacklist 3\n");
	put("/mods/modules.weakdep", "# Weak dependencies extracted from modules "
				     "themselves.\nweakdep m2 y\nblacklist 4\n");
	put("/cfg/m/lib.conf", "softdep c1 pre: a\nblacklist 1\n");
	put("/cfg/m/modules.conf", "softdep c2 pre: a\nblacklist 2\n");
	put("/cfg/m/modz.conf", "softdep c3 pre: a\nblacklist 5\n");
	put("/cfg/single/modules.softdep", "blacklist shadowed\n");
	check(PATHS("/cfg/single/modules.softdep", "/cfg/m"), "/mods",
	      "blacklist 1\nblacklist 2\nblacklist 3\nblacklist 4\nblacklist 5\n"
	      "softdep c1 pre(a) post()\nsoftdep c2 pre(a) post()\nsoftdep m1 pre(x) "
	      "post()\n"
	      "softdep c3 pre(a) post()\nweakdep m2 weak(y)\n",
	      "", "modules.softdep and modules.weakdep sorted in by basename");
	check(PATHS("/cfg/single/modules.softdep"), "/nonexistent",
	      "blacklist shadowed\n", "", "no module directory files: nothing masks");
	check(PATHS("/cfg/m"), NULL,
	      "blacklist 1\nblacklist 2\nblacklist 5\nsoftdep c1 pre(a) post()\n"
	      "softdep c2 pre(a) post()\nsoftdep c3 pre(a) post()\n",
	      "", "no module directory");
}

/* ---- kernel command line ------------------------------------------------------- */

static void kcmdline_case(const char *cmdline, const char *want, const char *want_log,
			  const char *what)
{
	reset();
	if (cmdline != NULL)
		put("/proc/cmdline", cmdline);
	check(no_paths, NULL, want, want_log, what);
}

static void test_kcmdline(void)
{
	static char big[4200];

	kcmdline_case("initrd=\\initramfs-linux.img mod_simple.foo mod_simple.bar=1 "
		      "root=/dev/sda2 rootfstype=ext4 add_efi_memmap quiet rw\n",
		      "options mod_simple foo\noptions mod_simple bar=1\n", "",
		      "kcmdline: plain");
	kcmdline_case(
		"psmouse.foo psmouse.bar=1 psmouse.foobar=\"test 1\" psmouse.\"invalid "
		"option\" \" notamodule\" \"noteamodule2 \" notamodule3 quiet rw\n",
		"options psmouse foo\noptions psmouse bar=1\noptions psmouse "
		"foobar=\"test 1\"\n",
		"", "kcmdline: quoted value with a space, misplaced quotes");
	kcmdline_case("psmouse.foo=2 ivrs_acpihid[14:00.5]=AMD0020:00 psmouse.bar=1 "
		      "psmouse.zinga=test\n",
		      "options psmouse foo=2\noptions psmouse bar=1\noptions psmouse "
		      "zinga=test\n",
		      "E: Ignoring bad option on kernel command line while parsing "
		      "module name: "
		      "'ivrs_acpihid[14:00'\n",
		      "kcmdline: a dot inside brackets cuts an invalid module name");
	kcmdline_case("console=ttyS0,115200n8 acpi_osi=Linux.x m.p=1\n",
		      "options m p=1\n", "",
		      "kcmdline: '=' before the dot is no module option");
	kcmdline_case(
		"psmouse.foo parport.dyndbg=\"file drivers/parport/ieee1284_ops.c +mpf\" "
		"quiet rw\n",
		"options psmouse foo\n"
		"options parport dyndbg=\"file drivers/parport/ieee1284_ops.c +mpf\"\n",
		"", "kcmdline: dots and spaces inside a quoted value");
	kcmdline_case(
		"psmouse.foo \"parport.dyndbg=file drivers/parport/ieee1284_ops.c +mpf\" "
		"quiet rw\n",
		"options psmouse foo\n"
		"options parport dyndbg=\"file drivers/parport/ieee1284_ops.c +mpf\"\n",
		"", "kcmdline: grub's quoting of the whole word is re-quoted");
	kcmdline_case("modprobe.blacklist=foo,bar modprobe.blacklist=foo2 quiet "
		      "modprobe.blacklist=bar2 rw modprobe.blacklist=foobar\n",
		      "blacklist foo\nblacklist bar\nblacklist foo2\nblacklist "
		      "bar2\nblacklist foobar\n",
		      "", "kcmdline: several modprobe.blacklist= with commas");
	kcmdline_case(
		"snd-hda-intel.power_save=1 modprobe.blacklist=foo-bar,b-2 "
		"mod-x.p-q=a-b\n",
		"blacklist foo_bar\nblacklist b_2\noptions snd_hda_intel power_save=1\n"
		"options mod_x p-q=a-b\n",
		"", "kcmdline: module names with '-' are normalised, parameters are not");
	kcmdline_case("a.b=1\nc.d=2\r\ne.f=3\vg.h=4\fi.j=5\n\n",
		      "options a b=1\noptions c d=2\noptions e f=3\noptions g "
		      "h=4\noptions i j=5\n",
		      "", "kcmdline: any whitespace separates");
	kcmdline_case("a.b=1 c.d", "options a b=1\noptions c d\n", "",
		      "kcmdline: no newline at the end");
	kcmdline_case("", "", "", "kcmdline: empty");
	kcmdline_case("\n", "", "", "kcmdline: only a newline");
	kcmdline_case(NULL, "", "", "kcmdline: no /proc/cmdline");
	kcmdline_case("foo]x.y=1 ok.z\n", "options ok z\n",
		      "E: Ignoring bad option on kernel command line while parsing "
		      "module name: "
		      "'foo]x'\n",
		      "kcmdline: an unmatched bracket in a module name");
	kcmdline_case("a.b.c=1 x=y.z a.b=1.2 \"q.r=1\"\"\n", "options a b=1.2\n", "",
		      "kcmdline: a second dot in the name, '=' first, stray quotes");
	kcmdline_case("a.b=x\ty a\t.c=1\n", "options a b=x\noptions  c=1\n", "",
		      "kcmdline: a tab separates");
	kcmdline_case(
		"a.b=\"x\ty\nz\" c.d=1\n", "options a b=\"x y\nz\"\noptions c d=1\n", "",
		"kcmdline: whitespace inside a quoted value is kept, tabs become spaces");
	kcmdline_case("a.b=\"x y c.d=1\n", "", "", "kcmdline: an unclosed quote");

	/* Only 4095 bytes are read: the last option is cut. */
	memset(big, 'x', 4088);
	strcpy(big + 4088, " m.p=12345678\n");
	kcmdline_case(big, "options m p=12\n", "", "kcmdline: read up to 4095 bytes");

	reset();
	put("/proc/cmdline", "a.k=1\n");
	put("/etc/modprobe.d/a.conf", "options a file\n");
	check(NULL, NULL, "options a file\noptions a k=1\n", "",
	      "kcmdline: after the files, also with the default paths");
}

/* ---- changes -------------------------------------------------------------------- */

static void set_old_mtime(const char *path)
{
	struct timespec ts[2] = { { 1000000, 0 }, { 1000000, 0 } };

	if (utimensat(AT_FDCWD, real(path), ts, AT_SYMLINK_NOFOLLOW) < 0)
		printf("# utimensat %s: %m\n", path);
}

/*
 * Loads /cfg/c with every stamp in the past, then writes a file (or removes
 * it when content is NULL) and tells whether the change was seen.
 */
static bool changed_after(const char *path, const char *content)
{
	static const char *const paths[] = { "/cfg/c/dir", "/cfg/c/single.conf",
					     "/cfg/c/absent", NULL };

	reset();
	put("/cfg/c/dir/x.conf", "alias x y\n");
	put("/cfg/c/single.conf", "alias s t\n");
	put("/cfg/c/mods/.keep", "");
	set_old_mtime("/cfg/c/dir/x.conf");
	set_old_mtime("/cfg/c/dir");
	set_old_mtime("/cfg/c/single.conf");
	load(paths, "/cfg/c/mods", "change detection");
	if (content != NULL)
		put(path, content);
	else if (path != NULL)
		unlink(real(path));
	return kmod_config_changed(cfg);
}

static void test_changed(void)
{
	ok(!changed_after(NULL, NULL), "kmod_config_changed: false when nothing changed");
	ok(changed_after("/cfg/c/dir/x.conf", "alias x z\n"),
	   "kmod_config_changed: a file rewritten");
	ok(changed_after("/cfg/c/dir/new.conf", ""),
	   "kmod_config_changed: a file added to a directory");
	ok(changed_after("/cfg/c/absent", ""),
	   "kmod_config_changed: a missing path created");
	ok(changed_after("/cfg/c/mods/modules.softdep", ""),
	   "kmod_config_changed: modules.softdep created");
	ok(changed_after("/cfg/c/single.conf", NULL),
	   "kmod_config_changed: a file removed");
	ok(!kmod_config_changed(NULL), "kmod_config_changed: NULL is no change");
}

/* ---- the public iterators --------------------------------------------------------- */

/* "key=value;" for each entry, two rounds to see the iterator start over. */
static struct strbuf walked;

static const char *walk(struct kmod_config_iter *it)
{
	struct strbuf *b = &walked;

	strbuf_clear(b);
	if (it == NULL)
		return "(no iterator)";
	if (kmod_config_iter_get_key(it) != NULL ||
	    kmod_config_iter_get_value(it) != NULL)
		strbuf_pushchars(b, "(read before next)");
	for (int round = 0; round < 2; round++) {
		while (kmod_config_iter_next(it)) {
			const char *v = kmod_config_iter_get_value(it);

			strbuf_pushf(b, "%s=%s;", kmod_config_iter_get_key(it),
				     v ? v : "(null)");
		}
		if (kmod_config_iter_get_key(it) != NULL)
			strbuf_pushchars(b, "(key after end)");
		strbuf_pushchars(b, "|");
	}
	kmod_config_iter_free_iter(it);
	return strbuf_str(b);
}

static void test_iterators(void)
{
	struct kmod_ctx *ctx;

	reset();
	put("/cfg/i/a.conf",
	    "blacklist b-1\nblacklist b2\ninstall i-1 echo in\nremove r-1 echo out\n"
	    "alias al-1 m-1\noptions o-1 x=1\noptions o-1 y=2\n");
	put("/cfg/i/b.conf",
	    "softdep s1 pre: a b post: c\nsoftdep s2 post: c\nsoftdep s3 pre: a\n"
	    "softdep s4 x\nweakdep w1 a b\nweakdep w2 c\n");
	ctx = kmod_new("/cfg/i/mods", PATHS("/cfg/i"));
	ok(ctx != NULL, "iterators: kmod_new");
	if (ctx == NULL)
		return;
	is_str(walk(kmod_config_get_blacklists(ctx)),
	       "b_1=(null);b2=(null);|b_1=(null);b2=(null);|",
	       "iterators: blacklists (no value), starting over after the end");
	is_str(walk(kmod_config_get_install_commands(ctx)), "i_1=echo in;|i_1=echo in;|",
	       "iterators: install commands");
	is_str(walk(kmod_config_get_remove_commands(ctx)), "r_1=echo out;|r_1=echo out;|",
	       "iterators: remove commands");
	is_str(walk(kmod_config_get_aliases(ctx)), "al_1=m_1;|al_1=m_1;|",
	       "iterators: aliases");
	is_str(walk(kmod_config_get_options(ctx)), "o_1=x=1;o_1=y=2;|o_1=x=1;o_1=y=2;|",
	       "iterators: options, one entry per line");
	is_str(walk(kmod_config_get_softdeps(ctx)),
	       "s1=pre: a b post: c;s2=post: c;s3=pre: a;s4=;|"
	       "s1=pre: a b post: c;s2=post: c;s3=pre: a;s4=;|",
	       "iterators: softdeps rendered as 'pre: ... post: ...'");
	is_str(walk(kmod_config_get_weakdeps(ctx)), "w1=a b;w2=c;|w1=a b;w2=c;|",
	       "iterators: weakdeps rendered as a list");
	kmod_unref(ctx);

	ctx = kmod_new("/cfg/i/mods", no_paths);
	is_str(walk(kmod_config_get_aliases(ctx)), "||", "iterators: an empty list");
	kmod_unref(ctx);
	ok(kmod_config_get_blacklists(NULL) == NULL &&
		   kmod_config_get_weakdeps(NULL) == NULL &&
		   !kmod_config_iter_next(NULL) &&
		   kmod_config_iter_get_key(NULL) == NULL &&
		   kmod_config_iter_get_value(NULL) == NULL,
	   "iterators: NULL in, NULL/false out");
	kmod_config_iter_free_iter(NULL);
}

/* ---- modes ------------------------------------------------------------------------ */

static int unit(void)
{
	char probe[PATH_MAX_LEN];
	FILE *f;

	root = getenv("TRAP_ROOT");
	if (root == NULL || root[0] != '/' || streq(root, "/")) {
		tap_skip_all("needs TRAP_ROOT set to a scratch directory (run by "
			     "test-config.sh)");
		return 0;
	}
	/* Proof that the trap redirects "/" before anything is written through it. */
	snprintf(probe, sizeof(probe), "%s/.trap-probe", root);
	f = fopen(probe, "we");
	if (f != NULL)
		fclose(f);
	if (access("/.trap-probe", F_OK) < 0) {
		tap_skip_all("the path trap is not active");
		return 0;
	}
	strbuf_init(&logbuf);

	test_precedence();
	test_filter();
	test_single_files();
	test_directives();
	test_deps();
	test_moddir();
	test_kcmdline();
	test_changed();
	test_iterators();

	kmod_config_free(cfg);
	strbuf_release(&logbuf);
	strbuf_release(&rendered);
	strbuf_release(&walked);
	return tap_done();
}

static void dump(struct kmod_config_iter *it, const char *word)
{
	while (kmod_config_iter_next(it))
		if (streq(word, "blacklist"))
			printf("%s %s\n", word, kmod_config_iter_get_key(it));
		else
			printf("%s %s %s\n", word, kmod_config_iter_get_key(it),
			       kmod_config_iter_get_value(it));
	kmod_config_iter_free_iter(it);
}

static int dump_config(int argc, char *argv[])
{
	const char *paths[64] = { NULL }, *moddir = NULL;
	bool given = false;
	size_t n = 0;
	struct kmod_ctx *ctx;

	for (int i = 2; i < argc; i++) {
		if (streq(argv[i], "-d") && i + 1 < argc) {
			moddir = argv[++i];
		} else if (streq(argv[i], "-C") && i + 1 < argc &&
			   n + 1 < ARRAY_SIZE(paths)) {
			paths[n++] = argv[++i];
			given = true;
		} else {
			fprintf(stderr, "usage: %s dump [-d MODDIR] [-C PATH]...\n",
				argv[0]);
			return 2;
		}
	}
	ctx = kmod_new(moddir, given ? paths : NULL);
	if (ctx == NULL)
		return 1;
	dump(kmod_config_get_blacklists(ctx), "blacklist");
	dump(kmod_config_get_install_commands(ctx), "install");
	dump(kmod_config_get_remove_commands(ctx), "remove");
	dump(kmod_config_get_aliases(ctx), "alias");
	dump(kmod_config_get_options(ctx), "options");
	dump(kmod_config_get_softdeps(ctx), "softdep");
	dump(kmod_config_get_weakdeps(ctx), "weakdep");
	kmod_unref(ctx);
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc >= 2 && streq(argv[1], "dump"))
		return dump_config(argc, argv);
	if (argc == 2 && streq(argv[1], "unit"))
		return unit();
	fprintf(stderr, "usage: %s unit | dump [-d MODDIR] [-C PATH]...\n", argv[0]);
	return 2;
}
