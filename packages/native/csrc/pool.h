// A small persistent thread pool: parallel_for(n, fn) runs fn(0..n-1) on the
// workers plus the calling thread and returns when every index is done.
//
// Workers spin for up to 2 ms (kSpinMicros) for the next task before they block on a
// condition variable: kernels come in bursts separated by a little JavaScript,
// and a condition-variable wake-up costs tens of microseconds on a VM, more
// than many of the products take. It is the only set of worker threads kt
// uses: the system BLAS runs single-threaded inside it (see gemm.cc).
#pragma once
#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kt {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  void parallel_for(int n, const std::function<void(int)>& fn);

 private:
  void worker_loop();
  void drain(const std::function<void(int)>* task, int n);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::mutex call_mu_;
  std::condition_variable wake_cv_;
  std::atomic<const std::function<void(int)>*> task_{nullptr};
  std::atomic<int> task_n_{0};
  std::atomic<int> next_{0};
  std::atomic<int> done_{0};
  // Workers between "saw a new generation" and "left drain()"; a call waits
  // for it to be 0 before it resets next_ for the next task.
  std::atomic<int> active_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<unsigned long> generation_{0};
  std::atomic<bool> stop_{false};
};

// The process-wide pool used by the kernels (re-created by set_threads).
ThreadPool& pool();
void set_threads(int threads);
int threads();

// Runs body(i0, i1) over [0, n): on the calling thread when `split` is false (too little work to pay
// for the pool) or there is one thread, else in threads() contiguous parts.
template <typename F>
void parallel_range(int64_t n, bool split, F body) {
  const int parts = threads();
  if (!split || parts <= 1 || n < 2) {
    body(int64_t{0}, n);
    return;
  }
  pool().parallel_for(parts, [&](int p) { body(n * p / parts, n * (p + 1) / parts); });
}

}  // namespace kt
