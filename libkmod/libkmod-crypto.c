// SPDX-License-Identifier: LGPL-2.1-or-later
/* libcrypto on first use: see libkmod-crypto.h. */

#include <dlfcn.h>
#include <stdbool.h>

#define KMOD_CRYPTO_NO_REDIRECT
#include "util/macro.h"
#include "libkmod/libkmod-crypto.h"

DL_NOTE(crypto_note, "openssl",
	"Reading module signatures (modinfo, detached_sig require)", "suggested",
	LIBCRYPTO_SONAME);

struct kmod_crypto_fns kmod_crypto_fns;

static const struct dl_symbol crypto_symbols[] = { KMOD_CRYPTO_FUNCS(DL_SYMBOL,
								     kmod_crypto_fns) };

/*
 * Left alone, libcrypto reads openssl.cnf when it starts, by a plain
 * O_RDONLY open, as root, of a file the tools have no use for.
 */
static void crypto_init(bool mapped_before)
{
	if (!mapped_before)
		kmod_crypto_fns.OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
}

static struct dl_library crypto_lib = {
	.soname = LIBCRYPTO_SONAME,
	.symbols = crypto_symbols,
	.n_symbols = ARRAY_SIZE(crypto_symbols),
	.init = crypto_init,
};

int kmod_crypto_load(char *msg, size_t msglen)
{
	return dl_library_load(&crypto_lib, msg, msglen);
}
