#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# ThreadSanitizer over the threaded paths (modinfo's read-ahead workers,
# depmod's threads, two libkmod contexts in two threads), in a build of its
# own under testsuite/tsan/: test-sanitizers.sh with KMOD_SUB_SANITIZER=thread.
KMOD_SUB_SANITIZER=thread exec bash "${top_srcdir:?}/testsuite/test-sanitizers.sh"
