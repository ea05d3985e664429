#include "gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "pool.h"

#if defined(KT_HAVE_CBLAS)
extern "C" {
#include <cblas.h>
}
#endif
#if defined(KT_OPENBLAS)
extern "C" void openblas_set_num_threads(int num_threads);
#endif

namespace kt {

namespace {

Blas g_blas = Blas::kPortable;

// Products below this many FLOPs run single-threaded (portable: on the caller;
// system BLAS: with its thread count set to 1 for the call).
constexpr double kSmallGemmFlops = 2.0e6;

// Micro-kernel tile: MR rows x NR columns, NR = 2 vectors of VW floats
// (VW = 16 where the compiler targets AVX-512, else 8).
#if defined(__AVX512F__)
constexpr int VW = 16;
#else
constexpr int VW = 8;
#endif
constexpr int MR = 6;
constexpr int NR = 2 * VW;
constexpr int KC = 256;
constexpr int MC = 96;   // multiple of MR
constexpr int NC = 1024; // multiple of NR

typedef float v8f __attribute__((vector_size(VW * 4)));
typedef float v8fu __attribute__((vector_size(VW * 4), aligned(4)));

inline v8f load8(const float* p) { return *reinterpret_cast<const v8fu*>(p); }
inline void store8(float* p, v8f v) { *reinterpret_cast<v8fu*>(p) = v; }
inline v8f splat(float x) { return v8f{} + x; }

inline float a_at(bool t, const float* A, int lda, int i, int k) {
  return t ? A[static_cast<long>(k) * lda + i] : A[static_cast<long>(i) * lda + k];
}
inline float b_at(bool t, const float* B, int ldb, int k, int j) {
  return t ? B[static_cast<long>(j) * ldb + k] : B[static_cast<long>(k) * ldb + j];
}

// Packs op(A)[i0:i0+mc, k0:k0+kc] into MR-row strips: strip s holds, for each
// k, MR consecutive values (zero-padded past mc).
void pack_a(bool t, const float* A, int lda, int i0, int mc, int k0, int kc, float* out) {
  for (int s = 0; s < mc; s += MR) {
    const int rows = std::min(MR, mc - s);
    float* dst = out + static_cast<long>(s) * kc;
    if (!t) {
      for (int r = 0; r < MR; ++r) {
        if (r < rows) {
          const float* src = A + static_cast<long>(i0 + s + r) * lda + k0;
          for (int k = 0; k < kc; ++k) dst[k * MR + r] = src[k];
        } else {
          for (int k = 0; k < kc; ++k) dst[k * MR + r] = 0.f;
        }
      }
    } else {
      for (int k = 0; k < kc; ++k) {
        const float* src = A + static_cast<long>(k0 + k) * lda + i0 + s;
        int r = 0;
        for (; r < rows; ++r) dst[k * MR + r] = src[r];
        for (; r < MR; ++r) dst[k * MR + r] = 0.f;
      }
    }
  }
}

// Packs op(B)[k0:k0+kc, j0:j0+nc] into NR-column strips: strip s holds, for
// each k, NR consecutive values (zero-padded past nc).
void pack_b(bool t, const float* B, int ldb, int k0, int kc, int j0, int nc, float* out) {
  for (int s = 0; s < nc; s += NR) {
    const int cols = std::min(NR, nc - s);
    float* dst = out + static_cast<long>(s) * kc;
    if (!t) {
      for (int k = 0; k < kc; ++k) {
        const float* src = B + static_cast<long>(k0 + k) * ldb + j0 + s;
        int c = 0;
        for (; c < cols; ++c) dst[k * NR + c] = src[c];
        for (; c < NR; ++c) dst[k * NR + c] = 0.f;
      }
    } else {
      for (int c = 0; c < NR; ++c) {
        if (c < cols) {
          const float* src = B + static_cast<long>(j0 + s + c) * ldb + k0;
          for (int k = 0; k < kc; ++k) dst[k * NR + c] = src[k];
        } else {
          for (int k = 0; k < kc; ++k) dst[k * NR + c] = 0.f;
        }
      }
    }
  }
}

// C[0:rows, 0:cols] (+)= Ap(MR x kc) * Bp(kc x NR).
void micro_kernel(int kc, const float* Ap, const float* Bp, float* C, int ldc, int rows, int cols,
                  bool add) {
  v8f acc[MR][2];
  for (int r = 0; r < MR; ++r) {
    acc[r][0] = v8f{};
    acc[r][1] = v8f{};
  }
  for (int k = 0; k < kc; ++k) {
    const v8f b0 = load8(Bp + k * NR);
    const v8f b1 = load8(Bp + k * NR + VW);
    const float* a = Ap + k * MR;
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const v8f va = splat(a[r]);
      acc[r][0] += va * b0;
      acc[r][1] += va * b1;
    }
  }
  if (rows == MR && cols == NR) {
    for (int r = 0; r < MR; ++r) {
      float* c = C + static_cast<long>(r) * ldc;
      if (add) {
        store8(c, load8(c) + acc[r][0]);
        store8(c + VW, load8(c + VW) + acc[r][1]);
      } else {
        store8(c, acc[r][0]);
        store8(c + VW, acc[r][1]);
      }
    }
    return;
  }
  float tmp[MR][NR];
  for (int r = 0; r < MR; ++r) {
    store8(tmp[r], acc[r][0]);
    store8(tmp[r] + VW, acc[r][1]);
  }
  for (int r = 0; r < rows; ++r) {
    float* c = C + static_cast<long>(r) * ldc;
    if (add) {
      for (int j = 0; j < cols; ++j) c[j] += tmp[r][j];
    } else {
      for (int j = 0; j < cols; ++j) c[j] = tmp[r][j];
    }
  }
}

void zero_or_keep(int M, int N, float* C, int ldc, bool accumulate) {
  if (accumulate) return;
  for (int i = 0; i < M; ++i) std::memset(C + static_cast<long>(i) * ldc, 0, sizeof(float) * N);
}

void openblas_threads(int n) {
#if defined(KT_OPENBLAS)
  openblas_set_num_threads(n);
#else
  (void)n;
#endif
}

#if defined(KT_HAVE_CBLAS)
void sgemm_system(bool tA, bool tB, int M, int N, int K, const float* A, int lda, const float* B,
                  int ldb, float* C, int ldc, bool accumulate) {
  cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, M, N, K,
              1.0f, A, lda, B, ldb, accumulate ? 1.0f : 0.0f, C, ldc);
}
#endif

}  // namespace

