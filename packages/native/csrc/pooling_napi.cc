// N-API bindings of the pooling gradients (pooling.h) (see napi_args.h).
#include <cstdint>
#include <string>

#include "napi_args.h"
#include "pooling.h"

namespace kt_napi {
namespace {

// maxPoolGrad(x, dy, dx, params = [batch, inH, inW, channels, outH, outW, strideH, strideW, dilationH, dilationW,
// effectiveFilterH, effectiveFilterW, padTop, padLeft])
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return nullptr;
  Floats x, dy, dx;
  Ints p;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &dy, "dy") || !get_floats(env, argv[2], &dx, "dx") ||
      !get_ints(env, argv[3], &p, "params")) {
    return nullptr;
  }
  if (p.length != 14) {
    fail(env, "maxPoolGrad: params must hold 14 values");
    return nullptr;
  }
  const kt::PoolGeometry g{p.data[0], p.data[1], p.data[2], p.data[3], p.data[4],  p.data[5],  p.data[6],
                           p.data[7], p.data[8], p.data[9], p.data[10], p.data[11], p.data[12], p.data[13]};
  if (g.batch < 0 || g.inH < 1 || g.inW < 1 || g.channels < 1 || g.outH < 0 || g.outW < 0 || g.strideH < 1 || g.strideW < 1 ||
      g.dilationH < 1 || g.dilationW < 1 || g.filterH < 1 || g.filterW < 1) {
    fail(env, "maxPoolGrad: sizes, strides, dilations and filter sizes must be positive");
    return nullptr;
  }
  const int64_t inSize = static_cast<int64_t>(g.batch) * g.inH * g.inW * g.channels;
  const int64_t outSize = static_cast<int64_t>(g.batch) * g.outH * g.outW * g.channels;
  if (static_cast<int64_t>(x.length) != inSize || static_cast<int64_t>(dx.length) != inSize ||
      static_cast<int64_t>(dy.length) != outSize) {
    fail(env, "maxPoolGrad: buffer sizes do not match x, dx [batch, inH, inW, channels] and dy [batch, outH, outW, channels]");
    return nullptr;
  }
  kt::max_pool_grad(g, x.data, dy.data, dx.data);
  return undefined(env);
}

}  // namespace

void add_pooling_bindings(Bindings& out) { out.emplace_back("maxPoolGrad", MaxPoolGrad); }

}  // namespace kt_napi
