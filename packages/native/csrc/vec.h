// Portable float vectors (GCC/Clang vector extensions) and vectorised exp / tanh / sigmoid,
// shared by the elementwise and attention kernels.
#pragma once
#include <cstdint>
#include <cstring>

namespace kt {
namespace vec {

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

// log(1 + r) for r in [0, 1] (the log-sum-exp of two log-probabilities: r = e^(lo - hi)): with s = r / (2 + r) in
// [0, 1/3], log(1 + r) = 2 atanh(s) = 2 (s + s^3/3 + ... + s^15/15), error < 2e-9 relative; r is never added to 1,
// so small r keep their digits. NaN stays NaN.
inline vf vlog1p_unit(vf r) {
  const vf s = r / (2.f + r);
  const vf s2 = s * s;
  vf p = vsplat(1.f / 15.f);
  p = p * s2 + 1.f / 13.f;
  p = p * s2 + 1.f / 11.f;
  p = p * s2 + 1.f / 9.f;
  p = p * s2 + 1.f / 7.f;
  p = p * s2 + 1.f / 5.f;
  p = p * s2 + 1.f / 3.f;
  p = p * s2 + 1.f;
  return 2.f * s * p;
}

}  // namespace vec
}  // namespace kt
