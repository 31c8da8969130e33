// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * depmod: the command line, then the pipeline (pipeline.h) that does the work.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "tools/depmod-pipeline/pipeline.h"
#include "tools/depmod-pipeline/scan.h"
#include "tools/kmod.h"
#include "tools/log.h"
#include "util/macro.h"
#include "util/util.h"

static const char options_s[] = "aAb:m:o:C:E:F:evnP:wVh";
static const struct option options[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "quick", no_argument, NULL, 'A' },
	{ "basedir", required_argument, NULL, 'b' },
	{ "moduledir", required_argument, NULL, 'm' },
	{ "outdir", required_argument, NULL, 'o' },
	{ "config", required_argument, NULL, 'C' },
	{ "symvers", required_argument, NULL, 'E' },
	{ "filesyms", required_argument, NULL, 'F' },
	{ "errsyms", no_argument, NULL, 'e' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "show", no_argument, NULL, 'n' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "symbol-prefix", required_argument, NULL, 'P' },
	{ "warn", no_argument, NULL, 'w' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s -[aA] [options] [forced_version]\n"
	       "\n"
	       "If no arguments (except options) are given, \"depmod -a\" is assumed\n"
	       "\n"
	       "depmod will output a dependency list suitable for the modprobe utility.\n"
	       "\n"
	       "Options:\n"
	       "\t-a, --all            Probe all modules\n"
	       "\t-A, --quick          Only does the work if there's a new module\n"
	       "\t-e, --errsyms        Report not supplied symbols\n"
	       "\t-n, --show           Write the dependency file on stdout only\n"
	       "\t-P, --symbol-prefix  Architecture symbol prefix\n"
	       "\t-C, --config=PATH    Read configuration from PATH\n"
	       "\t-v, --verbose        Enable verbose mode\n"
	       "\t-w, --warn           Warn on duplicates and on bad detached "
	       "signatures\n"
	       "\t-V, --version        show version\n"
	       "\t-h, --help           show this help\n"
	       "\n"
	       "The following options are useful for people managing distributions:\n"
	       "\t-b, --basedir=DIR    Use an image of a module tree.\n"
	       "\t-m, --moduledir=DIR  Module directory inside the tree (default %s).\n"
	       "\t-o, --outdir=DIR     Output directory (default: the tree itself).\n"
	       "\t-F, --filesyms=FILE  Use the file instead of the\n"
	       "\t                     current kernel symbols.\n"
	       "\t-E, --symvers=FILE   Use Module.symvers file to check\n"
	       "\t                     symbol versions.\n"
	       "\n"
	       "What was read from each module is kept in /var/cache/kmod-ds/depmod/\n"
	       "(below -o or -b when there is a var/cache there) and reused while the\n"
	       "file is unchanged (same path, device, inode, size, mtime and ctime);\n"
	       "KMOD_DEPMOD_CACHE=0 turns it off.\n",
	       program_invocation_short_name, MODULE_DIRECTORY);
}

static bool is_version_number(const char *version)
{
	unsigned int d1, d2;

	return sscanf(version, "%u.%u", &d1, &d2) == 2;
}

struct args {
	bool all, maybe_all, to_stdout;
	char *root, *out_root, *moduledir;
	const char *symvers, *system_map;
	const char **config_paths;
	size_t n_config_paths;
};