const char* compiled_blas() {
#if defined(KT_OPENBLAS)
  return "openblas";
#elif defined(KT_HAVE_CBLAS)
  return "cblas";
#else
  return "none";
#endif
}

bool has_system_blas() {
#if defined(KT_HAVE_CBLAS)
  return true;
#else
  return false;
#endif
}

void set_blas(Blas b) { g_blas = (b == Blas::kSystem && has_system_blas()) ? Blas::kSystem : Blas::kPortable; }
Blas current_blas() { return g_blas; }

void set_blas_threads(int threads) {
  // The system BLAS always runs single-threaded; kt's pool splits the work (sgemm_split).
  (void)threads;
  openblas_threads(1);
}

void sgemm_portable_st(bool tA, bool tB, int M, int N, int K, const float* A, int lda, const float* B,
                       int ldb, float* C, int ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    zero_or_keep(M, N, C, ldc, accumulate);
    return;
  }
  thread_local std::vector<float> apack;
  thread_local std::vector<float> bpack;
  const int ncMax = std::min(NC, (N + NR - 1) / NR * NR);
  const int kcMax = std::min(KC, K);
  const int mcMax = std::min(MC, (M + MR - 1) / MR * MR);
  if (bpack.size() < static_cast<size_t>(ncMax) * kcMax) bpack.resize(static_cast<size_t>(ncMax) * kcMax);
  if (apack.size() < static_cast<size_t>(mcMax) * kcMax) apack.resize(static_cast<size_t>(mcMax) * kcMax);
  for (int jc = 0; jc < N; jc += NC) {
    const int nc = std::min(NC, N - jc);
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = std::min(KC, K - pc);
      const bool add = accumulate || pc > 0;
      pack_b(tB, B, ldb, pc, kc, jc, nc, bpack.data());
      for (int ic = 0; ic < M; ic += MC) {
        const int mc = std::min(MC, M - ic);
        pack_a(tA, A, lda, ic, mc, pc, kc, apack.data());
        for (int jr = 0; jr < nc; jr += NR) {
          const float* bp = bpack.data() + static_cast<long>(jr) * kc;
          const int cols = std::min(NR, nc - jr);
          for (int ir = 0; ir < mc; ir += MR) {
            const int rows = std::min(MR, mc - ir);
            micro_kernel(kc, apack.data() + static_cast<long>(ir) * kc, bp,
                         C + static_cast<long>(ic + ir) * ldc + jc + jr, ldc, rows, cols, add);
          }
        }
      }
    }
  }
}

