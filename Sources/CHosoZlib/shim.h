#ifndef HOSO_CZLIB_SHIM_H
#define HOSO_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit and inflateInit are macros that pass the library version and struct size. */
static inline int hoso_deflate_init(z_streamp s, int level) { return deflateInit(s, level); }
static inline int hoso_inflate_init(z_streamp s) { return inflateInit(s); }
/* gzip framing (windowBits 15 + 16) for sync bundles: deflateInit2/inflateInit2 are macros too. */
static inline int hoso_deflate_init_gzip(z_streamp s, int level) {
    return deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
static inline int hoso_inflate_init_gzip(z_streamp s) { return inflateInit2(s, 15 + 16); }
#endif
