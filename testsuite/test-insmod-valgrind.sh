#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The insmod tests again, every insmod run under valgrind memcheck: an error
# or a leak makes that run exit 99 and its assertions fail.
if [ -n "${KMOD_TEST_ASAN_LIB:-}" ]; then
	echo "1..0 # SKIP valgrind cannot run programs built with AddressSanitizer (--enable-sanitizers)"
	exit 0
fi
KMOD_TEST_VALGRIND=1
export KMOD_TEST_VALGRIND
exec sh "${top_srcdir:?}/testsuite/test-insmod.sh"
