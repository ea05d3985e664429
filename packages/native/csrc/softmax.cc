#include "softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "gemm.h"
#include "pool.h"
#include "vec.h"

namespace kt {

namespace {

using namespace vec;

// Below this many elements per call a row-wise op runs on the calling thread.
constexpr int64_t kParallelElems = 1 << 16;

float row_max(const float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
  int64_t j = 0;
  if (n >= VW) {
    vf vm = vload(x);
    for (j = VW; j + VW <= n; j += VW) {
      const vf v = vload(x + j);
      vm = vselect(v > vm, v, vm);
    }
    for (int l = 0; l < VW; ++l) m = std::max(m, vm[l]);
  }
  for (; j < n; ++j) m = std::max(m, x[j]);
  return m;
}

// y[j] = exp(x[j] - shift) for j < n; returns the sum of y.
float exp_shifted(const float* x, float* y, int64_t n, float shift) {
  vf acc = vf{};
  int64_t j = 0;
  for (; j + VW <= n; j += VW) {
    const vf e = vexp(vload(x + j) - shift);
    vstore(y + j, e);
    acc += e;
  }
  float sum = 0.f;
  for (int l = 0; l < VW; ++l) sum += acc[l];
  for (; j < n; ++j) {
    y[j] = std::exp(x[j] - shift);
    sum += y[j];
  }
  return sum;
}

// Runs body(i) for every row i < n, on the pool when there is enough work.
template <typename F>
void parallel_rows(int64_t n, int64_t elemsPerRow, F body) {
  parallel_range(n, n * elemsPerRow >= kParallelElems, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) body(i);
  });
}

}  // namespace

void attention_forward(const float* qkv, float* out, float* probs, int B, int T, int H, int dh, float scale,
                       bool causal) {
  const int D = H * dh;
  const int ld = 3 * D;
  parallel_rows(static_cast<int64_t>(B) * H, static_cast<int64_t>(T) * T, [&](int64_t bh) {
    const int b = static_cast<int>(bh / H), h = static_cast<int>(bh % H);
    const float* q = qkv + static_cast<int64_t>(b) * T * ld + h * dh;
    const float* k = q + D;
    const float* v = q + 2 * D;
    float* p = probs + bh * T * T;
    // S = q k^T, then each row: softmax(scale * S) over the allowed columns.
    sgemm_st(false, true, T, T, dh, q, ld, k, ld, p, T, false);
    for (int i = 0; i < T; ++i) {
      float* row = p + static_cast<int64_t>(i) * T;
      const int n = causal ? i + 1 : T;
      for (int j = 0; j < n; ++j) row[j] *= scale;
      const float m = row_max(row, n);
      const float sum = exp_shifted(row, row, n, m);
      for (int j = 0; j < n; ++j) row[j] /= sum;
      for (int j = n; j < T; ++j) row[j] = 0.f;
    }
    sgemm_st(false, false, T, dh, T, p, T, v, ld, out + static_cast<int64_t>(b) * T * D + h * dh, D, false);
  });
}

void attention_backward(const float* qkv, const float* probs, const float* dout, float* dqkv, int B, int T, int H,
                        int dh, float scale) {
  const int D = H * dh;
  const int ld = 3 * D;
  parallel_rows(static_cast<int64_t>(B) * H, static_cast<int64_t>(T) * T, [&](int64_t bh) {
    thread_local std::vector<float> dsBuf;
    if (dsBuf.size() < static_cast<size_t>(T) * T) dsBuf.resize(static_cast<size_t>(T) * T);
    float* ds = dsBuf.data();
    const int b = static_cast<int>(bh / H), h = static_cast<int>(bh % H);
    const int64_t base = static_cast<int64_t>(b) * T * ld + h * dh;
    const float* q = qkv + base;
    const float* k = q + D;
    const float* v = q + 2 * D;
    float* dq = dqkv + base;
    float* dk = dq + D;
    float* dv = dq + 2 * D;
    const float* p = probs + bh * T * T;
    const float* dO = dout + static_cast<int64_t>(b) * T * D + h * dh;
    // dV = P^T dO; dP = dO V^T.
    sgemm_st(true, false, T, dh, T, p, T, dO, D, dv, ld, false);
    sgemm_st(false, true, T, T, dh, dO, D, v, ld, ds, T, false);
    // dS = scale * P * (dP - rowsum(dP * P)); masked entries have P = 0.
    for (int i = 0; i < T; ++i) {
      const float* pr = p + static_cast<int64_t>(i) * T;
      float* dr = ds + static_cast<int64_t>(i) * T;
      float dot = 0.f;
      for (int j = 0; j < T; ++j) dot += dr[j] * pr[j];
      for (int j = 0; j < T; ++j) dr[j] = scale * (pr[j] * (dr[j] - dot));
    }
    // dQ = dS K; dK = dS^T Q.
    sgemm_st(false, false, T, dh, T, ds, T, k, ld, dq, ld, false);
    sgemm_st(true, false, T, dh, T, ds, T, q, ld, dk, ld, false);
  });
}

void softmax_xent_forward(const float* logits, const float* labels, float* loss, float* logSoftmax, int64_t rows,
                          int64_t cols) {
  parallel_rows(rows, cols, [&](int64_t i) {
    const float* x = logits + i * cols;
    const float* y = labels + i * cols;
    float* ls = logSoftmax + i * cols;
    const float m = row_max(x, cols);
    // exp into ls as scratch, then overwrite with the log-softmax.
    const float sum = exp_shifted(x, ls, cols, m);
    const float lse = m + std::log(sum);
    float l = 0.f;
    for (int64_t j = 0; j < cols; ++j) {
      ls[j] = x[j] - lse;
      l -= y[j] * ls[j];
    }
    loss[i] = l;
  });
}

void softmax_xent_backward(const float* labels, const float* logSoftmax, const float* dy, float* dlogits,
                           float* dlabels, int64_t rows, int64_t cols) {
  parallel_rows(rows, cols, [&](int64_t i) {
    const float* y = labels + i * cols;
    const float* ls = logSoftmax + i * cols;
    float* dx = dlogits + i * cols;
    float* dl = dlabels + i * cols;
    const float g = dy[i];
    float ysum = 0.f;
    for (int64_t j = 0; j < cols; ++j) ysum += y[j];
    int64_t j = 0;
    for (; j + VW <= cols; j += VW) {
      const vf l = vload(ls + j);
      const vf yv = vload(y + j);
      vstore(dx + j, g * (vexp(l) * ysum - yv));
      vstore(dl + j, -g * l);
    }
    for (; j < cols; ++j) {
      dx[j] = g * (std::exp(ls[j]) * ysum - y[j]);
      dl[j] = -g * ls[j];
    }
  });
}

}  // namespace kt
