// N-API surface of @kt/native. Every entry point validates its arguments
// (types, sizes, index ranges) and throws a JS Error instead of touching
// memory out of bounds; the TypeScript layer checks shapes before calling.
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "conv.h"
#include "elementwise.h"
#include "gemm.h"
#include "pool.h"
#include "softmax.h"

namespace {

struct Floats {
  float* data = nullptr;
  size_t length = 0;
};
struct Ints {
  const int32_t* data = nullptr;
  size_t length = 0;
};

bool fail(napi_env env, const std::string& msg) {
  napi_throw_error(env, "KT_NATIVE", msg.c_str());
  return false;
}

bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value* argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return fail(env, "bad call");
  if (argc < want) return fail(env, "expected " + std::to_string(want) + " arguments");
  return true;
}

bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_undefined || t == napi_null;
}

bool get_typed(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length,
               const char* name) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) return fail(env, std::string(name) + " must be a typed array");
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) != napi_ok) {
    return fail(env, std::string(name) + ": cannot read typed array");
  }
  if (type != want) {
    return fail(env, std::string(name) + (want == napi_float32_array ? " must be a Float32Array" : " must be an Int32Array"));
  }
  if (*length > 0 && *data == nullptr) return fail(env, std::string(name) + ": detached buffer");
  return true;
}

bool get_floats(napi_env env, napi_value v, Floats* out, const char* name) {
  void* d = nullptr;
  if (!get_typed(env, v, napi_float32_array, &d, &out->length, name)) return false;
  out->data = static_cast<float*>(d);
  return true;
}

bool get_ints(napi_env env, napi_value v, Ints* out, const char* name) {
  void* d = nullptr;
  if (!get_typed(env, v, napi_int32_array, &d, &out->length, name)) return false;
  out->data = static_cast<const int32_t*>(d);
  return true;
}

bool get_int(napi_env env, napi_value v, int64_t* out, const char* name) {
  if (napi_get_value_int64(env, v, out) != napi_ok) return fail(env, std::string(name) + " must be a number");
  return true;
}

bool get_bool(napi_env env, napi_value v, bool* out, const char* name) {
  if (napi_get_value_bool(env, v, out) != napi_ok) return fail(env, std::string(name) + " must be a boolean");
  return true;
}

bool get_double(napi_env env, napi_value v, double* out, const char* name) {
  if (napi_get_value_double(env, v, out) != napi_ok) return fail(env, std::string(name) + " must be a number");
  return true;
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// info(): { blas: 'openblas'|'cblas'|'none', threads, system }
napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, blas, threads, system;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, kt::compiled_blas(), NAPI_AUTO_LENGTH, &blas);
  napi_create_int32(env, kt::threads(), &threads);
  napi_get_boolean(env, kt::current_blas() == kt::Blas::kSystem, &system);
  napi_set_named_property(env, obj, "blas", blas);
  napi_set_named_property(env, obj, "threads", threads);
  napi_set_named_property(env, obj, "system", system);
  return obj;
}

// configure(useSystemBlas: boolean, threads: number)
napi_value Configure(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return nullptr;
  bool system = false;
  int64_t threads = 1;
  if (!get_bool(env, argv[0], &system, "useSystemBlas") || !get_int(env, argv[1], &threads, "threads")) return nullptr;
  if (threads < 1 || threads > 256) {
    fail(env, "threads must be in 1..256");
    return nullptr;
  }
  kt::set_blas(system ? kt::Blas::kSystem : kt::Blas::kPortable);
  kt::set_threads(static_cast<int>(threads));
  kt::set_blas_threads(static_cast<int>(threads));
  return undefined(env);
}

bool check_index_map(napi_env env, const Ints& idx, int64_t batch, int64_t count, const char* name) {
  if (static_cast<int64_t>(idx.length) < batch) return fail(env, std::string(name) + " is shorter than the batch");
  for (int64_t i = 0; i < batch; ++i) {
    if (idx.data[i] < 0 || idx.data[i] >= count) return fail(env, std::string(name) + " indexes past its tensor");
  }
  return true;
}

