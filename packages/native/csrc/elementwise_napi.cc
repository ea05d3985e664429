// N-API bindings of the elementwise, reduction, copy and per-element training kernels (elementwise.h) (see napi_args.h).
#include <cmath>
#include <cstdint>
#include <string>

#include "elementwise.h"
#include "pool.h"
#include "napi_args.h"

namespace kt_napi {
namespace {

enum UnaryOp { kTanh = 0, kExp = 1, kSigmoidOp = 2 };


// unary(op, x, out): out[i] = f(x[i]) for tanh, exp, sigmoid.
napi_value Unary(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return nullptr;
  int64_t op;
  Floats x, out;
  if (!get_int(env, argv[0], &op, "op") || !get_floats(env, argv[1], &x, "x") || !get_floats(env, argv[2], &out, "out")) {
    return nullptr;
  }
  if (out.length < x.length) {
    fail(env, "unary: output is too small");
    return nullptr;
  }
  if (op < kTanh || op > kSigmoidOp) {
    fail(env, "unary: unknown op");
    return nullptr;
  }
  switch (op) {
    case kTanh: kt::tanh_f32(x.data, out.data, static_cast<int64_t>(x.length)); break;
    case kExp: kt::exp_f32(x.data, out.data, static_cast<int64_t>(x.length)); break;
    default: kt::sigmoid_f32(x.data, out.data, static_cast<int64_t>(x.length)); break;
  }
  return undefined(env);
}

// pow(x, y, out): out[i] = x[i] ** y[i], or x[i] ** y[0] when y has one element.
napi_value Pow(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return nullptr;
  Floats x, y, out;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &y, "y") || !get_floats(env, argv[2], &out, "out")) {
    return nullptr;
  }
  if (out.length < x.length || (y.length != 1 && y.length < x.length)) {
    fail(env, "pow: operand sizes do not match");
    return nullptr;
  }
  const float* xs = x.data;
  const float* ys = y.data;
  float* zs = out.data;
  if (y.length == 1) {
    const float e = ys[0];
    kt::parallel_range(static_cast<int64_t>(x.length), x.length >= (1u << 15), [&](int64_t i0, int64_t i1) {
      if (e == 2.f) {
        for (int64_t i = i0; i < i1; ++i) zs[i] = xs[i] * xs[i];
      } else if (e == 3.f) {
        for (int64_t i = i0; i < i1; ++i) zs[i] = xs[i] * xs[i] * xs[i];
      } else if (e == 1.f) {
        for (int64_t i = i0; i < i1; ++i) zs[i] = xs[i];
      } else {
        for (int64_t i = i0; i < i1; ++i) zs[i] = std::pow(xs[i], e);
      }
    });
  } else {
    kt::parallel_range(static_cast<int64_t>(x.length), x.length >= (1u << 15), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) zs[i] = std::pow(xs[i], ys[i]);
    });
  }
  return undefined(env);
}

// binary(op, a, b, out, geometry): geometry = [rank, dims[rank], aStrides[rank], bStrides[rank]];
// op: 0 add, 1 sub, 2 mul, 3 div. Every offset reachable through the strides is checked.
napi_value Binary(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return nullptr;
  int64_t op;
  Floats a, b, out;
  Ints g;
  if (!get_int(env, argv[0], &op, "op") || !get_floats(env, argv[1], &a, "a") || !get_floats(env, argv[2], &b, "b") ||
      !get_floats(env, argv[3], &out, "out") || !get_ints(env, argv[4], &g, "geometry")) {
    return nullptr;
  }
  if (op < 0 || op > 3) {
    fail(env, "binary: unknown op");
    return nullptr;
  }
  if (g.length < 1 || g.data[0] < 1 || g.data[0] > 8 || g.length < static_cast<size_t>(1 + 3 * g.data[0])) {
    fail(env, "binary: bad geometry");
    return nullptr;
  }
  const int rank = g.data[0];
  int64_t dims[8], sa[8], sb[8];
  int64_t total = 1, lastA = 0, lastB = 0;
  for (int d = 0; d < rank; ++d) {
    dims[d] = g.data[1 + d];
    sa[d] = g.data[1 + rank + d];
    sb[d] = g.data[1 + 2 * rank + d];
    if (dims[d] < 1 || sa[d] < 0 || sb[d] < 0) {
      fail(env, "binary: bad geometry");
      return nullptr;
    }
    total *= dims[d];
    lastA += (dims[d] - 1) * sa[d];
    lastB += (dims[d] - 1) * sb[d];
  }
  if ((sa[rank - 1] != 0 && sa[rank - 1] != 1) || (sb[rank - 1] != 0 && sb[rank - 1] != 1)) {
    fail(env, "binary: innermost strides must be 0 or 1");
    return nullptr;
  }
  if (static_cast<int64_t>(out.length) < total || lastA >= static_cast<int64_t>(a.length) ||
      lastB >= static_cast<int64_t>(b.length)) {
    fail(env, "binary: operands are too small for the geometry");
    return nullptr;
  }
  kt::binary(static_cast<kt::BinaryOp>(op), a.data, b.data, out.data, rank, dims, sa, sb);
  return undefined(env);
}

