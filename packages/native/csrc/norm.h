// Batch normalisation over the rows of a [rows, C] buffer (NHWC activations with rows = N*H*W), per channel:
// the kernels of @kt/core's batchNorm op (KtBatchNorm / KtBatchNormGrad).
#pragma once
#include <cstdint>

namespace kt {

// mean[c] and biased variance var[c] of column c over the rows (two passes, double accumulators);
// y = (x - m) / sqrt(v + eps) * gamma + beta with (m, v) = (mean, var), or the given normMean / normVar (eval mode
// with a layer's running statistics) when those are not null.
void batch_norm_forward(const float* x, const float* gamma, const float* beta, const float* normMean,
                        const float* normVar, float* y, float* mean, float* var, int64_t rows, int64_t C, float eps);

// Gradient of batch_norm_forward's three outputs (y, mean, var) given dy [rows, C], dmean [C], dvar [C] (n = rows):
// batch statistics: dx = r*gamma/n * (n*dy - dbeta - xhat*dgamma) + dmean/n + dvar * 2 (x - mean)/n with
// r = 1/sqrt(var + eps), dgamma = sum dy*xhat, dbeta = sum dy; with normMean / normVar (constants):
// dx = r'*gamma*dy + dmean/n + dvar * 2 (x - mean)/n with r' = 1/sqrt(normVar + eps), dgamma = sum dy*(x - normMean)*r'.
void batch_norm_backward(const float* x, const float* gamma, const float* mean, const float* var, const float* normMean,
                         const float* normVar, const float* dy, const float* dmean, const float* dvar, float* dx,
                         float* dgamma, float* dbeta, int64_t rows, int64_t C, float eps);

}  // namespace kt
