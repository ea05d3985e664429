#include "pool.h"

#include <memory>

namespace kt {

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::drain(const std::function<void(int)>* task, int n) {
  int finished = 0;
  for (;;) {
    int i = next_.fetch_add(1);
    if (i >= n) break;
    (*task)(i);
    ++finished;
  }
  if (finished > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    done_ += finished;
    if (done_ == task_n_) done_cv_.notify_all();
  }
}

void ThreadPool::worker_loop() {
  unsigned long seen = 0;
  const std::function<void(int)>* task = nullptr;
  int n = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      start_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      // Join only while the caller is still waiting for this generation: then
      // the caller also waits for us (active_) before starting another one.
      if (task_ == nullptr || done_ == task_n_) continue;
      task = task_;
      n = task_n_;
      ++active_;
    }
    drain(task, n);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --active_;
      if (active_ == 0) done_cv_.notify_all();
    }
  }
}

void ThreadPool::parallel_for(int n, const std::function<void(int)>& fn) {
  if (n <= 0) return;
  if (n == 1 || workers_.empty()) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = &fn;
    task_n_ = n;
    done_ = 0;
    next_.store(0);
    ++generation_;
  }
  start_cv_.notify_all();
  drain(&fn, n);
  std::unique_lock<std::mutex> lock(mu_);
  // Wait for every index to finish and for every worker to have left drain(),
  // so that no worker still reads task_ when the caller's fn goes away.
  done_cv_.wait(lock, [&] { return done_ == task_n_ && active_ == 0; });
  task_ = nullptr;
}

namespace {
std::unique_ptr<ThreadPool>& pool_ptr() {
  static std::unique_ptr<ThreadPool> p;
  return p;
}
int& thread_count() {
  static int n = 1;
  return n;
}
}  // namespace

ThreadPool& pool() {
  auto& p = pool_ptr();
  if (!p) p.reset(new ThreadPool(thread_count()));
  return *p;
}

void set_threads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > 256) threads = 256;
  if (threads == thread_count() && pool_ptr()) return;
  thread_count() = threads;
  pool_ptr().reset(new ThreadPool(threads));
}

int threads() { return thread_count(); }

}  // namespace kt
