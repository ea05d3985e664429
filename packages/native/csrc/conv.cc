#include "conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "pool.h"

namespace kt {

namespace {

// Upper bound on the im2col buffer, in floats (images are processed in chunks).
constexpr long kColsBudget = 4L * 1024 * 1024;

bool is_pointwise(const ConvParams& p) {
  return p.fH == 1 && p.fW == 1 && p.strideH == 1 && p.strideW == 1 && p.padTop == 0 && p.padLeft == 0 &&
         p.outH == p.inH && p.outW == p.inW;
}

long patch_size(const ConvParams& p) { return static_cast<long>(p.fH) * p.fW * p.inC; }
long image_rows(const ConvParams& p) { return static_cast<long>(p.outH) * p.outW; }

int images_per_chunk(const ConvParams& p) {
  const long perImage = image_rows(p) * patch_size(p);
  const long n = perImage > 0 ? kColsBudget / perImage : p.batch;
  return static_cast<int>(std::max(1L, std::min(static_cast<long>(p.batch), n)));
}

// cols[(oy*outW+ox), (fy*fW+fx)*inC + c] = x[n, iy, ix, c] (0 outside).
void im2col_image(const ConvParams& p, const float* x, float* cols) {
  const long K = patch_size(p);
  for (int oy = 0; oy < p.outH; ++oy) {
    for (int ox = 0; ox < p.outW; ++ox) {
      float* row = cols + (static_cast<long>(oy) * p.outW + ox) * K;
      for (int fy = 0; fy < p.fH; ++fy) {
        const int iy = oy * p.strideH - p.padTop + fy * p.dilH;
        for (int fx = 0; fx < p.fW; ++fx) {
          const int ix = ox * p.strideW - p.padLeft + fx * p.dilW;
          float* dst = row + (static_cast<long>(fy) * p.fW + fx) * p.inC;
          if (iy < 0 || iy >= p.inH || ix < 0 || ix >= p.inW) {
            for (int c = 0; c < p.inC; ++c) dst[c] = 0.f;
          } else if (p.inC < 16) {
            const float* src = x + (static_cast<long>(iy) * p.inW + ix) * p.inC;
            for (int c = 0; c < p.inC; ++c) dst[c] = src[c];
          } else {
            std::memcpy(dst, x + (static_cast<long>(iy) * p.inW + ix) * p.inC, sizeof(float) * p.inC);
          }
        }
      }
    }
  }
}

// dx[n, iy, ix, c] += cols[...] (the adjoint of im2col_image).
void col2im_image(const ConvParams& p, const float* cols, float* dx) {
  const long K = patch_size(p);
  for (int oy = 0; oy < p.outH; ++oy) {
    for (int ox = 0; ox < p.outW; ++ox) {
      const float* row = cols + (static_cast<long>(oy) * p.outW + ox) * K;
      for (int fy = 0; fy < p.fH; ++fy) {
        const int iy = oy * p.strideH - p.padTop + fy * p.dilH;
        if (iy < 0 || iy >= p.inH) continue;
        for (int fx = 0; fx < p.fW; ++fx) {
          const int ix = ox * p.strideW - p.padLeft + fx * p.dilW;
          if (ix < 0 || ix >= p.inW) continue;
          const float* src = row + (static_cast<long>(fy) * p.fW + fx) * p.inC;
          float* dst = dx + (static_cast<long>(iy) * p.inW + ix) * p.inC;
          for (int c = 0; c < p.inC; ++c) dst[c] += src[c];
        }
      }
    }
  }
}

// OpenBLAS is slower than the portable GEMM when a patch holds few values
// (e.g. a 3x3 first layer on one channel): the products are thin and
// memory-bound, so those convolutions always use the portable GEMM.
constexpr long kSmallPatch = 16;

void conv_gemm(long patch, bool tA, bool tB, int M, int N, int K, const float* A, int lda, const float* B, int ldb,
               float* C, int ldc, bool accumulate) {
  if (patch < kSmallPatch) {
    sgemm_prefer_portable(tA, tB, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
  } else {
    sgemm(tA, tB, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
  }
}

std::vector<float>& scratch() {
  thread_local std::vector<float> buf;
  return buf;
}

}  // namespace

void conv2d(const ConvParams& p, const float* x, const float* w, float* y) {
  const long K = patch_size(p);
  const long rows = image_rows(p);
  const long inImage = static_cast<long>(p.inH) * p.inW * p.inC;
  if (is_pointwise(p)) {
    conv_gemm(K, false, false, static_cast<int>(rows * p.batch), p.outC, p.inC, x, p.inC, w, p.outC, y, p.outC, false);
    return;
  }
  const int chunk = images_per_chunk(p);
  std::vector<float>& cols = scratch();
  cols.resize(static_cast<size_t>(chunk) * rows * K);
  for (int n0 = 0; n0 < p.batch; n0 += chunk) {
    const int nc = std::min(chunk, p.batch - n0);
    pool().parallel_for(nc, [&](int i) { im2col_image(p, x + (n0 + i) * inImage, cols.data() + i * rows * K); });
    conv_gemm(K, false, false, static_cast<int>(nc * rows), p.outC, static_cast<int>(K), cols.data(), static_cast<int>(K), w,
          p.outC, y + n0 * rows * p.outC, p.outC, false);
  }
}

void conv2d_backprop_input(const ConvParams& p, const float* dy, const float* w, float* dx) {
  const long K = patch_size(p);
  const long rows = image_rows(p);
  const long inImage = static_cast<long>(p.inH) * p.inW * p.inC;
  if (is_pointwise(p)) {
    conv_gemm(K, false, true, static_cast<int>(rows * p.batch), p.inC, p.outC, dy, p.outC, w, p.outC, dx, p.inC, false);
    return;
  }
  std::memset(dx, 0, sizeof(float) * inImage * p.batch);
  const int chunk = images_per_chunk(p);
  std::vector<float>& cols = scratch();
  cols.resize(static_cast<size_t>(chunk) * rows * K);
  for (int n0 = 0; n0 < p.batch; n0 += chunk) {
    const int nc = std::min(chunk, p.batch - n0);
    // dcols[rows, K] = dy[rows, outC] * w[K, outC]^T
    conv_gemm(K, false, true, static_cast<int>(nc * rows), static_cast<int>(K), p.outC, dy + n0 * rows * p.outC, p.outC, w,
          p.outC, cols.data(), static_cast<int>(K), false);
    pool().parallel_for(nc, [&](int i) { col2im_image(p, cols.data() + i * rows * K, dx + (n0 + i) * inImage); });
  }
}

void conv2d_backprop_filter(const ConvParams& p, const float* x, const float* dy, float* dw) {
  const long K = patch_size(p);
  const long rows = image_rows(p);
  const long inImage = static_cast<long>(p.inH) * p.inW * p.inC;
  if (is_pointwise(p)) {
    conv_gemm(K, true, false, p.inC, p.outC, static_cast<int>(rows * p.batch), x, p.inC, dy, p.outC, dw, p.outC, false);
    return;
  }
  const int chunk = images_per_chunk(p);
  std::vector<float>& cols = scratch();
  cols.resize(static_cast<size_t>(chunk) * rows * K);
  for (int n0 = 0; n0 < p.batch; n0 += chunk) {
    const int nc = std::min(chunk, p.batch - n0);
    pool().parallel_for(nc, [&](int i) { im2col_image(p, x + (n0 + i) * inImage, cols.data() + i * rows * K); });
    // dw[K, outC] (+)= cols[rows, K]^T * dy[rows, outC]
    conv_gemm(K, true, false, static_cast<int>(K), p.outC, static_cast<int>(nc * rows), cols.data(), static_cast<int>(K),
          dy + n0 * rows * p.outC, p.outC, dw, p.outC, n0 > 0);
  }
  if (p.batch == 0) std::memset(dw, 0, sizeof(float) * K * p.outC);
}

}  // namespace kt