static int add_config_path(struct args *a, const char *path)
{
	const char **v = realloc(a->config_paths, (a->n_config_paths + 2) * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	v[a->n_config_paths++] = path;
	v[a->n_config_paths] = NULL;
	a->config_paths = v;
	return 0;
}

/* Replace *dst by the absolute form of @path. */
static int set_abs_path(char **dst, const char *path)
{
	char *p = path_make_absolute_cwd(path);

	if (p == NULL)
		return -errno;
	free(*dst);
	*dst = p;
	return 0;
}

/* 0 to go on, 1 to exit with success, -1 to exit with failure. */
static int parse_args(int argc, char *argv[], struct args *a, struct depmod_cfg *cfg)
{
	int c;

	for (;;) {
		c = getopt_long(argc, argv, options_s, options, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'a':
			a->all = true;
			break;
		case 'A':
			a->maybe_all = true;
			break;
		case 'b':
			if (set_abs_path(&a->root, optarg) < 0)
				return -1;
			break;
		case 'o':
			if (set_abs_path(&a->out_root, optarg) < 0)
				return -1;
			break;
		case 'm':
			free(a->moduledir);
			while (*optarg == '/')
				optarg++;
			if (asprintf(&a->moduledir, "/%s", optarg) < 0)
				return -1;
			break;
		case 'C':
			if (add_config_path(a, optarg) < 0)
				return -1;
			break;
		case 'E':
			a->symvers = optarg;
			cfg->check_symvers = true;
			break;
		case 'F':
			a->system_map = optarg;
			break;
		case 'e':
			cfg->print_unknown = true;
			break;
		case 'v':
			cfg->verbose++;
			break;
		case 'n':
			a->to_stdout = true;
			break;
		case 'P':
			if (optarg[0] == '\0' || optarg[1] != '\0') {
				ERR("-P only takes a single char\n");
				return -1;
			}
			cfg->sym_prefix = optarg[0];
			break;
		case 'w':
			cfg->warn_dups = true;
			break;
		case 'V':
			puts("kmod version " KMOD_VERSION);
			puts(KMOD_FEATURES);
			return 1;
		case 'h':
			help();
			return 1;
		case '?':
			/* getopt_long() said what was wrong, as in kmod */
			return -1;
		default:
			ERR("unexpected getopt_long() value '%c'.\n", c);
			return -1;
		}
	}
	return 0;
}

static int set_dirs(struct args *a, struct depmod_cfg *cfg)
{
	const char *moddir = a->moduledir ? a->moduledir : MODULE_DIRECTORY;
	const char *root = a->root ? a->root : "";
	const char *out_root = a->out_root ? a->out_root : root;
	int n;

	n = asprintf(&cfg->dirname, "%s%s/%s", root, moddir, cfg->kversion);
	if (n < 0)
		return -ENOMEM;
	cfg->dirnamelen = (size_t)n;
	cfg->rootlen = strlen(root);
	n = asprintf(&cfg->outdirname, "%s%s/%s", out_root, moddir, cfg->kversion);
	cfg->outrootlen = strlen(out_root);
	return n < 0 ? -ENOMEM : 0;
}

static int do_depmod(int argc, char *argv[])
{
	struct depmod_cfg cfg = { .verbose = LOG_WARNING };
	struct depmod_opts opts;
	struct args a = { 0 };
	struct utsname un;
	int r;

	r = parse_args(argc, argv, &a, &cfg);
	log_set_priority(cfg.verbose);
	if (r != 0)
		goto out;

	if (optind < argc) {
		if (!is_version_number(argv[optind])) {
			ERR("Bad version passed %s\n", argv[optind]);
			r = -1;
			goto out;
		}
		cfg.kversion = argv[optind++];
	} else {
		if (uname(&un) < 0) {
			CRIT("uname() failed: %m\n");
			r = -1;
			goto out;
		}
		cfg.kversion = un.release;
	}
	if (set_dirs(&a, &cfg) < 0) {
		CRIT("out of memory\n");
		r = -1;
		goto out;
	}
	if (optind == argc)
		a.all = true;

	if (a.maybe_all) {
		if (a.to_stdout || depmod_depfile_up_to_date(cfg.dirname) == 1) {
			r = 1;
			goto out;
		}
		a.all = true;
	}

	opts = (struct depmod_opts){
		.all = a.all,
		.to_stdout = a.to_stdout,
		.symvers = a.symvers,
		.system_map = a.system_map,
		.config_paths = a.config_paths,
		.files = argv + optind,
		.n_files = argc - optind,
	};
	r = depmod_pipeline_run(&cfg, &opts) < 0 ? -1 : 1;
out:
	depmod_cfg_free(&cfg);
	free(a.root);
	free(a.out_root);
	free(a.moduledir);
	free(a.config_paths);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

const struct kmod_cmd kmod_cmd_compat_depmod = {
	.name = "depmod",
	.cmd = do_depmod,
	.help = "compat depmod command",
};
