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

// Vectorised tanh / exp / sigmoid, accurate to a few float ulps.
void tanh_f32(const float* x, float* y, int64_t n);
void exp_f32(const float* x, float* y, int64_t n);
void sigmoid_f32(const float* x, float* y, int64_t n);

}  // namespace kt