// matmul(a, b, out, batch, M, N, K, transA, transB, aIndex, bIndex)
napi_value MatMul(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!get_args(env, info, 11, argv)) return nullptr;
  Floats a, b, out;
  int64_t batch, M, N, K;
  bool tA, tB;
  Ints ai, bi;
  if (!get_floats(env, argv[0], &a, "a") || !get_floats(env, argv[1], &b, "b") ||
      !get_floats(env, argv[2], &out, "out") || !get_int(env, argv[3], &batch, "batch") ||
      !get_int(env, argv[4], &M, "M") || !get_int(env, argv[5], &N, "N") || !get_int(env, argv[6], &K, "K") ||
      !get_bool(env, argv[7], &tA, "transposeA") || !get_bool(env, argv[8], &tB, "transposeB") ||
      !get_ints(env, argv[9], &ai, "aIndex") || !get_ints(env, argv[10], &bi, "bIndex")) {
    return nullptr;
  }
  const int64_t lim = INT32_MAX;
  if (batch < 0 || M < 0 || N < 0 || K < 0 || batch > lim || M > lim || N > lim || K > lim) {
    fail(env, "matmul: dimensions must be non-negative 32-bit integers");
    return nullptr;
  }
  if (static_cast<double>(batch) * M * N > 4e18 || static_cast<double>(batch) * M > lim) {
    fail(env, "matmul: problem too large");
    return nullptr;
  }
  if (static_cast<int64_t>(out.length) < batch * M * N) {
    fail(env, "matmul: output is too small");
    return nullptr;
  }
  if (batch == 0 || M == 0 || N == 0) return undefined(env);
  const int64_t aCount = M * K == 0 ? INT32_MAX : static_cast<int64_t>(a.length) / (M * K);
  const int64_t bCount = K * N == 0 ? INT32_MAX : static_cast<int64_t>(b.length) / (K * N);
  if (!check_index_map(env, ai, batch, aCount, "aIndex") || !check_index_map(env, bi, batch, bCount, "bIndex")) {
    return nullptr;
  }
  kt::sgemm_batched(tA, tB, static_cast<int>(batch), static_cast<int>(M), static_cast<int>(N), static_cast<int>(K),
                    a.data, ai.data, b.data, bi.data, out.data);
  return undefined(env);
}

enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kElu = 3, kPrelu = 4, kLeakyRelu = 5, kSigmoid = 6 };

struct Broadcast {
  const float* data = nullptr;
  const int32_t* index = nullptr;  // per batch: which matrix
  int64_t mat = 0, sm = 0, sn = 0;  // matrix size and row/column strides
  float at(int64_t b, int64_t m, int64_t n) const { return data[index[b] * mat + m * sm + n * sn]; }
};

// Reads (values, index, geometry[mat, sm, sn]) and checks every offset fits.
bool get_broadcast(napi_env env, napi_value values, napi_value index, napi_value geom, int64_t batch, int64_t M,
                   int64_t N, Broadcast* out, const char* name) {
  if (is_nullish(env, values)) return true;
  Floats v;
  Ints idx, g;
  if (!get_floats(env, values, &v, name) || !get_ints(env, index, &idx, name) || !get_ints(env, geom, &g, name)) {
    return false;
  }
  if (g.length < 3 || g.data[0] < 0 || g.data[1] < 0 || g.data[2] < 0) return fail(env, std::string(name) + ": bad geometry");
  if (static_cast<int64_t>(idx.length) < batch) return fail(env, std::string(name) + ": index is shorter than the batch");
  int64_t maxIdx = 0;
  for (int64_t i = 0; i < batch; ++i) {
    if (idx.data[i] < 0) return fail(env, std::string(name) + ": negative index");
    if (idx.data[i] > maxIdx) maxIdx = idx.data[i];
  }
  const int64_t last = maxIdx * g.data[0] + (M - 1) * g.data[1] + (N - 1) * g.data[2];
  if (last >= static_cast<int64_t>(v.length)) return fail(env, std::string(name) + " is too small for the output");
  out->data = v.data;
  out->index = idx.data;
  out->mat = g.data[0];
  out->sm = g.data[1];
  out->sn = g.data[2];
  return true;
}