// sum(x, out, outer, reduce, inner): out[o, i] = sum_r x[o, r, i].
// sum / max (x, out, outer, reduce, inner): out[o, i] = reduction over r of x[o, r, i].
napi_value Reduce(napi_env env, napi_callback_info info, bool isMax) {
  const char* name = isMax ? "max" : "sum";
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return nullptr;
  Floats x, out;
  int64_t outer, reduce, inner;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &out, "out") || !get_int(env, argv[2], &outer, "outer") ||
      !get_int(env, argv[3], &reduce, "reduce") || !get_int(env, argv[4], &inner, "inner")) {
    return nullptr;
  }
  if (outer < 0 || reduce < (isMax ? 1 : 0) || inner < 0 || static_cast<double>(outer) * reduce * inner > 4e18) {
    fail(env, std::string(name) + ": bad sizes");
    return nullptr;
  }
  if (static_cast<int64_t>(x.length) < outer * reduce * inner || static_cast<int64_t>(out.length) < outer * inner) {
    fail(env, std::string(name) + ": buffers are too small");
    return nullptr;
  }
  if (outer * inner > 0) {
    if (isMax) kt::reduce_max(x.data, out.data, outer, reduce, inner);
    else kt::reduce_sum(x.data, out.data, outer, reduce, inner);
  }
  return undefined(env);
}

napi_value Sum(napi_env env, napi_callback_info info) { return Reduce(env, info, false); }
napi_value Max(napi_env env, napi_callback_info info) { return Reduce(env, info, true); }

// adamUpdate(value, m, v, grad, valueOut, mOut, vOut, coefficients): one Adam step over equal-length
// buffers; coefficients = Float32Array [beta1, 1-beta1, beta2, 1-beta2, 1-accBeta1, 1-accBeta2, epsilon, -lr].
napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!get_args(env, info, 8, argv)) return nullptr;
  Floats value, m, v, g, valueOut, mOut, vOut, c;
  if (!get_floats(env, argv[0], &value, "value") || !get_floats(env, argv[1], &m, "m") ||
      !get_floats(env, argv[2], &v, "v") || !get_floats(env, argv[3], &g, "grad") ||
      !get_floats(env, argv[4], &valueOut, "valueOut") || !get_floats(env, argv[5], &mOut, "mOut") ||
      !get_floats(env, argv[6], &vOut, "vOut") || !get_floats(env, argv[7], &c, "coefficients")) {
    return nullptr;
  }
  const size_t n = value.length;
  if (m.length != n || v.length != n || g.length != n || valueOut.length != n || mOut.length != n || vOut.length != n) {
    fail(env, "adamUpdate: buffers differ in length");
    return nullptr;
  }
  if (c.length < 8) {
    fail(env, "adamUpdate: expected 8 coefficients");
    return nullptr;
  }
  const kt::AdamCoefficients k{c.data[0], c.data[1], c.data[2], c.data[3], c.data[4], c.data[5], c.data[6], c.data[7]};
  kt::adam_update(k, value.data, m.data, v.data, g.data, valueOut.data, mOut.data, vOut.data, static_cast<int64_t>(n));
  return undefined(env);
}

