// N-API bindings of the GEMM kernels (gemm.h): batched matmul and its fused epilogue (see napi_args.h).
#include <cmath>
#include <cstdint>
#include <string>

#include "gemm.h"
#include "pool.h"
#include "napi_args.h"

namespace kt_napi {
namespace {

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

}  // namespace

void add_gemm_bindings(Bindings& out) {
  out.emplace_back("matmul", MatMul);
  out.emplace_back("epilogue", Epilogue);
}

}  // namespace kt_napi
