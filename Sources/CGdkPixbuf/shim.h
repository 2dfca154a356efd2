#ifndef HOSO_CGDKPIXBUF_SHIM_H
#define HOSO_CGDKPIXBUF_SHIM_H
/* JPEG photos of paper copies (phones write JPEG) are decoded with gdk-pixbuf before zbar reads the QR code. */
#include <gdk-pixbuf/gdk-pixbuf.h>
static inline void hoso_pixbuf_unref(GdkPixbuf *p) { g_object_unref(p); }
#endif
