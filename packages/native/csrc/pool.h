// A small persistent thread pool: parallel_for(n, fn) runs fn(0..n-1) on the
// workers plus the calling thread and returns when every index is done.
#pragma once
#include <atomic>
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
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  const std::function<void(int)>* task_ = nullptr;
  int task_n_ = 0;
  std::atomic<int> next_{0};
  int done_ = 0;
  int active_ = 0;
  unsigned long generation_ = 0;
  bool stop_ = false;
};

// The process-wide pool used by the kernels (re-created by set_threads).
ThreadPool& pool();
void set_threads(int threads);
int threads();

}  // namespace kt
