#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "pool.h"
#include "vec.h"

namespace kt {

namespace {

// Below this many output elements an op runs on the calling thread: waking
// the pool costs more than the memory-bound work it would split.
constexpr int64_t kParallelElems = 1 << 17;

using namespace vec;

// Applies a vector function to n floats; the tail goes through a padded vector.
template <typename F>
void map_vec(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + VW <= n; i += VW) vstore(y + i, f(vload(x + i)));
  if (i < n) {
    float buf[VW] = {0};
    const int64_t rest = n - i;
    std::memcpy(buf, x + i, sizeof(float) * rest);
    vf v = f(vload(buf));
    vstore(buf, v);
    std::memcpy(y + i, buf, sizeof(float) * rest);
  }
}

template <typename F>
void parallel_map(const float* x, float* y, int64_t n, F f) {
  const int parts = n >= kParallelElems ? threads() : 1;
  if (parts <= 1) {
    map_vec(x, y, n, f);
    return;
  }
  pool().parallel_for(parts, [&](int p) {
    // Split on vector boundaries.
    const int64_t chunk = (n / parts + VW - 1) / VW * VW;
    const int64_t i0 = std::min(n, chunk * p);
    const int64_t i1 = p == parts - 1 ? n : std::min(n, chunk * (p + 1));
    if (i1 > i0) map_vec(x + i0, y + i0, i1 - i0, f);
  });
}

template <BinaryOp op>
inline float apply(float a, float b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    default: return a / b;
  }
}

// One run of n output elements: a and b advance by 0 or 1.
template <BinaryOp op>
void run(const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = apply<op>(a[i], b[i]);
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i) out[i] = apply<op>(av, b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i) out[i] = apply<op>(a[i], bv);
  } else {
    const float v = apply<op>(a[0], b[0]);
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  }
}

// Output elements [start, end) of the broadcast op.
template <BinaryOp op>
void binary_range(const float* a, const float* b, float* out, int rank, const int64_t* dims, const int64_t* sa,
                  const int64_t* sb, int64_t start, int64_t end) {
  const int last = rank - 1;
  const int64_t inner = dims[last];
  int64_t idx[8] = {0};
  // Multi-index of `start` and the operand offsets there.
  int64_t rest = start, offA = 0, offB = 0;
  for (int d = last; d >= 0; --d) {
    idx[d] = rest % dims[d];
    rest /= dims[d];
    offA += idx[d] * sa[d];
    offB += idx[d] * sb[d];
  }
  int64_t pos = start;
  while (pos < end) {
    const int64_t n = std::min(inner - idx[last], end - pos);
    run<op>(a + offA, sa[last], b + offB, sb[last], out + pos, n);
    pos += n;
    offA += n * sa[last];
    offB += n * sb[last];
    idx[last] += n;
    // Carry into the outer dims.
    for (int d = last; d > 0 && idx[d] == dims[d]; --d) {
      offA -= dims[d] * sa[d];
      offB -= dims[d] * sb[d];
      idx[d] = 0;
      ++idx[d - 1];
      offA += sa[d - 1];
      offB += sb[d - 1];
    }
  }
}

template <BinaryOp op>
void binary_t(const float* a, const float* b, float* out, int rank, const int64_t* dims, const int64_t* sa,
              const int64_t* sb) {
  int64_t total = 1;
  for (int d = 0; d < rank; ++d) total *= dims[d];
  const int parts = total >= kParallelElems ? threads() : 1;
  if (parts <= 1) {
    binary_range<op>(a, b, out, rank, dims, sa, sb, 0, total);
    return;
  }
  pool().parallel_for(parts, [&](int p) {
    binary_range<op>(a, b, out, rank, dims, sa, sb, total * p / parts, total * (p + 1) / parts);
  });
}

// Sum of n contiguous floats with VW independent lanes.
float sum_row(const float* x, int64_t n) {
  vf acc0 = vf{}, acc1 = vf{};
  int64_t i = 0;
  for (; i + 2 * VW <= n; i += 2 * VW) {
    acc0 += vload(x + i);
    acc1 += vload(x + i + VW);
  }
  for (; i + VW <= n; i += VW) acc0 += vload(x + i);
  acc0 += acc1;
  float s = 0.f;
  for (int l = 0; l < VW; ++l) s += acc0[l];
  for (; i < n; ++i) s += x[i];
  return s;
}

