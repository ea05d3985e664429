#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "pool.h"

namespace kt {

namespace {

// Below this many output elements an op runs on the calling thread: waking
// the pool costs more than the memory-bound work it would split.
constexpr int64_t kParallelElems = 1 << 17;

#if defined(__AVX512F__)
constexpr int VW = 16;
#elif defined(__AVX__)
constexpr int VW = 8;
#else
constexpr int VW = 4;
#endif
typedef float vf __attribute__((vector_size(VW * 4)));
typedef int32_t vi __attribute__((vector_size(VW * 4)));
typedef float vfu __attribute__((vector_size(VW * 4), aligned(4)));

inline vf vload(const float* p) { return *reinterpret_cast<const vfu*>(p); }
inline void vstore(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }
inline vf vsplat(float x) { return vf{} + x; }
inline vf vselect(vi mask, vf a, vf b) {
  vi ai, bi;
  std::memcpy(&ai, &a, sizeof(ai));
  std::memcpy(&bi, &b, sizeof(bi));
  vi r = (ai & mask) | (bi & ~mask);
  vf out;
  std::memcpy(&out, &r, sizeof(out));
  return out;
}
inline vf vabs(vf x) {
  vi xi;
  std::memcpy(&xi, &x, sizeof(xi));
  xi &= 0x7fffffff;
  vf out;
  std::memcpy(&out, &xi, sizeof(out));
  return out;
}
inline vf vcopysign(vf mag, vf sgn) {
  vi m, s;
  std::memcpy(&m, &mag, sizeof(m));
  std::memcpy(&s, &sgn, sizeof(s));
  vi r = (m & 0x7fffffff) | (s & static_cast<int32_t>(0x80000000u));
  vf out;
  std::memcpy(&out, &r, sizeof(out));
  return out;
}

// e^x: x = n ln2 + r with |r| <= ln2/2, e^r by a degree-7 Taylor polynomial
// (error < 2e-8), then two exponent-bit scalings by 2^(n/2) and 2^(n - n/2), so
// results overflow to +inf and underflow gradually to 0 like expf. NaN stays NaN.
inline vf vexp(vf x) {
  x = vselect(x > 89.f, vsplat(89.f), x);
  x = vselect(x < -104.f, vsplat(-104.f), x);
  const vf fx = x * 1.44269504088896341f;
  // Round to nearest: add/subtract 1.5 * 2^23.
  const vf n = (fx + 12582912.f) - 12582912.f;
  vf r = x - n * 0.693145751953125f;
  r = r - n * 1.428606765330187045e-06f;
  vf p = vsplat(1.f / 5040.f);
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  const vi ni = __builtin_convertvector(n, vi);
  const vi n1 = ni >> 1;
  const vi e1 = (n1 + 127) << 23;
  const vi e2 = (ni - n1 + 127) << 23;
  vf s1, s2;
  std::memcpy(&s1, &e1, sizeof(s1));
  std::memcpy(&s2, &e2, sizeof(s2));
  return (p * s1) * s2;
}

// tanh: an odd Taylor polynomial for |x| < 0.55 (error < 2e-7 relative), else
// (1 - e) / (1 + e) with e = exp(-2|x|), with the sign of x.
inline vf vtanh(vf x) {
  const vf ax = vabs(x);
  const vf x2 = x * x;
  vf p = vsplat(-929569.f / 638512875.f);
  p = p * x2 + 21844.f / 6081075.f;
  p = p * x2 + -1382.f / 155925.f;
  p = p * x2 + 62.f / 2835.f;
  p = p * x2 + -17.f / 315.f;
  p = p * x2 + 2.f / 15.f;
  p = p * x2 + -1.f / 3.f;
  const vf small = x + x * x2 * p;
  const vf e = vexp(-2.f * ax);
  const vf big = vcopysign((1.f - e) / (1.f + e), x);
  return vselect(ax < 0.55f, small, big);
}

inline vf vsigmoid(vf x) { return 1.f / (1.f + vexp(-x)); }

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

void sum_block(const float* x, float* out, int64_t o0, int64_t o1, int64_t reduce, int64_t inner) {
  for (int64_t o = o0; o < o1; ++o) {
    const float* src = x + o * reduce * inner;
    float* dst = out + o * inner;
    if (inner == 1) {
      dst[0] = sum_row(src, reduce);
      continue;
    }
    std::memcpy(dst, src, sizeof(float) * inner);
    for (int64_t r = 1; r < reduce; ++r) {
      const float* row = src + r * inner;
      for (int64_t i = 0; i < inner; ++i) dst[i] += row[i];
    }
  }
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

void tanh_f32(const float* x, float* y, int64_t n) { parallel_map(x, y, n, [](vf v) { return vtanh(v); }); }
void exp_f32(const float* x, float* y, int64_t n) { parallel_map(x, y, n, [](vf v) { return vexp(v); }); }
void sigmoid_f32(const float* x, float* y, int64_t n) { parallel_map(x, y, n, [](vf v) { return vsigmoid(v); }); }

}  // namespace kt