// geluForward(x, y) / geluBackward(x, dy, dx): tanh-form GELU and its derivative.
napi_value GeluForward(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return nullptr;
  Floats x, y;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &y, "y")) return nullptr;
  if (y.length != x.length) {
    fail(env, "geluForward: buffers differ in length");
    return nullptr;
  }
  kt::gelu_forward(x.data, y.data, static_cast<int64_t>(x.length));
  return undefined(env);
}

napi_value GeluBackward(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return nullptr;
  Floats x, dy, dx;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &dy, "dy") || !get_floats(env, argv[2], &dx, "dx")) {
    return nullptr;
  }
  if (dy.length != x.length || dx.length != x.length) {
    fail(env, "geluBackward: buffers differ in length");
    return nullptr;
  }
  kt::gelu_backward(x.data, dy.data, dx.data, static_cast<int64_t>(x.length));
  return undefined(env);
}

bool get_rows(napi_env env, napi_value rv, napi_value dv, napi_value ev, int64_t* rows, int64_t* d, double* eps) {
  if (!get_int(env, rv, rows, "rows") || !get_int(env, dv, d, "d") || !get_double(env, ev, eps, "epsilon")) return false;
  if (*rows < 0 || *d < 1 || static_cast<double>(*rows) * *d > 4e18) return fail(env, "layerNorm: bad sizes");
  return true;
}

// layerNormForward(x, gamma, beta, y, rows, d, epsilon)
napi_value LayerNormForward(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv)) return nullptr;
  Floats x, gamma, beta, y;
  int64_t rows, d;
  double eps;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &gamma, "gamma") ||
      !get_floats(env, argv[2], &beta, "beta") || !get_floats(env, argv[3], &y, "y") ||
      !get_rows(env, argv[4], argv[5], argv[6], &rows, &d, &eps)) {
    return nullptr;
  }
  const int64_t n = rows * d;
  if (static_cast<int64_t>(x.length) != n || static_cast<int64_t>(y.length) != n ||
      static_cast<int64_t>(gamma.length) != d || static_cast<int64_t>(beta.length) != d) {
    fail(env, "layerNormForward: buffer sizes do not match [rows, d]");
    return nullptr;
  }
  kt::layer_norm_forward(x.data, gamma.data, beta.data, y.data, rows, d, static_cast<float>(eps));
  return undefined(env);
}

// layerNormBackward(x, gamma, dy, dx, dgamma, dbeta, rows, d, epsilon)
napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, argv)) return nullptr;
  Floats x, gamma, dy, dx, dgamma, dbeta;
  int64_t rows, d;
  double eps;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &gamma, "gamma") ||
      !get_floats(env, argv[2], &dy, "dy") || !get_floats(env, argv[3], &dx, "dx") ||
      !get_floats(env, argv[4], &dgamma, "dgamma") || !get_floats(env, argv[5], &dbeta, "dbeta") ||
      !get_rows(env, argv[6], argv[7], argv[8], &rows, &d, &eps)) {
    return nullptr;
  }
  const int64_t n = rows * d;
  if (static_cast<int64_t>(x.length) != n || static_cast<int64_t>(dy.length) != n ||
      static_cast<int64_t>(dx.length) != n || static_cast<int64_t>(gamma.length) != d ||
      static_cast<int64_t>(dgamma.length) != d || static_cast<int64_t>(dbeta.length) != d) {
    fail(env, "layerNormBackward: buffer sizes do not match [rows, d]");
    return nullptr;
  }
  kt::layer_norm_backward(x.data, gamma.data, dy.data, dx.data, dgamma.data, dbeta.data, rows, d, static_cast<float>(eps));
  return undefined(env);
}

