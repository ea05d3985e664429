// Elementwise and reduction kernels on float32 buffers (vectorised, split
// over the thread pool when large).
#pragma once
#include <cstdint>

namespace kt {

enum class BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };

// out = a op b over an output of `rank` dims (row-major, dims[rank]); sa/sb
// are the element strides of a and b per output dim (0 where broadcast).
// The last dim's strides must be 0 or 1.
void binary(BinaryOp op, const float* a, const float* b, float* out, int rank, const int64_t* dims,
            const int64_t* sa, const int64_t* sb);

// out[o, i] = sum_r x[o, r, i] for x seen as [outer, reduce, inner].
void reduce_sum(const float* x, float* out, int64_t outer, int64_t reduce, int64_t inner);
// out[o, i] = max over r of x[o, r, i] (NaN propagates); reduce >= 1.
void reduce_max(const float* x, float* out, int64_t outer, int64_t reduce, int64_t inner);

// Vectorised tanh / exp / sigmoid, accurate to a few float ulps.
void tanh_f32(const float* x, float* y, int64_t n);
void exp_f32(const float* x, float* y, int64_t n);
void sigmoid_f32(const float* x, float* y, int64_t n);

// Coefficients of one Adam step, each already rounded to float32 as tfjs's
// scalar tensors are.
struct AdamCoefficients {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, oneMinusAccBeta1, oneMinusAccBeta2, epsilon, negLearningRate;
};

// One Adam update of n values (tfjs's formula); outputs may alias inputs.
void adam_update(const AdamCoefficients& c, const float* value, const float* m, const float* v, const float* g,
                 float* valueOut, float* mOut, float* vOut, int64_t n);

// GELU, tanh form: y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); dx = dy * y'(x).
void gelu_forward(const float* x, float* y, int64_t n);
void gelu_backward(const float* x, const float* dy, float* dx, int64_t n);

// LayerNorm over the last dim d of [rows, d]: y = (x - mean) / sqrt(var + eps) * gamma + beta;
// the backward recomputes the row statistics and writes dx, dgamma, dbeta.
void layer_norm_forward(const float* x, const float* gamma, const float* beta, float* y, int64_t rows, int64_t d,
                        float eps);
void layer_norm_backward(const float* x, const float* gamma, const float* dy, float* dx, float* dgamma, float* dbeta,
                         int64_t rows, int64_t d, float eps);

// out[sum c[d]*outStrides[d] + i] = x[sum c[d]*xStrides[d] + i] for every coordinate c of dims and i < inner.
void strided_copy(const float* x, float* out, int rank, const int64_t* dims, const int64_t* xStrides,
                  const int64_t* outStrides, int64_t inner);
void transpose_2d(const float* x, float* out, int64_t batch, int64_t rows, int64_t cols);

// Dropout with a counter-based mask: element i is kept when u_i = (lowbias32(lowbias32(seed) + i) >> 8) / 2^24
// >= rate, then out[i] = x[i] * scale, else 0. Its gradient is the same call on dy (same seed).
void dropout(const float* x, float* out, int64_t n, uint32_t seed, float rate, float scale);

}  // namespace kt
