#ifndef HOSO_CQRENCODE_SHIM_H
#define HOSO_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
