// Row-major single-precision GEMM: C = op(A) * op(B) (+ C when accumulate).
// op(A) is M x K (A stored K x M when transA), op(B) is K x N (B stored N x K
// when transB). lda/ldb/ldc are the row strides of the stored matrices.
#pragma once

namespace kt {

enum class Blas { kPortable, kSystem };

// Which BLAS the addon was compiled against: "openblas", "cblas" or "none".
const char* compiled_blas();
bool has_system_blas();
void set_blas(Blas b);
Blas current_blas();
void set_blas_threads(int threads);

// Portable cache-blocked kernel, single-threaded, on the calling thread.
void sgemm_portable_st(bool transA, bool transB, int M, int N, int K, const float* A, int lda,
                       const float* B, int ldb, float* C, int ldc, bool accumulate);

// Dispatches to the selected BLAS (system or portable); the portable path
// splits the work over the thread pool.
void sgemm(bool transA, bool transB, int M, int N, int K, const float* A, int lda, const float* B,
           int ldb, float* C, int ldc, bool accumulate);

// The selected BLAS on the calling thread only (for use inside a pool task).
void sgemm_st(bool transA, bool transB, int M, int N, int K, const float* A, int lda, const float* B,
              int ldb, float* C, int ldc, bool accumulate);

// Always the portable GEMM (multi-threaded), whatever BLAS is selected: used
// where it beats the system BLAS (convolutions with a patch of < 16 values).
void sgemm_prefer_portable(bool transA, bool transB, int M, int N, int K, const float* A, int lda,
                           const float* B, int ldb, float* C, int ldc, bool accumulate);

// Batched GEMM: out[i] = op(A[aIndex[i]]) * op(B[bIndex[i]]) for i < batch;
// each matrix is dense (A: M*K floats, B: K*N floats, C: M*N floats).
void sgemm_batched(bool transA, bool transB, int batch, int M, int N, int K, const float* A,
                   const int* aIndex, const float* B, const int* bIndex, float* C);

}  // namespace kt