// epilogue(out, batch, M, N, activation, alpha, bias?, biasIndex?, biasGeom?, prelu?, preluIndex?, preluGeom?)
// out[b, m, n] = act(out[b, m, n] + bias[b, m, n]) with broadcast bias/prelu weights.
napi_value Epilogue(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (!get_args(env, info, 12, argv)) return nullptr;
  Floats out;
  int64_t batch, M, N, act;
  double alpha;
  if (!get_floats(env, argv[0], &out, "out") || !get_int(env, argv[1], &batch, "batch") ||
      !get_int(env, argv[2], &M, "M") || !get_int(env, argv[3], &N, "N") ||
      !get_int(env, argv[4], &act, "activation") || !get_double(env, argv[5], &alpha, "alpha")) {
    return nullptr;
  }
  if (batch < 0 || M < 0 || N < 0 || static_cast<double>(batch) * M > INT32_MAX ||
      static_cast<double>(batch) * M * N > 4e18 || static_cast<int64_t>(out.length) < batch * M * N) {
    fail(env, "epilogue: output is too small");
    return nullptr;
  }
  if (act < kLinear || act > kSigmoid) {
    fail(env, "epilogue: unknown activation");
    return nullptr;
  }
  if (batch == 0 || M == 0 || N == 0) return undefined(env);
  Broadcast bias, prelu;
  if (!get_broadcast(env, argv[6], argv[7], argv[8], batch, M, N, &bias, "bias") ||
      !get_broadcast(env, argv[9], argv[10], argv[11], batch, M, N, &prelu, "preluActivationWeights")) {
    return nullptr;
  }
  if (act == kPrelu && prelu.data == nullptr) {
    fail(env, "epilogue: prelu needs preluActivationWeights");
    return nullptr;
  }
  const float a = static_cast<float>(alpha);
  const int rowsTotal = static_cast<int>(batch * M);
  // One row at a time, with the activation chosen outside the inner loop so
  // that the loops vectorise; a bias with unit column stride is read as a row.
  auto body = [&](int part, int parts) {
    const int r0 = static_cast<int>(static_cast<int64_t>(rowsTotal) * part / parts);
    const int r1 = static_cast<int>(static_cast<int64_t>(rowsTotal) * (part + 1) / parts);
    for (int r = r0; r < r1; ++r) {
      const int64_t b = r / M, m = r % M;
      float* row = out.data + static_cast<int64_t>(r) * N;
      if (bias.data) {
        const float* brow = bias.data + bias.index[b] * bias.mat + m * bias.sm;
        if (bias.sn == 1) {
          for (int64_t n = 0; n < N; ++n) row[n] += brow[n];
        } else {
          for (int64_t n = 0; n < N; ++n) row[n] += brow[n * bias.sn];
        }
      }
      switch (act) {
        case kRelu:
          for (int64_t n = 0; n < N; ++n) row[n] = row[n] > 0.f ? row[n] : 0.f;
          break;
        case kRelu6:
          for (int64_t n = 0; n < N; ++n) row[n] = row[n] < 0.f ? 0.f : (row[n] > 6.f ? 6.f : row[n]);
          break;
        case kElu:
          for (int64_t n = 0; n < N; ++n) row[n] = row[n] > 0.f ? row[n] : std::expm1(row[n]);
          break;
        case kPrelu:
          for (int64_t n = 0; n < N; ++n) row[n] = row[n] < 0.f ? prelu.at(b, m, n) * row[n] : row[n];
          break;
        case kLeakyRelu:
          for (int64_t n = 0; n < N; ++n) row[n] = row[n] < 0.f ? a * row[n] : row[n];
          break;
        case kSigmoid:
          for (int64_t n = 0; n < N; ++n) row[n] = 1.f / (1.f + std::exp(-row[n]));
          break;
        default:
          break;
      }
    }
  };
  const int parts = (batch * M * N > (1 << 16)) ? kt::threads() : 1;
  kt::pool().parallel_for(parts, [&](int p) { body(p, parts); });
  return undefined(env);
}

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

