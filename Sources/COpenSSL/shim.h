#ifndef HOSO_COPENSSL_SHIM_H
#define HOSO_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/crypto.h>

/* OPENSSL_free is a macro; Swift cannot call it directly. */
static inline void hoso_openssl_free(void *p) { OPENSSL_free(p); }
#endif
