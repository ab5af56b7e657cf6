// libpng's simplified API (png_image_*), used to decode notMNIST-style PNG folders.
#ifndef LANGEVIN_CPNG_SHIM_H
#define LANGEVIN_CPNG_SHIM_H
#include <png.h>
#endif
