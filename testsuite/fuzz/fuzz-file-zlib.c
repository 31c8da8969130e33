// SPDX-License-Identifier: LGPL-2.1-or-later
/* Module images compressed with gzip (zlib): see fuzz-file.h. */
#define FUZZ_MAGIC                                                                       \
	{                                                                                \
		0x1f, 0x8b                                                               \
	}
#define FUZZ_COMPRESSION KMOD_FILE_COMPRESSION_ZLIB
#include "testsuite/fuzz/fuzz-file.h"
