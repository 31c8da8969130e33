/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The two halves of modprobe: modprobe.c parses options and inserts or
 * removes; modprobe-show.c holds what only prints (configuration, symbol
 * tables, the actions of a dry run) and the argument helpers.
 */

#include <stdbool.h>

#include "libkmod/libkmod.h"

/* The usage text of -h. */
void modprobe_help(void);

/* Print the configuration and the alias and symbol indexes (-c). */
int modprobe_show_config(struct kmod_ctx *ctx);

/*
 * Print "0x%08x\t<symbol>" for each symbol version the module needs
 * (exports false) or each symbol it exports (exports true).  arg is a file,
 * or else a module name looked up in the module directory.  Messages are
 * logged at log_prio.
 */
int modprobe_show_symbols(struct kmod_ctx *ctx, const char *arg, bool exports,
			  int log_prio);

/*
 * The print_action callback of kmod_module_probe_insert_module(): "insmod
 * <path> <options>", "install <command> <options>" or "builtin <name>", and
 * with show_sigs a "sig <path>.sig" line after each insmod line whose module
 * has a detached signature.
 */
void modprobe_print_action(struct kmod_module *m, bool install, const char *options);
void modprobe_set_show_sigs(bool show);

/*
 * MODPROBE_OPTIONS split into words (blanks separate, '...' and "..." quote)
 * and put before the command line's arguments.  Returns argv itself when the
 * variable is unset or blank, a new vector to free() otherwise, NULL when out
 * of memory.  *argc is updated.
 */
char **modprobe_env_argv(int *argc, char **argv);

/* Append a word to MODPROBE_OPTIONS, quoted when it holds blanks. */
void modprobe_env_append(const char *word);
