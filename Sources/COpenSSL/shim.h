#ifndef HOSO_COPENSSL_SHIM_H
#define HOSO_COPENSSL_SHIM_H
/* The engine API (PKCS#11 tokens through libp11's engine) is deprecated in OpenSSL 3 but is what Debian ships
   for tokens; silence the deprecation attributes here rather than warn in every Swift file. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/cms.h>
#include <openssl/ts.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/engine.h>
#include <openssl/objects.h>
#include <openssl/asn1.h>
#include <openssl/ocsp.h>

/* Macros and variadic functions: Swift cannot call them directly. */
static inline void hoso_openssl_free(void *p) { OPENSSL_free(p); }
static inline EVP_PKEY *hoso_ec_gen(const char *curve) { return EVP_EC_gen(curve); }
static inline EVP_PKEY *hoso_rsa_gen(unsigned int bits) { return EVP_RSA_gen(bits); }
static inline long hoso_bio_mem_data(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }

static inline STACK_OF(X509) *hoso_sk_x509_new(void) { return sk_X509_new_null(); }
static inline int hoso_sk_x509_push(STACK_OF(X509) *s, X509 *x) { return sk_X509_push(s, x); }
static inline int hoso_sk_x509_num(const STACK_OF(X509) *s) { return sk_X509_num(s); }
static inline X509 *hoso_sk_x509_value(const STACK_OF(X509) *s, int i) { return sk_X509_value(s, i); }
static inline void hoso_sk_x509_free(STACK_OF(X509) *s) { sk_X509_free(s); }
static inline void hoso_sk_x509_pop_free(STACK_OF(X509) *s) { sk_X509_pop_free(s, X509_free); }

static inline STACK_OF(X509_CRL) *hoso_sk_crl_new(void) { return sk_X509_CRL_new_null(); }
static inline int hoso_sk_crl_push(STACK_OF(X509_CRL) *s, X509_CRL *x) { return sk_X509_CRL_push(s, x); }
static inline int hoso_sk_crl_num(const STACK_OF(X509_CRL) *s) { return sk_X509_CRL_num(s); }
static inline X509_CRL *hoso_sk_crl_value(const STACK_OF(X509_CRL) *s, int i) { return sk_X509_CRL_value(s, i); }
static inline void hoso_sk_crl_pop_free(STACK_OF(X509_CRL) *s) { sk_X509_CRL_pop_free(s, X509_CRL_free); }
static inline void hoso_sk_crl_free(STACK_OF(X509_CRL) *s) { sk_X509_CRL_free(s); }

static inline int hoso_sk_revoked_num(const STACK_OF(X509_REVOKED) *s) { return sk_X509_REVOKED_num(s); }
static inline X509_REVOKED *hoso_sk_revoked_value(const STACK_OF(X509_REVOKED) *s, int i) { return sk_X509_REVOKED_value(s, i); }

static inline int hoso_sk_signerinfo_num(const STACK_OF(CMS_SignerInfo) *s) { return sk_CMS_SignerInfo_num(s); }
static inline CMS_SignerInfo *hoso_sk_signerinfo_value(const STACK_OF(CMS_SignerInfo) *s, int i) { return sk_CMS_SignerInfo_value(s, i); }

static inline int hoso_sk_asn1obj_num(const STACK_OF(ASN1_OBJECT) *s) { return sk_ASN1_OBJECT_num(s); }
static inline ASN1_OBJECT *hoso_sk_asn1obj_value(const STACK_OF(ASN1_OBJECT) *s, int i) { return sk_ASN1_OBJECT_value(s, i); }
/* The OCSP responder addresses of a certificate's Authority Information Access (X509_get1_ocsp). */
static inline int hoso_sk_string_num(STACK_OF(OPENSSL_STRING) *s) { return sk_OPENSSL_STRING_num(s); }
static inline const char *hoso_sk_string_value(STACK_OF(OPENSSL_STRING) *s, int i) { return sk_OPENSSL_STRING_value(s, i); }
static inline void hoso_extkeyusage_free(EXTENDED_KEY_USAGE *e) { EXTENDED_KEY_USAGE_free(e); }

/* RSA-PSS parameters on a signing context: macros in 3.0. */
static inline int hoso_ctx_set_pss(EVP_PKEY_CTX *ctx) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0) return 0;
    return EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0;
}

/* Name printing flags are composite macros: RFC 2253 order, UTF-8 kept as is (not \-escaped). */
static inline unsigned long hoso_xn_flags_utf8(void) { return XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB; }

static inline void *hoso_openssl_malloc(size_t n) { return OPENSSL_malloc(n); }

/* libp11's engine returns a token's certificate through a control command with this parameter block. */
static inline X509 *hoso_engine_load_cert(ENGINE *e, const char *id) {
    struct { const char *s_slot_cert_id; X509 *cert; } params = { id, NULL };
    if (!ENGINE_ctrl_cmd(e, "LOAD_CERT_CTRL", 0, &params, NULL, 1)) return NULL;
    return params.cert;
}
#endif
