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

// Reads the optional (normMean, normVar) pair: both undefined, or both [C] float buffers.
bool get_norm_stats(napi_env env, napi_value m, napi_value v, int64_t C, Floats* mean, Floats* var, const char* name) {
  const bool noMean = is_nullish(env, m), noVar = is_nullish(env, v);
  if (noMean && noVar) return true;
  if (noMean != noVar) return fail(env, std::string(name) + ": normMean and normVariance must be given together");
  if (!get_floats(env, m, mean, "normMean") || !get_floats(env, v, var, "normVariance")) return false;
  if (static_cast<int64_t>(mean->length) != C || static_cast<int64_t>(var->length) != C) {
    return fail(env, std::string(name) + ": normMean and normVariance must hold `channels` floats");
  }
  return true;
}

// batchNormForward(x, gamma, beta, normMean | undefined, normVariance | undefined, y, mean, variance, rows, channels, epsilon)
napi_value BatchNormForward(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!get_args(env, info, 11, argv)) return nullptr;
  Floats x, gamma, beta, nm, nv, y, mean, var;
  int64_t rows, C;
  double eps;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &gamma, "gamma") ||
      !get_floats(env, argv[2], &beta, "beta") || !get_floats(env, argv[5], &y, "y") ||
      !get_floats(env, argv[6], &mean, "mean") || !get_floats(env, argv[7], &var, "variance") ||
      !get_int(env, argv[8], &rows, "rows") || !get_int(env, argv[9], &C, "channels") ||
      !get_double(env, argv[10], &eps, "epsilon")) {
    return nullptr;
  }
  if (!check_bn(env, "batchNormForward", rows, C, eps, {&x, &y}, {&gamma, &beta, &mean, &var}) ||
      !get_norm_stats(env, argv[3], argv[4], C, &nm, &nv, "batchNormForward")) {
    return nullptr;
  }
  kt::batch_norm_forward(x.data, gamma.data, beta.data, nm.data, nv.data, y.data, mean.data, var.data, rows, C,
                         static_cast<float>(eps));
  return undefined(env);
}

// batchNormBackward(x, gamma, mean, variance, normMean | undefined, normVariance | undefined, dy, dmean, dvariance,
//                   dx, dgamma, dbeta, rows, channels, epsilon)
napi_value BatchNormBackward(napi_env env, napi_callback_info info) {
  napi_value argv[15];
  if (!get_args(env, info, 15, argv)) return nullptr;
  Floats x, gamma, mean, var, nm, nv, dy, dmean, dvar, dx, dgamma, dbeta;
  int64_t rows, C;
  double eps;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &gamma, "gamma") ||
      !get_floats(env, argv[2], &mean, "mean") || !get_floats(env, argv[3], &var, "variance") ||
      !get_floats(env, argv[6], &dy, "dy") || !get_floats(env, argv[7], &dmean, "dmean") ||
      !get_floats(env, argv[8], &dvar, "dvariance") || !get_floats(env, argv[9], &dx, "dx") ||
      !get_floats(env, argv[10], &dgamma, "dgamma") || !get_floats(env, argv[11], &dbeta, "dbeta") ||
      !get_int(env, argv[12], &rows, "rows") || !get_int(env, argv[13], &C, "channels") ||
      !get_double(env, argv[14], &eps, "epsilon")) {
    return nullptr;
  }
  if (!check_bn(env, "batchNormBackward", rows, C, eps, {&x, &dy, &dx}, {&gamma, &mean, &var, &dmean, &dvar, &dgamma, &dbeta}) ||
      !get_norm_stats(env, argv[4], argv[5], C, &nm, &nv, "batchNormBackward")) {
    return nullptr;
  }
  kt::batch_norm_backward(x.data, gamma.data, mean.data, var.data, nm.data, nv.data, dy.data, dmean.data, dvar.data,
                          dx.data, dgamma.data, dbeta.data, rows, C, static_cast<float>(eps));
  return undefined(env);
}

}  // namespace

void add_norm_bindings(Bindings& out) {
  out.emplace_back("batchNormForward", BatchNormForward);
  out.emplace_back("batchNormBackward", BatchNormBackward);
}

}  // namespace kt_napi
