// Pooling gradients (pooling.h). Parallel over the batch: windows never cross examples, so the scatter-adds of one
// part never touch another's rows.
#include "pooling.h"

#include <cstring>
#include <limits>
#include <vector>

#include "pool.h"

namespace kt {

void max_pool_grad(const PoolGeometry& g, const float* x, const float* dy, float* dx) {
  const int64_t C = g.channels;
  const int64_t xRow = static_cast<int64_t>(g.inW) * C, xBatch = g.inH * xRow;
  const int64_t yRow = static_cast<int64_t>(g.outW) * C, yBatch = g.outH * yRow;
  const int64_t work = static_cast<int64_t>(g.batch) * yBatch * (g.filterH / g.dilationH) * (g.filterW / g.dilationW);
  parallel_range(g.batch, work >= (1 << 16), [&](int64_t b0, int64_t b1) {
    std::vector<float> best(static_cast<size_t>(C));
    std::vector<int64_t> at(static_cast<size_t>(C));
    std::memset(dx + b0 * xBatch, 0, sizeof(float) * static_cast<size_t>((b1 - b0) * xBatch));
    for (int64_t b = b0; b < b1; ++b) {
      const float* xb = x + b * xBatch;
      float* dxb = dx + b * xBatch;
      for (int oh = 0; oh < g.outH; ++oh) {
        const int hStart = oh * g.strideH - g.padTop;
        for (int ow = 0; ow < g.outW; ++ow) {
          const int wStart = ow * g.strideW - g.padLeft;
          for (int64_t c = 0; c < C; ++c) {
            best[c] = -std::numeric_limits<float>::infinity();
            at[c] = -1;
          }
          for (int fh = 0; fh < g.filterH; fh += g.dilationH) {
            const int ih = hStart + fh;
            if (ih < 0 || ih >= g.inH) continue;
            for (int fw = 0; fw < g.filterW; fw += g.dilationW) {
              const int iw = wStart + fw;
              if (iw < 0 || iw >= g.inW) continue;
              const int64_t base = ih * xRow + iw * C;
              const float* xp = xb + base;
              for (int64_t c = 0; c < C; ++c) {
                if (xp[c] > best[c]) {
                  best[c] = xp[c];
                  at[c] = base + c;
                }
              }
            }
          }
          const float* dyp = dy + b * yBatch + oh * yRow + ow * C;
          for (int64_t c = 0; c < C; ++c) {
            if (at[c] >= 0) dxb[at[c]] += dyp[c];
          }
        }
      }
    }
  });
}

}  // namespace kt