bool check_len(napi_env env, const Floats& f, int64_t need, const char* name) {
  if (static_cast<int64_t>(f.length) < need) return fail(env, std::string(name) + " is smaller than its shape");
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

// Reads B, T, H, dh (positive, with B*T*3*H*dh and B*H*T*T within int64) for the attention kernels.
bool get_attention_dims(napi_env env, napi_value* argv, int64_t* B, int64_t* T, int64_t* H, int64_t* dh) {
  if (!get_int(env, argv[0], B, "batch") || !get_int(env, argv[1], T, "time") || !get_int(env, argv[2], H, "heads") ||
      !get_int(env, argv[3], dh, "headDim")) {
    return false;
  }
  if (*B < 1 || *T < 1 || *H < 1 || *dh < 1 || *B > INT32_MAX || *T > 65536 || *H > 65536 || *dh > 65536 ||
      static_cast<double>(*B) * *T * 3 * *H * *dh > 4e18 || static_cast<double>(*B) * *H * *T * *T > 4e18) {
    return fail(env, "attention: batch, time, heads and headDim must be positive and not too large");
  }
  return true;
}

// attentionForward(qkv, out, probs, B, T, H, dh, scale, causal)
napi_value AttentionForward(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, argv)) return nullptr;
  Floats qkv, out, probs;
  int64_t B, T, H, dh;
  double scale;
  bool causal;
  if (!get_floats(env, argv[0], &qkv, "qkv") || !get_floats(env, argv[1], &out, "out") ||
      !get_floats(env, argv[2], &probs, "probs") || !get_attention_dims(env, argv + 3, &B, &T, &H, &dh) ||
      !get_double(env, argv[7], &scale, "scale") || !get_bool(env, argv[8], &causal, "causal")) {
    return nullptr;
  }
  const int64_t D = H * dh;
  if (static_cast<int64_t>(qkv.length) != B * T * 3 * D || static_cast<int64_t>(out.length) != B * T * D ||
      static_cast<int64_t>(probs.length) != B * H * T * T) {
    fail(env, "attentionForward: buffer sizes do not match [B, T, 3*H*dh], [B, T, H*dh], [B, H, T, T]");
    return nullptr;
  }
  kt::attention_forward(qkv.data, out.data, probs.data, static_cast<int>(B), static_cast<int>(T), static_cast<int>(H),
                        static_cast<int>(dh), static_cast<float>(scale), causal);
  return undefined(env);
}

// attentionBackward(qkv, probs, dout, dqkv, B, T, H, dh, scale)
napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, argv)) return nullptr;
  Floats qkv, probs, dout, dqkv;
  int64_t B, T, H, dh;
  double scale;
  if (!get_floats(env, argv[0], &qkv, "qkv") || !get_floats(env, argv[1], &probs, "probs") ||
      !get_floats(env, argv[2], &dout, "dout") || !get_floats(env, argv[3], &dqkv, "dqkv") ||
      !get_attention_dims(env, argv + 4, &B, &T, &H, &dh) || !get_double(env, argv[8], &scale, "scale")) {
    return nullptr;
  }
  const int64_t D = H * dh;
  if (static_cast<int64_t>(qkv.length) != B * T * 3 * D || static_cast<int64_t>(dqkv.length) != B * T * 3 * D ||
      static_cast<int64_t>(dout.length) != B * T * D || static_cast<int64_t>(probs.length) != B * H * T * T) {
    fail(env, "attentionBackward: buffer sizes do not match [B, T, 3*H*dh], [B, H, T, T], [B, T, H*dh]");
    return nullptr;
  }
  kt::attention_backward(qkv.data, probs.data, dout.data, dqkv.data, static_cast<int>(B), static_cast<int>(T),
                         static_cast<int>(H), static_cast<int>(dh), static_cast<float>(scale));
  return undefined(env);
}