// out[o, i] = combine over r of x[o, r, i] for o in [o0, o1); rowReduce does a whole row when inner == 1.
template <typename Combine, typename RowReduce>
void reduce_block(const float* x, float* out, int64_t o0, int64_t o1, int64_t reduce, int64_t inner, Combine combine,
                  RowReduce rowReduce) {
  for (int64_t o = o0; o < o1; ++o) {
    const float* src = x + o * reduce * inner;
    float* dst = out + o * inner;
    if (inner == 1) {
      dst[0] = rowReduce(src, reduce);
      continue;
    }
    std::memcpy(dst, src, sizeof(float) * inner);
    for (int64_t r = 1; r < reduce; ++r) {
      const float* row = src + r * inner;
      for (int64_t i = 0; i < inner; ++i) dst[i] = combine(dst[i], row[i]);
    }
  }
}

void sum_block(const float* x, float* out, int64_t o0, int64_t o1, int64_t reduce, int64_t inner) {
  reduce_block(x, out, o0, o1, reduce, inner, [](float a, float b) { return a + b; }, sum_row);
}

}  // namespace

void binary(BinaryOp op, const float* a, const float* b, float* out, int rank, const int64_t* dims, const int64_t* sa,
            const int64_t* sb) {
  switch (op) {
    case BinaryOp::kAdd: binary_t<BinaryOp::kAdd>(a, b, out, rank, dims, sa, sb); break;
    case BinaryOp::kSub: binary_t<BinaryOp::kSub>(a, b, out, rank, dims, sa, sb); break;
    case BinaryOp::kMul: binary_t<BinaryOp::kMul>(a, b, out, rank, dims, sa, sb); break;
    default: binary_t<BinaryOp::kDiv>(a, b, out, rank, dims, sa, sb); break;
  }
}

void reduce_sum(const float* x, float* out, int64_t outer, int64_t reduce, int64_t inner) {
  if (reduce == 0) {
    std::memset(out, 0, sizeof(float) * outer * inner);
    return;
  }
  const int64_t total = outer * reduce * inner;
  if (total < kParallelElems || threads() <= 1) {
    sum_block(x, out, 0, outer, reduce, inner);
    return;
  }
  if (outer >= threads()) {
    const int parts = threads();
    pool().parallel_for(parts, [&](int p) { sum_block(x, out, outer * p / parts, outer * (p + 1) / parts, reduce, inner); });
    return;
  }
  if (inner >= 64) {
    // Split the columns: each part sums its own slice of every row.
    const int parts = threads();
    pool().parallel_for(parts, [&](int p) {
      const int64_t i0 = inner * p / parts, i1 = inner * (p + 1) / parts;
      for (int64_t o = 0; o < outer; ++o) {
        const float* src = x + o * reduce * inner;
        float* dst = out + o * inner;
        for (int64_t i = i0; i < i1; ++i) dst[i] = src[i];
        for (int64_t r = 1; r < reduce; ++r) {
          const float* row = src + r * inner;
          for (int64_t i = i0; i < i1; ++i) dst[i] += row[i];
        }
      }
    });
    return;
  }
  sum_block(x, out, 0, outer, reduce, inner);
}

namespace {

// max that propagates NaN (as tfjs's cpu backend does).
inline float max_nan(float m, float v) { return (v > m || v != v) ? v : m; }

float max_row(const float* x, int64_t n) {
  float m = x[0];
  int64_t i = 0;
  if (n >= VW) {
    vf acc = vload(x);
    for (i = VW; i + VW <= n; i += VW) {
      const vf v = vload(x + i);
      acc = vselect((v > acc) | (v != v), v, acc);
    }
    m = acc[0];
    for (int l = 1; l < VW; ++l) m = max_nan(m, acc[l]);
  }
  for (; i < n; ++i) m = max_nan(m, x[i]);
  return m;
}

void max_block(const float* x, float* out, int64_t o0, int64_t o1, int64_t reduce, int64_t inner) {
  reduce_block(x, out, o0, o1, reduce, inner, max_nan, max_row);
}

}  // namespace

void reduce_max(const float* x, float* out, int64_t outer, int64_t reduce, int64_t inner) {
  parallel_range(outer, outer * reduce * inner >= kParallelElems && outer >= threads(),
                 [&](int64_t o0, int64_t o1) { max_block(x, out, o0, o1, reduce, inner); });
}

void tanh_f32(const float* x, float* y, int64_t n) { parallel_map(x, y, n, [](vf v) { return vtanh(v); }); }
void exp_f32(const float* x, float* y, int64_t n) { parallel_map(x, y, n, [](vf v) { return vexp(v); }); }
void sigmoid_f32(const float* x, float* y, int64_t n) { parallel_map(x, y, n, [](vf v) { return vsigmoid(v); }); }