namespace {

// A single-threaded GEMM: fn(tA, tB, M, N, K, A, lda, B, ldb, C, ldc, accumulate).
using GemmFn = void (*)(bool, bool, int, int, int, const float*, int, const float*, int, float*, int, bool);

// Splits one GEMM over kt's pool along its larger output dimension, each part
// computed single-threaded by `fn`. All multi-threading goes through this one
// pool, also for the system BLAS (run with one thread): two sets of worker
// threads (OpenBLAS's spin-waiting ones and the pool's) on a 2-core machine
// preempt each other and cost milliseconds per step.
void sgemm_split(GemmFn fn, bool tA, bool tB, int M, int N, int K, const float* A, int lda, const float* B,
                 int ldb, float* C, int ldc, bool accumulate) {
  const int nt = threads();
  const double flops = 2.0 * M * N * static_cast<double>(K);
  if (nt <= 1 || flops < kSmallGemmFlops) {
    fn(tA, tB, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
    return;
  }
  if (M >= N) {
    const int parts = std::min(nt, std::max(1, M / MR));
    const int step = ((M + parts - 1) / parts + MR - 1) / MR * MR;
    pool().parallel_for(parts, [&](int p) {
      const int i0 = p * step;
      const int i1 = std::min(M, i0 + step);
      if (i0 >= i1) return;
      const float* a = tA ? A + i0 : A + static_cast<long>(i0) * lda;
      fn(tA, tB, i1 - i0, N, K, a, lda, B, ldb, C + static_cast<long>(i0) * ldc, ldc, accumulate);
    });
  } else {
    const int parts = std::min(nt, std::max(1, N / NR));
    const int step = ((N + parts - 1) / parts + NR - 1) / NR * NR;
    pool().parallel_for(parts, [&](int p) {
      const int j0 = p * step;
      const int j1 = std::min(N, j0 + step);
      if (j0 >= j1) return;
      const float* b = tB ? B + static_cast<long>(j0) * ldb : B + j0;
      fn(tA, tB, M, j1 - j0, K, A, lda, b, ldb, C + j0, ldc, accumulate);
    });
  }
}


}  // namespace

namespace {

// Handles the empty products (nothing to do, or C = 0 when K is 0); true when done.
bool trivial_gemm(int M, int N, int K, float* C, int ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return true;
  if (K > 0) return false;
  zero_or_keep(M, N, C, ldc, accumulate);
  return true;
}

// The selected BLAS, single-threaded.
GemmFn selected_single() {
#if defined(KT_HAVE_CBLAS)
  if (g_blas == Blas::kSystem) return sgemm_system;
#endif
  return sgemm_portable_st;
}

}  // namespace

void sgemm(bool tA, bool tB, int M, int N, int K, const float* A, int lda, const float* B, int ldb,
           float* C, int ldc, bool accumulate) {
  if (trivial_gemm(M, N, K, C, ldc, accumulate)) return;
  sgemm_split(selected_single(), tA, tB, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

void sgemm_st(bool tA, bool tB, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
              int ldc, bool accumulate) {
  if (trivial_gemm(M, N, K, C, ldc, accumulate)) return;
  selected_single()(tA, tB, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

void sgemm_prefer_portable(bool tA, bool tB, int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                           float* C, int ldc, bool accumulate) {
  if (trivial_gemm(M, N, K, C, ldc, accumulate)) return;
  sgemm_split(sgemm_portable_st, tA, tB, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

void sgemm_batched(bool tA, bool tB, int batch, int M, int N, int K, const float* A, const int* aIndex,
                   const float* B, const int* bIndex, float* C) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  const long aSize = static_cast<long>(M) * K;
  const long bSize = static_cast<long>(K) * N;
  const long cSize = static_cast<long>(M) * N;
  const int lda = tA ? M : K;
  const int ldb = tB ? K : N;
  const double flops = 2.0 * M * N * static_cast<double>(K);
  // Many small products: one product per task, each single-threaded.
  if (batch > 1 && threads() > 1 && flops < 4.0e6) {
    const int nt = threads();
    const int per = (batch + nt - 1) / nt;
    pool().parallel_for(nt, [&](int p) {
      const int b0 = p * per;
      const int b1 = std::min(batch, b0 + per);
      for (int b = b0; b < b1; ++b) {
        const float* a = A + aIndex[b] * aSize;
        const float* bb = B + bIndex[b] * bSize;
        float* c = C + b * cSize;
        if (K <= 0) {
          zero_or_keep(M, N, c, N, false);
        } else {
#if defined(KT_HAVE_CBLAS)
          if (g_blas == Blas::kSystem && flops >= 1.0e5) {
            sgemm_system(tA, tB, M, N, K, a, lda, bb, ldb, c, N, false);
            continue;
          }
#endif
          sgemm_portable_st(tA, tB, M, N, K, a, lda, bb, ldb, c, N, false);
        }
      }
    });
    return;
  }
  for (int b = 0; b < batch; ++b) {
    sgemm(tA, tB, M, N, K, A + aIndex[b] * aSize, lda, B + bIndex[b] * bSize, ldb, C + b * cSize, N, false);
  }
}

}  // namespace kt
