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

namespace {

// Row i of one (batch, head): which keys it may attend, marked in `allowed` (1/0). Returns false when no key is
// allowed: then `allowed` marks the keys the causal mask allows (every key when not causal), over which the row
// attends uniformly, as the composite's additive -1e9 biases make it in float32 (they swamp the scores).
bool allowed_keys(const AttentionGeometry& g, int b, int i, unsigned char* allowed) {
  const int causalLimit = g.causal ? i + (g.Tk - g.Tq) : g.Tk - 1;
  const float* pad = g.keyPad == nullptr ? nullptr : g.keyPad + static_cast<int64_t>(b) * g.Tk;
  int n = 0;
  for (int j = 0; j < g.Tk; ++j) {
    const bool ok = j <= causalLimit && (pad == nullptr || pad[j] == 0.f);
    allowed[j] = ok ? 1 : 0;
    n += ok ? 1 : 0;
  }
  if (n > 0) return true;
  for (int j = 0; j < g.Tk; ++j) allowed[j] = j <= causalLimit ? 1 : 0;
  return false;
}

}  // namespace

void attention_forward(const AttentionGeometry& g, const float* q, const float* k, const float* v, float* out,
                       float* probs) {
  const int D = g.H * g.dh;
  const int Tq = g.Tq, Tk = g.Tk, dh = g.dh;
  parallel_rows(static_cast<int64_t>(g.B) * g.H, static_cast<int64_t>(Tq) * Tk, [&](int64_t bh) {
    thread_local std::vector<unsigned char> allowedBuf;
    if (allowedBuf.size() < static_cast<size_t>(Tk)) allowedBuf.resize(static_cast<size_t>(Tk));
    unsigned char* allowed = allowedBuf.data();
    const int b = static_cast<int>(bh / g.H), h = static_cast<int>(bh % g.H);
    const float* qb = q + static_cast<int64_t>(b) * Tq * g.ldq + h * dh;
    const float* kb = k + static_cast<int64_t>(b) * Tk * g.ldk + h * dh;
    const float* vb = v + static_cast<int64_t>(b) * Tk * g.ldv + h * dh;
    float* p = probs + bh * Tq * Tk;
    // S = q k^T, then each row: softmax(scale * S) over the allowed keys, 0 elsewhere.
    sgemm_st(false, true, Tq, Tk, dh, qb, static_cast<int>(g.ldq), kb, static_cast<int>(g.ldk), p, Tk, false);
    for (int i = 0; i < Tq; ++i) {
      float* row = p + static_cast<int64_t>(i) * Tk;
      if (!allowed_keys(g, b, i, allowed)) {
        int n = 0;
        for (int j = 0; j < Tk; ++j) n += allowed[j];
        for (int j = 0; j < Tk; ++j) row[j] = allowed[j] ? 1.f / static_cast<float>(n) : 0.f;
        continue;
      }
      float m = -std::numeric_limits<float>::infinity();
      for (int j = 0; j < Tk; ++j) {
        row[j] *= g.scale;
        if (allowed[j]) m = std::max(m, row[j]);
      }
      float sum = 0.f;
      for (int j = 0; j < Tk; ++j) {
        row[j] = allowed[j] ? std::exp(row[j] - m) : 0.f;
        sum += row[j];
      }
      const float inv = 1.f / sum;
      for (int j = 0; j < Tk; ++j) row[j] *= inv;
    }
    sgemm_st(false, false, Tq, dh, Tk, p, Tk, vb, static_cast<int>(g.ldv), out + static_cast<int64_t>(b) * Tq * D + h * dh,
             D, false);
  });
}

