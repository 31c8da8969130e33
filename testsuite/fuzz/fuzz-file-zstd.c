// SPDX-License-Identifier: LGPL-2.1-or-later
/* Module images compressed with zstd: see fuzz-file.h. */
#define FUZZ_MAGIC                                                                       \
	{                                                                                \
		0x28, 0xb5, 0x2f, 0xfd                                                   \
	}
#define FUZZ_COMPRESSION KMOD_FILE_COMPRESSION_ZSTD
#include "testsuite/fuzz/fuzz-file.h"
