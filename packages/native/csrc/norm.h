// Batch normalisation over the rows of a [rows, C] buffer (NHWC activations with rows = N*H*W), per channel:
// the kernels of @kt/core's batchNorm op (KtBatchNorm / KtBatchNormGrad).
#pragma once
#include <cstdint>

namespace kt {

// mean[c] and biased variance var[c] of column c over the rows (two passes, double accumulators);
// y = (x - mean) / sqrt(var + eps) * gamma + beta.
void batch_norm_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* var,
                        int64_t rows, int64_t C, float eps);

// Gradient of batch_norm_forward's three outputs (y, mean, var) given dy [rows, C], dmean [C], dvar [C]:
// dx = r*gamma/n * (n*dy - dbeta - xhat*dgamma) + dmean/n + dvar * 2 (x - mean)/n with r = 1/sqrt(var + eps),
// dgamma = sum dy*xhat, dbeta = sum dy (per channel, n = rows).
void batch_norm_backward(const float* x, const float* gamma, const float* mean, const float* var, const float* dy,
                         const float* dmean, const float* dvar, float* dx, float* dgamma, float* dbeta, int64_t rows,
                         int64_t C, float eps);

}  // namespace kt