// Checks rows >= 0, cols >= 1 and that every [rows, cols] buffer and every [rows] buffer has that many floats.
bool check_rows_cols(napi_env env, const char* name, int64_t rows, int64_t cols, std::initializer_list<const Floats*> full,
                     std::initializer_list<const Floats*> perRow) {
  if (rows < 0 || cols < 1 || static_cast<double>(rows) * cols > 4e18) {
    return fail(env, std::string(name) + ": rows must be >= 0 and cols >= 1");
  }
  for (const Floats* f : full) {
    if (static_cast<int64_t>(f->length) != rows * cols) return fail(env, std::string(name) + ": buffer sizes do not match [rows, cols] and [rows]");
  }
  for (const Floats* f : perRow) {
    if (static_cast<int64_t>(f->length) != rows) return fail(env, std::string(name) + ": buffer sizes do not match [rows, cols] and [rows]");
  }
  return true;
}

// softmaxXentForward(logits, labels, loss, logSoftmax, rows, cols)
napi_value SoftmaxXentForward(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv)) return nullptr;
  Floats logits, labels, loss, ls;
  int64_t rows, cols;
  if (!get_floats(env, argv[0], &logits, "logits") || !get_floats(env, argv[1], &labels, "labels") ||
      !get_floats(env, argv[2], &loss, "loss") || !get_floats(env, argv[3], &ls, "logSoftmax") ||
      !get_int(env, argv[4], &rows, "rows") || !get_int(env, argv[5], &cols, "cols")) {
    return nullptr;
  }
  if (!check_rows_cols(env, "softmaxXentForward", rows, cols, {&logits, &labels, &ls}, {&loss})) return nullptr;
  kt::softmax_xent_forward(logits.data, labels.data, loss.data, ls.data, rows, cols);
  return undefined(env);
}

// softmaxXentBackward(labels, logSoftmax, dy, dlogits, dlabels, rows, cols)
napi_value SoftmaxXentBackward(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv)) return nullptr;
  Floats labels, ls, dy, dlogits, dlabels;
  int64_t rows, cols;
  if (!get_floats(env, argv[0], &labels, "labels") || !get_floats(env, argv[1], &ls, "logSoftmax") ||
      !get_floats(env, argv[2], &dy, "dy") || !get_floats(env, argv[3], &dlogits, "dlogits") ||
      !get_floats(env, argv[4], &dlabels, "dlabels") || !get_int(env, argv[5], &rows, "rows") ||
      !get_int(env, argv[6], &cols, "cols")) {
    return nullptr;
  }
  if (!check_rows_cols(env, "softmaxXentBackward", rows, cols, {&labels, &ls, &dlogits, &dlabels}, {&dy})) return nullptr;
  kt::softmax_xent_backward(labels.data, ls.data, dy.data, dlogits.data, dlabels.data, rows, cols);
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

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"configure", nullptr, Configure, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"epilogue", nullptr, Epilogue, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2d", nullptr, Conv2D, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2DBackpropInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2DBackpropFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pow", nullptr, Pow, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sum", nullptr, Sum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"max", nullptr, Max, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stridedCopy", nullptr, StridedCopy, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"transpose2d", nullptr, Transpose2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamUpdate", nullptr, AdamUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"geluForward", nullptr, GeluForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"geluBackward", nullptr, GeluBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNormForward", nullptr, LayerNormForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNormBackward", nullptr, LayerNormBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attentionForward", nullptr, AttentionForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attentionBackward", nullptr, AttentionBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmaxXentForward", nullptr, SoftmaxXentForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmaxXentBackward", nullptr, SoftmaxXentBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