// ---- fused training kernels ------------------------------------------------

namespace {

// Runs body(i0, i1) over [0, n) split into `threads()` parts when n is large.
template <typename F>
void split_range(int64_t n, F body) {
  if (n < kParallelElems || threads() <= 1) {
    body(int64_t{0}, n);
    return;
  }
  const int parts = threads();
  pool().parallel_for(parts, [&](int p) {
    // Part boundaries on multiples of 64 elements keep vectors aligned to cache lines.
    const int64_t a = (n * p / parts) & ~int64_t{63};
    const int64_t b = p + 1 == parts ? n : (n * (p + 1) / parts) & ~int64_t{63};
    body(a, b);
  });
}

constexpr float kGeluC = 0.7978845608028654f;  // sqrt(2 / pi)
constexpr float kGeluK = 0.044715f;

}  // namespace

void adam_update(const AdamCoefficients& c, const float* value, const float* m, const float* v, const float* g,
                 float* valueOut, float* mOut, float* vOut, int64_t n) {
  // tfjs's Adam, operation by operation in float32:
  // m' = m*b1 + g*(1-b1); v' = v*b2 + g^2*(1-b2);
  // value' = (m'/(1-acc1)) / (sqrt(v'/(1-acc2)) + eps) * (-lr) + value.
  split_range(n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const float gi = g[i];
      const float mi = m[i] * c.beta1 + gi * c.oneMinusBeta1;
      const float vi = v[i] * c.beta2 + (gi * gi) * c.oneMinusBeta2;
      const float mh = mi / c.oneMinusAccBeta1;
      const float vh = vi / c.oneMinusAccBeta2;
      const float step = (mh / (std::sqrt(vh) + c.epsilon)) * c.negLearningRate;
      mOut[i] = mi;
      vOut[i] = vi;
      valueOut[i] = step + value[i];
    }
  });
}

void gelu_forward(const float* x, float* y, int64_t n) {
  split_range(n, [&](int64_t i0, int64_t i1) {
    map_vec(x + i0, y + i0, i1 - i0, [](vf a) {
      const vf t = vtanh(kGeluC * (a + kGeluK * (a * a * a)));
      return (0.5f * a) * (1.f + t);
    });
  });
}

void gelu_backward(const float* x, const float* dy, float* dx, int64_t n) {
  split_range(n, [&](int64_t i0, int64_t i1) {
    int64_t i = i0;
    auto f = [](vf a, vf d) {
      const vf a2 = a * a;
      const vf t = vtanh(kGeluC * (a + kGeluK * (a2 * a)));
      const vf du = kGeluC * (1.f + (3.f * kGeluK) * a2);
      return d * (0.5f * (1.f + t) + (0.5f * a) * (1.f - t * t) * du);
    };
    for (; i + VW <= i1; i += VW) vstore(dx + i, f(vload(x + i), vload(dy + i)));
    if (i < i1) {
      float bx[VW] = {0}, bd[VW] = {0};
      const int64_t rest = i1 - i;
      std::memcpy(bx, x + i, sizeof(float) * rest);
      std::memcpy(bd, dy + i, sizeof(float) * rest);
      vstore(bx, f(vload(bx), vload(bd)));
      std::memcpy(dx + i, bx, sizeof(float) * rest);
    }
  });
}

namespace {

// mean and 1/sqrt(var + eps) of one row (two passes, as tf.moments).
inline void row_stats(const float* x, int64_t d, float eps, float* mean, float* rstd) {
  float s = 0.f;
  for (int64_t j = 0; j < d; ++j) s += x[j];
  const float mu = s / static_cast<float>(d);
  float q = 0.f;
  for (int64_t j = 0; j < d; ++j) {
    const float c = x[j] - mu;
    q += c * c;
  }
  *mean = mu;
  *rstd = 1.f / std::sqrt(q / static_cast<float>(d) + eps);
}

}  // namespace

void layer_norm_forward(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t d,
                        float eps) {
  auto body = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * d;
      float* yr = y + r * d;
      float mu, rs;
      row_stats(xr, d, eps, &mu, &rs);
      for (int64_t j = 0; j < d; ++j) yr[j] = (xr[j] - mu) * rs * gamma[j] + beta[j];
    }
  };
  parallel_range(rows, rows * d >= kParallelElems, body);
}

