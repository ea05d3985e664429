// N-API bindings of the batch normalisation kernels (norm.h) (see napi_args.h).
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "napi_args.h"
#include "norm.h"

namespace kt_napi {
namespace {

// Checks rows >= 0, C >= 1, eps >= 0 finite, and that every [rows, C] buffer and every [C] buffer has that many floats.
bool check_bn(napi_env env, const char* name, int64_t rows, int64_t C, double eps, std::initializer_list<const Floats*> full,
              std::initializer_list<const Floats*> perChannel) {
  if (rows < 0 || C < 1 || static_cast<double>(rows) * C > 4e18) return fail(env, std::string(name) + ": rows must be >= 0 and channels >= 1");
  if (!(eps >= 0) || !std::isfinite(eps)) return fail(env, std::string(name) + ": epsilon must be a finite number >= 0");
  for (const Floats* f : full) {
    if (static_cast<int64_t>(f->length) != rows * C) return fail(env, std::string(name) + ": buffer sizes do not match [rows, channels]");
  }
  for (const Floats* f : perChannel) {
    if (static_cast<int64_t>(f->length) != C) return fail(env, std::string(name) + ": per-channel buffers must hold `channels` floats");
  }
  return true;
}

// batchNormForward(x, gamma, beta, y, mean, variance, rows, channels, epsilon)
napi_value BatchNormForward(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, argv)) return nullptr;
  Floats x, gamma, beta, y, mean, var;
  int64_t rows, C;
  double eps;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &gamma, "gamma") ||
      !get_floats(env, argv[2], &beta, "beta") || !get_floats(env, argv[3], &y, "y") ||
      !get_floats(env, argv[4], &mean, "mean") || !get_floats(env, argv[5], &var, "variance") ||
      !get_int(env, argv[6], &rows, "rows") || !get_int(env, argv[7], &C, "channels") ||
      !get_double(env, argv[8], &eps, "epsilon")) {
    return nullptr;
  }
  if (!check_bn(env, "batchNormForward", rows, C, eps, {&x, &y}, {&gamma, &beta, &mean, &var})) return nullptr;
  kt::batch_norm_forward(x.data, gamma.data, beta.data, y.data, mean.data, var.data, rows, C, static_cast<float>(eps));
  return undefined(env);
}

// batchNormBackward(x, gamma, mean, variance, dy, dmean, dvariance, dx, dgamma, dbeta, rows, channels, epsilon)
napi_value BatchNormBackward(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  if (!get_args(env, info, 13, argv)) return nullptr;
  Floats x, gamma, mean, var, dy, dmean, dvar, dx, dgamma, dbeta;
  int64_t rows, C;
  double eps;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &gamma, "gamma") ||
      !get_floats(env, argv[2], &mean, "mean") || !get_floats(env, argv[3], &var, "variance") ||
      !get_floats(env, argv[4], &dy, "dy") || !get_floats(env, argv[5], &dmean, "dmean") ||
      !get_floats(env, argv[6], &dvar, "dvariance") || !get_floats(env, argv[7], &dx, "dx") ||
      !get_floats(env, argv[8], &dgamma, "dgamma") || !get_floats(env, argv[9], &dbeta, "dbeta") ||
      !get_int(env, argv[10], &rows, "rows") || !get_int(env, argv[11], &C, "channels") ||
      !get_double(env, argv[12], &eps, "epsilon")) {
    return nullptr;
  }
  if (!check_bn(env, "batchNormBackward", rows, C, eps, {&x, &dy, &dx}, {&gamma, &mean, &var, &dmean, &dvar, &dgamma, &dbeta})) {
    return nullptr;
  }
  kt::batch_norm_backward(x.data, gamma.data, mean.data, var.data, dy.data, dmean.data, dvar.data, dx.data, dgamma.data,
                          dbeta.data, rows, C, static_cast<float>(eps));
  return undefined(env);
}

}  // namespace

void add_norm_bindings(Bindings& out) {
  out.emplace_back("batchNormForward", BatchNormForward);
  out.emplace_back("batchNormBackward", BatchNormBackward);
}

}  // namespace kt_napi