// stridedCopy(x, out, geometry = [rank, dims[rank], xStrides[rank], outStrides[rank], inner])
napi_value StridedCopy(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return nullptr;
  Floats x, out;
  Ints g;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &out, "out") || !get_ints(env, argv[2], &g, "geometry")) {
    return nullptr;
  }
  if (g.length < 1 || g.data[0] < 0 || g.data[0] > 8 || g.length < static_cast<size_t>(2 + 3 * g.data[0])) {
    fail(env, "stridedCopy: bad geometry");
    return nullptr;
  }
  const int rank = g.data[0];
  int64_t dims[8], xs[8], os[8];
  int64_t lastX = 0, lastOut = 0;
  const int64_t inner = g.data[1 + 3 * rank];
  for (int d = 0; d < rank; ++d) {
    dims[d] = g.data[1 + d];
    xs[d] = g.data[1 + rank + d];
    os[d] = g.data[1 + 2 * rank + d];
    if (dims[d] < 1 || xs[d] < 0 || os[d] < 0) {
      fail(env, "stridedCopy: bad geometry");
      return nullptr;
    }
    lastX += (dims[d] - 1) * xs[d];
    lastOut += (dims[d] - 1) * os[d];
  }
  if (inner < 1 || lastX + inner > static_cast<int64_t>(x.length) || lastOut + inner > static_cast<int64_t>(out.length)) {
    fail(env, "stridedCopy: buffers do not match the geometry");
    return nullptr;
  }
  kt::strided_copy(x.data, out.data, rank, dims, xs, os, inner);
  return undefined(env);
}

// transpose2d(x, out, batch, rows, cols)
napi_value Transpose2d(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return nullptr;
  Floats x, out;
  int64_t batch, rows, cols;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &out, "out") || !get_int(env, argv[2], &batch, "batch") ||
      !get_int(env, argv[3], &rows, "rows") || !get_int(env, argv[4], &cols, "cols")) {
    return nullptr;
  }
  if (batch < 0 || rows < 0 || cols < 0 || static_cast<double>(batch) * rows * cols > 4e18 ||
      static_cast<int64_t>(x.length) != batch * rows * cols || out.length != x.length) {
    fail(env, "transpose2d: buffers do not match [batch, rows, cols]");
    return nullptr;
  }
  if (x.length > 0) kt::transpose_2d(x.data, out.data, batch, rows, cols);
  return undefined(env);
}


// dropout(x, out, seed, rate, scale): see kt::dropout.
napi_value Dropout(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return nullptr;
  Floats x, out;
  int64_t seed;
  double rate, scale;
  if (!get_floats(env, argv[0], &x, "x") || !get_floats(env, argv[1], &out, "out") || !get_int(env, argv[2], &seed, "seed") ||
      !get_double(env, argv[3], &rate, "rate") || !get_double(env, argv[4], &scale, "scale")) {
    return nullptr;
  }
  if (out.length != x.length) {
    fail(env, "dropout: x and out differ in length");
    return nullptr;
  }
  if (seed < 0 || seed > 0xFFFFFFFFLL || !(rate >= 0 && rate < 1) || !std::isfinite(scale)) {
    fail(env, "dropout: seed must be a uint32, rate in [0, 1), scale finite");
    return nullptr;
  }
  kt::dropout(x.data, out.data, static_cast<int64_t>(x.length), static_cast<uint32_t>(seed), static_cast<float>(rate),
              static_cast<float>(scale));
  return undefined(env);
}

}  // namespace

void add_elementwise_bindings(Bindings& out) {
  out.emplace_back("dropout", Dropout);
  out.emplace_back("unary", Unary);
  out.emplace_back("pow", Pow);
  out.emplace_back("binary", Binary);
  out.emplace_back("sum", Sum);
  out.emplace_back("max", Max);
  out.emplace_back("stridedCopy", StridedCopy);
  out.emplace_back("transpose2d", Transpose2d);
  out.emplace_back("adamUpdate", AdamUpdate);
  out.emplace_back("geluForward", GeluForward);
  out.emplace_back("geluBackward", GeluBackward);
  out.emplace_back("layerNormForward", LayerNormForward);
  out.emplace_back("layerNormBackward", LayerNormBackward);
}

}  // namespace kt_napi
