#ifndef HOSO_CZLIB_SHIM_H
#define HOSO_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit2 and inflateInit2 are macros that pass the library version and struct size.
   windowBits: 15 zlib framing, 15 + 16 gzip framing, -15 raw DEFLATE. */
static inline int hoso_deflate_init2(z_streamp s, int level, int window_bits, int mem_level) {
    return deflateInit2(s, level, Z_DEFLATED, window_bits, mem_level, Z_DEFAULT_STRATEGY);
}
static inline int hoso_inflate_init2(z_streamp s, int window_bits) { return inflateInit2(s, window_bits); }
#endif