void attention_backward(const AttentionGeometry& g, const float* q, const float* k, const float* v, const float* probs,
                        const float* dout, float* dq, float* dk, float* dv) {
  const int D = g.H * g.dh;
  const int Tq = g.Tq, Tk = g.Tk, dh = g.dh;
  const int ldq = static_cast<int>(g.ldq), ldk = static_cast<int>(g.ldk), ldv = static_cast<int>(g.ldv);
  parallel_rows(static_cast<int64_t>(g.B) * g.H, static_cast<int64_t>(Tq) * Tk, [&](int64_t bh) {
    thread_local std::vector<float> dsBuf;
    if (dsBuf.size() < static_cast<size_t>(Tq) * Tk) dsBuf.resize(static_cast<size_t>(Tq) * Tk);
    float* ds = dsBuf.data();
    const int b = static_cast<int>(bh / g.H), h = static_cast<int>(bh % g.H);
    const int64_t qo = static_cast<int64_t>(b) * Tq * g.ldq + h * dh;
    const int64_t ko = static_cast<int64_t>(b) * Tk * g.ldk + h * dh;
    const int64_t vo = static_cast<int64_t>(b) * Tk * g.ldv + h * dh;
    const float* p = probs + bh * Tq * Tk;
    const float* dO = dout + static_cast<int64_t>(b) * Tq * D + h * dh;
    // dV = P^T dO; dP = dO V^T.
    sgemm_st(true, false, Tk, dh, Tq, p, Tk, dO, D, dv + vo, ldv, false);
    sgemm_st(false, true, Tq, Tk, dh, dO, D, v + vo, ldv, ds, Tk, false);
    // dS = scale * P * (dP - rowsum(dP * P)); masked entries have P = 0.
    for (int i = 0; i < Tq; ++i) {
      const float* pr = p + static_cast<int64_t>(i) * Tk;
      float* dr = ds + static_cast<int64_t>(i) * Tk;
      float dot = 0.f;
      for (int j = 0; j < Tk; ++j) dot += dr[j] * pr[j];
      for (int j = 0; j < Tk; ++j) dr[j] = g.scale * (pr[j] * (dr[j] - dot));
    }
    // dQ = dS K; dK = dS^T Q.
    sgemm_st(false, false, Tq, dh, Tk, ds, Tk, k + ko, ldk, dq + qo, ldq, false);
    sgemm_st(true, false, Tk, dh, Tq, ds, Tk, q + qo, ldq, dk + ko, ldk, false);
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

namespace {

// ls[j] = x[j] * invT - logsumexp(x * invT) (an all -inf row gives NaN, as tf.logSoftmax does).
void log_softmax_scaled(const float* x, float invT, float* ls, int64_t n) {
  for (int64_t j = 0; j < n; ++j) ls[j] = x[j] * invT;
  const float m = row_max(ls, n);
  vf acc = vf{};
  int64_t j = 0;
  for (; j + VW <= n; j += VW) acc += vexp(vload(ls + j) - m);
  double sum = 0.0;
  for (int l = 0; l < VW; ++l) sum += acc[l];
  for (; j < n; ++j) sum += std::exp(ls[j] - m);
  const float lse = m + static_cast<float>(std::log(sum));
  for (j = 0; j < n; ++j) ls[j] -= lse;
}

// exp(x) that is exactly 0 at x = -inf (vexp clamps its argument).
inline vf vexp0(vf x, vf negInf) { return vselect(x == negInf, vf{}, vexp(x)); }

}  // namespace

void token_kl_forward(const float* a, const float* b, const float* mask, float invT, float* kl, float* logP, float* logQ,
                      int64_t rows, int64_t cols) {
  const float negInf = -std::numeric_limits<float>::infinity();
  const vf vNegInf = vsplat(negInf);
  parallel_rows(rows, cols * 4, [&](int64_t i) {
    float* lp = logP + i * cols;
    float* lq = logQ + i * cols;
    if (mask != nullptr && mask[i] == 0.f) {
      std::fill(lp, lp + cols, 0.f);
      std::fill(lq, lq + cols, 0.f);
      kl[i] = 0.f;
      return;
    }
    log_softmax_scaled(a + i * cols, invT, lp, cols);
    log_softmax_scaled(b + i * cols, invT, lq, cols);
    // Terms where log p = -inf add nothing (selected, so no 0 * inf); a NaN row stays NaN.
    vf acc = vf{};
    int64_t j = 0;
    for (; j + VW <= cols; j += VW) {
      const vf p = vload(lp + j);
      acc += vselect(p == vNegInf, vf{}, vexp(p) * (p - vload(lq + j)));
    }
    double s = 0.0;
    for (int l = 0; l < VW; ++l) s += acc[l];
    for (; j < cols; ++j) {
      if (lp[j] != negInf) s += static_cast<double>(std::exp(lp[j])) * (static_cast<double>(lp[j]) - lq[j]);
    }
    kl[i] = static_cast<float>(s);
  });
}

void token_kl_backward(const float* logP, const float* logQ, const float* kl, const float* dy, const float* mask,
                       float invT, bool wrt_p, float* grad, int64_t rows, int64_t cols) {
  const float negInf = -std::numeric_limits<float>::infinity();
  const vf vNegInf = vsplat(negInf);
  parallel_rows(rows, cols * 2, [&](int64_t i) {
    float* g = grad + i * cols;
    if (mask != nullptr && mask[i] == 0.f) {
      std::fill(g, g + cols, 0.f);
      return;
    }
    const float* lp = logP + i * cols;
    const float* lq = logQ + i * cols;
    const float scale = dy[i] * invT;
    int64_t j = 0;
    if (wrt_p) {
      const float k = kl[i];
      for (; j + VW <= cols; j += VW) {
        const vf p = vload(lp + j);
        vstore(g + j, vselect(p == vNegInf, vf{}, scale * vexp(p) * (p - vload(lq + j) - k)));
      }
      for (; j < cols; ++j) g[j] = lp[j] == negInf ? 0.f : scale * std::exp(lp[j]) * (lp[j] - lq[j] - k);
    } else {
      for (; j + VW <= cols; j += VW) vstore(g + j, scale * (vexp0(vload(lq + j), vNegInf) - vexp0(vload(lp + j), vNegInf)));
      for (; j < cols; ++j) g[j] = scale * (std::exp(lq[j]) - (lp[j] == negInf ? 0.f : std::exp(lp[j])));
    }
  });
}


void token_jsd_forward(const float* t, const float* l, const float* mask, float invT, float beta, float* jsd, float* logPl,
                       float* logM, float* klL, int64_t rows, int64_t cols) {
  const float negInf = -std::numeric_limits<float>::infinity();
  const float logBeta = static_cast<float>(std::log(static_cast<double>(beta)));
  const float logRest = static_cast<float>(std::log1p(-static_cast<double>(beta)));
  parallel_rows(rows, cols * 8, [&](int64_t i) {
    float* lpl = logPl + i * cols;
    float* lm = logM + i * cols;
    if (mask != nullptr && mask[i] == 0.f) {
      std::fill(lpl, lpl + cols, 0.f);
      std::fill(lm, lm + cols, 0.f);
      jsd[i] = 0.f;
      klL[i] = 0.f;
      return;
    }
    // log p_t goes into lm first; each entry is then replaced by log m = logaddexp(log β + log p_t, log(1−β) + log p_l).
    log_softmax_scaled(t + i * cols, invT, lm, cols);
    log_softmax_scaled(l + i * cols, invT, lpl, cols);
    double kt = 0.0;
    double kl = 0.0;
    int64_t j = 0;
    {
      const vf vNegInf = vsplat(negInf);
      vf accT = vf{};
      vf accL = vf{};
      for (; j + VW <= cols; j += VW) {
        const vf pt = vload(lm + j);
        const vf pl = vload(lpl + j);
        const vf a = logBeta + pt;
        const vf b = logRest + pl;
        const vi aHigher = a > b;
        const vf hi = vselect(aHigher, a, b);
        const vf lo = vselect(aHigher, b, a);
        // Both −∞: m = −∞ (not NaN from −∞ − −∞); one −∞: e^(lo − hi) = 0 and m = hi; a NaN stays NaN.
        const vf m = vselect(hi == vNegInf, vNegInf, hi + vlog1p_unit(vexp(lo - hi)));
        accT += vselect(pt == vNegInf, vf{}, vexp(pt) * (pt - m));
        accL += vselect(pl == vNegInf, vf{}, vexp(pl) * (pl - m));
        vstore(lm + j, m);
      }
      for (int l = 0; l < VW; ++l) {
        kt += accT[l];
        kl += accL[l];
      }
    }
    for (; j < cols; ++j) {
      const float pt = lm[j];
      const float pl = lpl[j];
      const float a = logBeta + pt;
      const float b = logRest + pl;
      const float hi = std::max(a, b);
      // m = 0 only where both are 0 (then neither KL term is counted); a NaN row stays NaN.
      const float m = std::isnan(a) || std::isnan(b) ? std::numeric_limits<float>::quiet_NaN()
                      : hi == negInf                 ? hi
                                                     : hi + std::log1p(std::exp(std::min(a, b) - hi));
      if (pt != negInf) kt += static_cast<double>(std::exp(pt) * (pt - m));
      if (pl != negInf) kl += static_cast<double>(std::exp(pl) * (pl - m));
      lm[j] = m;
    }
    klL[i] = static_cast<float>(kl);
    jsd[i] = static_cast<float>(beta * kt + (1.0 - beta) * kl);
  });
}

}  // namespace kt
