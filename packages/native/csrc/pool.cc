#include "pool.h"

#include <chrono>
#include <memory>

namespace kt {

namespace {

constexpr long kSpinMicros = 2000;

// Set while this thread runs pool tasks: a parallel_for from inside a task runs serially.
thread_local bool t_in_task = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  wake_cv_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::drain(const std::function<void(int)>* task, int n) {
  const bool outer = t_in_task;
  t_in_task = true;
  int finished = 0;
  for (;;) {
    const int i = next_.fetch_add(1);
    if (i >= n) break;
    (*task)(i);
    ++finished;
  }
  t_in_task = outer;
  if (finished > 0) done_.fetch_add(finished);
}

void ThreadPool::worker_loop() {
  unsigned long seen = 0;
  for (;;) {
    unsigned long g = generation_.load();
    if (g == seen && !stop_.load()) {
      const auto start = std::chrono::steady_clock::now();
      for (int spins = 1;; ++spins) {
        cpu_relax();
        g = generation_.load();
        if (g != seen || stop_.load()) break;
        if ((spins & 63) == 0 &&
            std::chrono::steady_clock::now() - start > std::chrono::microseconds(kSpinMicros)) {
          std::unique_lock<std::mutex> lock(mu_);
          sleepers_.fetch_add(1);
          wake_cv_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
          sleepers_.fetch_sub(1);
          g = generation_.load();
          break;
        }
      }
    }
    if (stop_.load()) return;
    seen = g;
    active_.fetch_add(1);
    // The task read here belongs to generation g or a later one; either way
    // it is live or finished (next_ >= its n), never freed under us: a call
    // waits for active_ == 0 before it resets next_.
    const auto* task = task_.load();
    const int n = task_n_.load();
    if (task != nullptr) drain(task, n);
    active_.fetch_sub(1);
  }
}

void ThreadPool::parallel_for(int n, const std::function<void(int)>& fn) {
  if (n <= 0) return;
  if (n == 1 || workers_.empty() || t_in_task) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  // One call at a time (the addon could be used from several JavaScript threads).
  std::lock_guard<std::mutex> call(call_mu_);
  // Workers still leaving the previous call's drain() must not see next_ reset.
  for (int spins = 1; active_.load() != 0; ++spins) {
    if ((spins & 1023) == 0) std::this_thread::yield(); else cpu_relax();
  }
  done_.store(0);
  next_.store(0);
  task_n_.store(n);
  task_.store(&fn);
  generation_.fetch_add(1);
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    wake_cv_.notify_all();
  }
  drain(&fn, n);
  // Every index finished: nobody calls fn any more (late workers find next_ >= n).
  for (int spins = 1; done_.load() != n; ++spins) {
    if ((spins & 1023) == 0) std::this_thread::yield(); else cpu_relax();
  }
  task_.store(nullptr);
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
