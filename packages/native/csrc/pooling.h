// Pooling gradients on NHWC buffers (the kernels of tfjs's MaxPoolGrad for @kt/native).
#pragma once
#include <cstdint>

namespace kt {

struct PoolGeometry {
  int batch, inH, inW, channels, outH, outW, strideH, strideW, dilationH, dilationW, filterH, filterW, padTop, padLeft;
};

// dx = 0, then for every output cell and channel dy goes to the first strictly-greatest valid input of its window
// (row-major; padding never wins; a window with no value > -Infinity, e.g. all NaN, gets none): tfjs's cpu backend.
void max_pool_grad(const PoolGeometry& g, const float* x, const float* dy, float* dx);

}  // namespace kt
