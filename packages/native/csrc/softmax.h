// Fused softmax-based training ops: multi-head self-attention on a packed QKV
// projection, and softmax cross-entropy.
#pragma once
#include <cstdint>

namespace kt {

// qkv: [B, T, 3*H*dh] rows (q | k | v, head h in columns h*dh .. h*dh+dh-1 of each part).
// out: [B, T, H*dh] (heads merged); probs: [B, H, T, T] = softmax(scale * q k^T (+ causal mask)).
void attention_forward(const float* qkv, float* out, float* probs, int B, int T, int H, int dh, float scale,
                       bool causal);

// Gradient of attention_forward: dqkv [B, T, 3*H*dh] from dout [B, T, H*dh] and the saved probs.
void attention_backward(const float* qkv, const float* probs, const float* dout, float* dqkv, int B, int T, int H,
                        int dh, float scale);

// Row-wise: logSoftmax[i] = logits[i] - logsumexp(logits[i]); loss[i] = -sum_j labels[i,j] * logSoftmax[i,j].
void softmax_xent_forward(const float* logits, const float* labels, float* loss, float* logSoftmax, int64_t rows,
                          int64_t cols);

// dlogits = dy[i] * (exp(logSoftmax) * sum_j labels[i,j] - labels); dlabels = -dy[i] * logSoftmax.
void softmax_xent_backward(const float* labels, const float* logSoftmax, const float* dy, float* dlogits,
                           float* dlabels, int64_t rows, int64_t cols);

}  // namespace kt
