// N-API bindings of the convolution kernels (conv.h) (see napi_args.h).
#include <cstdint>
#include <string>

#include "conv.h"
#include "napi_args.h"

namespace kt_napi {
namespace {

bool get_conv_params(napi_env env, napi_value v, kt::ConvParams* p) {
  Ints g;
  if (!get_ints(env, v, &g, "params")) return false;
  if (g.length < 15) return fail(env, "conv params: expected 15 integers");
  const int32_t* d = g.data;
  *p = kt::ConvParams{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
  for (int i = 0; i < 9; ++i) {
    if (d[i] < 0) return fail(env, "conv params: negative size");
  }
  if (p->strideH < 1 || p->strideW < 1 || p->dilH < 1 || p->dilW < 1) return fail(env, "conv params: strides and dilations must be >= 1");
  return true;
}

enum ConvKind { kForward, kBackpropInput, kBackpropFilter };

napi_value Conv(napi_env env, napi_callback_info info, ConvKind kind) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return nullptr;
  Floats in0, in1, out;
  kt::ConvParams p;
  if (!get_floats(env, argv[0], &in0, "input0") || !get_floats(env, argv[1], &in1, "input1") ||
      !get_floats(env, argv[2], &out, "output") || !get_conv_params(env, argv[3], &p)) {
    return nullptr;
  }
  const int64_t xSize = static_cast<int64_t>(p.batch) * p.inH * p.inW * p.inC;
  const int64_t wSize = static_cast<int64_t>(p.fH) * p.fW * p.inC * p.outC;
  const int64_t ySize = static_cast<int64_t>(p.batch) * p.outH * p.outW * p.outC;
  const int64_t colsRow = static_cast<int64_t>(p.fH) * p.fW * p.inC;
  if (static_cast<int64_t>(p.outH) * p.outW * p.batch > INT32_MAX || colsRow > INT32_MAX) {
    fail(env, "conv: problem too large");
    return nullptr;
  }
  switch (kind) {
    case kForward:
      if (!check_len(env, in0, xSize, "x") || !check_len(env, in1, wSize, "filter") || !check_len(env, out, ySize, "y")) return nullptr;
      if (ySize > 0) kt::conv2d(p, in0.data, in1.data, out.data);
      break;
    case kBackpropInput:
      if (!check_len(env, in0, ySize, "dy") || !check_len(env, in1, wSize, "filter") || !check_len(env, out, xSize, "dx")) return nullptr;
      if (xSize > 0) kt::conv2d_backprop_input(p, in0.data, in1.data, out.data);
      break;
    case kBackpropFilter:
      if (!check_len(env, in0, xSize, "x") || !check_len(env, in1, ySize, "dy") || !check_len(env, out, wSize, "dw")) return nullptr;
      if (wSize > 0) kt::conv2d_backprop_filter(p, in0.data, in1.data, out.data);
      break;
  }
  return undefined(env);
}

napi_value Conv2D(napi_env env, napi_callback_info info) { return Conv(env, info, kForward); }
napi_value Conv2DBackpropInput(napi_env env, napi_callback_info info) { return Conv(env, info, kBackpropInput); }
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) { return Conv(env, info, kBackpropFilter); }

}  // namespace

void add_conv_bindings(Bindings& out) {
  out.emplace_back("conv2d", Conv2D);
  out.emplace_back("conv2dBackpropInput", Conv2DBackpropInput);
  out.emplace_back("conv2dBackpropFilter", Conv2DBackpropFilter);
}

}  // namespace kt_napi