void layer_norm_backward(const float* x, const float* gamma, const float* dy, float* dx, float* dgamma, float* dbeta,
                         int64_t rows, int64_t d, float eps) {
  const int parts = (rows * d < kParallelElems || threads() <= 1) ? 1 : threads();
  // Per-part partial sums of dgamma / dbeta, added in part order (deterministic).
  std::vector<float> partial(static_cast<size_t>(parts) * 2 * d, 0.f);
  pool().parallel_for(parts, [&](int p) {
    const int64_t r0 = rows * p / parts, r1 = rows * (p + 1) / parts;
    float* pg = partial.data() + static_cast<size_t>(p) * 2 * d;
    float* pb = pg + d;
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * d;
      const float* dr = dy + r * d;
      float* out = dx + r * d;
      float mu, rs;
      row_stats(xr, d, eps, &mu, &rs);
      float sum1 = 0.f, sum2 = 0.f;  // mean of g*dy and of g*dy*xhat
      for (int64_t j = 0; j < d; ++j) {
        const float xh = (xr[j] - mu) * rs;
        const float gd = gamma[j] * dr[j];
        sum1 += gd;
        sum2 += gd * xh;
        pg[j] += dr[j] * xh;
        pb[j] += dr[j];
      }
      const float inv = 1.f / static_cast<float>(d);
      sum1 *= inv;
      sum2 *= inv;
      for (int64_t j = 0; j < d; ++j) {
        const float xh = (xr[j] - mu) * rs;
        out[j] = rs * (gamma[j] * dr[j] - sum1 - xh * sum2);
      }
    }
  });
  for (int64_t j = 0; j < d; ++j) {
    float g = 0.f, b = 0.f;
    for (int p = 0; p < parts; ++p) {
      g += partial[static_cast<size_t>(p) * 2 * d + j];
      b += partial[static_cast<size_t>(p) * 2 * d + d + j];
    }
    dgamma[j] = g;
    dbeta[j] = b;
  }
}

void strided_copy(const float* x, float* out, int rank, const int64_t* dims, const int64_t* xStrides,
                  const int64_t* outStrides, int64_t inner) {
  int64_t rows = 1;
  for (int d = 0; d < rank; ++d) rows *= dims[d];
  auto body = [&](int64_t r0, int64_t r1) {
    int64_t coord[8] = {0};
    int64_t rest = r0;
    for (int d = rank - 1; d >= 0; --d) {
      coord[d] = rest % dims[d];
      rest /= dims[d];
    }
    for (int64_t r = r0; r < r1; ++r) {
      int64_t xo = 0, oo = 0;
      for (int d = 0; d < rank; ++d) {
        xo += coord[d] * xStrides[d];
        oo += coord[d] * outStrides[d];
      }
      std::memcpy(out + oo, x + xo, sizeof(float) * inner);
      for (int d = rank - 1; d >= 0; --d) {
        if (++coord[d] < dims[d]) break;
        coord[d] = 0;
      }
    }
  };
  parallel_range(rows, rows * inner >= kParallelElems, body);
}

void transpose_2d(const float* x, float* out, int64_t batch, int64_t rows, int64_t cols) {
  // out[b, c, r] = x[b, r, c], in 32x32 tiles.
  constexpr int64_t kTile = 32;
  const int64_t tilesR = (rows + kTile - 1) / kTile, tilesC = (cols + kTile - 1) / kTile;
  const int64_t tiles = batch * tilesR * tilesC;
  auto body = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t b = t / (tilesR * tilesC);
      const int64_t tr = (t / tilesC) % tilesR, tc = t % tilesC;
      const float* src = x + b * rows * cols;
      float* dst = out + b * rows * cols;
      const int64_t r1 = std::min(rows, (tr + 1) * kTile), c1 = std::min(cols, (tc + 1) * kTile);
      for (int64_t c = tc * kTile; c < c1; ++c) {
        for (int64_t r = tr * kTile; r < r1; ++r) dst[c * rows + r] = src[r * cols + c];
      }
    }
  };
  parallel_range(tiles, batch * rows * cols >= kParallelElems, body);
}

namespace {

// Chris Wellons' lowbias32 integer hash; core's dropout composite computes the same in JavaScript.
inline uint32_t lowbias32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

}  // namespace

void dropout(const float* x, float* out, int64_t n, uint32_t seed, float rate, float scale) {
  const uint32_t base = lowbias32(seed);
  parallel_range(n, n >= (1 << 15), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const uint32_t h = lowbias32(base + static_cast<uint32_t>(i));
      const float u = static_cast<float>(h >> 8) * (1.0f / 16777216.0f);
      out[i] = u >= rate ? x[i] * scale : 0.f;
    }
  });
}

}  // namespace kt
