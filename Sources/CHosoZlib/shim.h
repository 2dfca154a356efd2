#ifndef HOSO_CZLIB_SHIM_H
#define HOSO_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit and inflateInit are macros that pass the library version and struct size. */
static inline int hoso_deflate_init(z_streamp s, int level) { return deflateInit(s, level); }
static inline int hoso_inflate_init(z_streamp s) { return inflateInit(s); }
#endif
