// Fused softmax-based training ops: multi-head self-attention on a packed QKV
// projection, and softmax cross-entropy.
#pragma once
#include <cstdint>

namespace kt {

// Multi-head attention geometry. q rows [B, Tq] (row stride ldq floats, head h in columns h*dh .. h*dh+dh-1),
// k and v rows [B, Tk] (strides ldk, ldv): a packed self-attention projection [q | k | v] is q = qkv,
// k = qkv + D, v = qkv + 2D with ld 3D; cross-attention is q [B, Tq, D] (ld D) with a packed kv (ld 2D).
struct AttentionGeometry {
  int B, Tq, Tk, H, dh;
  int64_t ldq, ldk, ldv;
  float scale;
  // Query i may attend key j only when j <= i + (Tk - Tq).
  bool causal;
  // [B, Tk]: nonzero at keys no query may attend (padding); null for none.
  const float* keyPad;
};

// out [B, Tq, H*dh] (heads merged); probs [B, H, Tq, Tk] = softmax(scale * q k^T) over the allowed keys (0 elsewhere;
// a row with none attends uniformly to its causally allowed keys, as additive -1e9 masks do in float32).
void attention_forward(const AttentionGeometry& g, const float* q, const float* k, const float* v, float* out,
                       float* probs);

// Gradient of attention_forward from dout [B, Tq, H*dh] and the saved probs: dq, dk, dv with the geometry of q, k, v
// (every column block of each head written, so packed gradients are fully covered).
void attention_backward(const AttentionGeometry& g, const float* q, const float* k, const float* v, const float* probs,
                        const float* dout, float* dq, float* dk, float* dv);

// Row-wise: logSoftmax[i] = logits[i] - logsumexp(logits[i]); loss[i] = -sum_j labels[i,j] * logSoftmax[i,j].
void softmax_xent_forward(const float* logits, const float* labels, float* loss, float* logSoftmax, int64_t rows,
                          int64_t cols);

// dlogits = dy[i] * (exp(logSoftmax) * sum_j labels[i,j] - labels); dlabels = -dy[i] * logSoftmax.
void softmax_xent_backward(const float* labels, const float* logSoftmax, const float* dy, float* dlogits,
                           float* dlabels, int64_t rows, int64_t cols);

// Row-wise KL(p || q) with p = softmax(a / T), q = softmax(b / T) (invT = 1 / T), 0 log 0 = 0 (entries with
// log p = -inf add nothing, +inf where p > 0 = q). Writes kl [rows] and the saved logP, logQ [rows, cols]; a row with
// mask[i] == 0 (mask may be null) gets kl 0 and zero logP, logQ.
void token_kl_forward(const float* a, const float* b, const float* mask, float invT, float* kl, float* logP, float* logQ,
                      int64_t rows, int64_t cols);

// Gradient of token_kl_forward scaled by dy [rows]: wrt_p false gives d/db = dy invT (q - p); wrt_p true gives
// d/da = dy invT p (log p - log q - kl), 0 where p = 0. Masked rows get 0.
void token_kl_backward(const float* logP, const float* logQ, const float* kl, const float* dy, const float* mask,
                       float invT, bool wrt_p, float* grad, int64_t rows, int64_t cols);

// Per row, generalised JSD_β = β KL(p_t ‖ m) + (1 − β) KL(p_l ‖ m), m = β p_t + (1 − β) p_l, of p_t = softmax(t invT) and
// p_l = softmax(l invT), into jsd [rows]; saves log p_l, log m and klL = KL(p_l ‖ m). Its gradient with respect to l
// is token_kl_backward(logPl, logM, klL, dy (1 − β), wrt_p = true). Terms with p = 0 count 0; masked rows give 0.
void token_jsd_forward(const float* t, const float* l, const float* mask, float invT, float beta, float* jsd, float* logPl,
                       float* logM, float* klL, int64_t rows, int64_t cols);

}  // namespace kt
