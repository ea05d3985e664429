// NHWC 2-D convolution by im2col + GEMM. Filters are [fH, fW, inC, outC].
#pragma once

namespace kt {

struct ConvParams {
  int batch, inH, inW, inC, outH, outW, outC, fH, fW, strideH, strideW, dilH, dilW, padTop, padLeft;
};

void conv2d(const ConvParams& p, const float* x, const float* w, float* y);
void conv2d_backprop_input(const ConvParams& p, const float* dy, const float* w, float* dx);
void conv2d_backprop_filter(const ConvParams& p, const float* x, const float* dy, float* dw);

}  // namespace kt
