// Batch normalisation kernels (norm.h). Each pass over the [rows, C] buffer is split into threads() contiguous
// row ranges with per-part per-channel partial sums (double), combined in part order: deterministic for a
// given thread count.
#include "norm.h"

#include <cmath>
#include <vector>

#include "pool.h"

namespace kt {
namespace {

constexpr int64_t kParallelElems = 1 << 15;

int parts_for(int64_t rows, int64_t C) { return (rows * C < kParallelElems || threads() <= 1 || rows < 2) ? 1 : threads(); }

// Per-channel sums over the rows of f(r, c) for part p's rows, into acc[p * C ...], then total[c].
template <typename F>
void column_sums(int64_t rows, int64_t C, int parts, std::vector<double>& acc, double* total, F f) {
  acc.assign(static_cast<size_t>(parts) * C, 0.0);
  auto body = [&](int p) {
    const int64_t r0 = rows * p / parts, r1 = rows * (p + 1) / parts;
    double* a = acc.data() + static_cast<size_t>(p) * C;
    for (int64_t r = r0; r < r1; ++r) f(r, a);
  };
  if (parts == 1) {
    body(0);
  } else {
    pool().parallel_for(parts, body);
  }
  for (int64_t c = 0; c < C; ++c) {
    double s = 0.0;
    for (int p = 0; p < parts; ++p) s += acc[static_cast<size_t>(p) * C + c];
    total[c] = s;
  }
}

template <typename F>
void rows_parallel(int64_t rows, int parts, F body) {
  if (parts == 1) {
    body(int64_t{0}, rows);
    return;
  }
  pool().parallel_for(parts, [&](int p) { body(rows * p / parts, rows * (p + 1) / parts); });
}

}  // namespace

void batch_norm_forward(const float* x, const float* gamma, const float* beta, const float* normMean,
                        const float* normVar, float* y, float* mean, float* var, int64_t rows, int64_t C, float eps) {
  const int parts = parts_for(rows, C);
  std::vector<double> acc, total(static_cast<size_t>(C));
  const double inv_n = rows > 0 ? 1.0 / static_cast<double>(rows) : 0.0;
  column_sums(rows, C, parts, acc, total.data(), [&](int64_t r, double* a) {
    const float* xr = x + r * C;
    for (int64_t c = 0; c < C; ++c) a[c] += xr[c];
  });
  std::vector<float> mu(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) mu[c] = static_cast<float>(total[c] * inv_n);
  column_sums(rows, C, parts, acc, total.data(), [&](int64_t r, double* a) {
    const float* xr = x + r * C;
    for (int64_t c = 0; c < C; ++c) {
      const float d = xr[c] - mu[c];
      a[c] += static_cast<double>(d) * d;
    }
  });
  std::vector<float> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    const float v = static_cast<float>(total[c] * inv_n);
    mean[c] = mu[c];
    var[c] = v;
    const float m = normMean != nullptr ? normMean[c] : mu[c];
    const float r = 1.f / std::sqrt((normVar != nullptr ? normVar[c] : v) + eps);
    scale[c] = r * gamma[c];
    shift[c] = beta[c] - m * scale[c];
  }
  rows_parallel(rows, parts, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      for (int64_t c = 0; c < C; ++c) yr[c] = xr[c] * scale[c] + shift[c];
    }
  });
}

void batch_norm_backward(const float* x, const float* gamma, const float* mean, const float* var, const float* normMean,
                         const float* normVar, const float* dy, const float* dmean, const float* dvar, float* dx,
                         float* dgamma, float* dbeta, int64_t rows, int64_t C, float eps) {
  const int parts = parts_for(rows, C);
  // One pass for both sums: columns [0, C) sum dy, [C, 2C) sum dy * (x - mean).
  std::vector<double> acc, total(static_cast<size_t>(2 * C));
  column_sums(rows, 2 * C, parts, acc, total.data(), [&](int64_t r, double* a) {
    const float* xr = x + r * C;
    const float* dr = dy + r * C;
    for (int64_t c = 0; c < C; ++c) {
      a[c] += dr[c];
      a[C + c] += static_cast<double>(dr[c]) * (xr[c] - mean[c]);
    }
  });
  const double n = static_cast<double>(rows);
  // dx = a*dy + b*(x - mean) + k per channel.
  std::vector<float> ca(static_cast<size_t>(C)), cb(static_cast<size_t>(C)), ck(static_cast<size_t>(C));
  const bool given = normMean != nullptr && normVar != nullptr;
  for (int64_t c = 0; c < C; ++c) {
    const double db = total[c];
    dbeta[c] = static_cast<float>(db);
    if (given) {
      // y = (x - m) r gamma + beta with constant m, r: sum dy (x - m) = sum dy (x - mean) + (mean - m) sum dy.
      const double r = 1.0 / std::sqrt(static_cast<double>(normVar[c]) + eps);
      dgamma[c] = static_cast<float>((total[C + c] + (static_cast<double>(mean[c]) - normMean[c]) * db) * r);
      if (rows == 0) continue;
      ca[c] = static_cast<float>(r * gamma[c]);
      cb[c] = static_cast<float>(2.0 * dvar[c] / n);
      ck[c] = static_cast<float>(dmean[c] / n);
      continue;
    }
    const double r = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
    const double dg = total[C + c] * r;
    dgamma[c] = static_cast<float>(dg);
    if (rows == 0) continue;
    ca[c] = static_cast<float>(r * gamma[c]);
    cb[c] = static_cast<float>((-gamma[c] * r * r * dg + 2.0 * dvar[c]) / n);
    ck[c] = static_cast<float>((-r * gamma[c] * db + dmean[c]) / n);
  }
  rows_parallel(rows, parts, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * C;
      const float* dr = dy + r * C;
      float* out = dx + r * C;
      for (int64_t c = 0; c < C; ++c) out[c] = ca[c] * dr[c] + cb[c] * (xr[c] - mean[c]) + ck[c];
    }
  });
}

}  // namespace kt
