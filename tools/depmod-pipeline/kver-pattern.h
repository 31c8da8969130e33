// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

/*
 * Whether kversion matches a depmod.d kernel version pattern: "*", or a POSIX
 * extended regular expression as kmod takes it.  Returns 1 on a match, 0 on
 * none (an expression regcomp refuses matches nothing, as in kmod), -E2BIG for
 * a pattern glibc would take exponential time or memory to compile, -ENOMEM.
 */
int kver_pattern_match(const char *pattern, const char *kversion);
