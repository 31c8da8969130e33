// SPDX-License-Identifier: LGPL-2.1-or-later
/* Module images compressed with xz: see fuzz-file.h. */
#define FUZZ_MAGIC                                                                       \
	{                                                                                \
		0xfd, '7', 'z', 'X', 'Z', 0x00                                           \
	}
#define FUZZ_COMPRESSION KMOD_FILE_COMPRESSION_XZ
#include "testsuite/fuzz/fuzz-file.h"
