#ifndef HOSO_CPANGOCAIRO_SHIM_H
#define HOSO_CPANGOCAIRO_SHIM_H
/* Certified copies are drawn with cairo (PDF surface, fonts embedded and subsetted) and laid out with pango. */
#include <cairo/cairo.h>
#include <cairo/cairo-pdf.h>
#include <pango/pangocairo.h>
#include <glib-object.h>

/* g_object_unref takes a gpointer; this keeps the cast in C. */
static inline void hoso_g_object_unref(void *p) { g_object_unref(p); }
#endif
