// SPDX-License-Identifier: GPL-3.0-or-later
// zlib's gz* file API, used to read gzip-compressed IDX and CSV data files (and, in tests, to write them).
#ifndef LANGEVIN_CZLIB_SHIM_H
#define LANGEVIN_CZLIB_SHIM_H
#include <zlib.h>
#endif
