// SPDX-License-Identifier: GPL-2.0-or-later
/* The signature commands' part of libcrypto: see kmod-crypto.h. */

#define TOOLS_CRYPTO_NO_REDIRECT
#include "util/macro.h"
#include "tools/kmod-crypto.h"
#include "tools/kmod-sig.h"
#include "tools/tool-log.h"

struct tools_crypto_fns tools_crypto_fns;

static const struct dl_symbol tools_crypto_symbols[] = { TOOLS_CRYPTO_FUNCS(
	DL_SYMBOL, tools_crypto_fns) };

/* libkmod's part, loaded first, starts libcrypto (without openssl.cnf). */
static struct dl_library tools_crypto_lib = {
	.soname = LIBCRYPTO_SONAME,
	.symbols = tools_crypto_symbols,
	.n_symbols = ARRAY_SIZE(tools_crypto_symbols),
};

bool sig_crypto_ready(void)
{
	char msg[512];

	if (kmod_crypto_load(msg, sizeof(msg)) == 0 &&
	    dl_library_load(&tools_crypto_lib, msg, sizeof(msg)) == 0)
		return true;
	ERR("cannot use libcrypto: %s\n", msg);
	return false;
}
