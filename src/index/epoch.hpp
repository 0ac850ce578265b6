// Epoch-based memory reclamation for lock-free structures (the skip list).
//
// A thread reads shared nodes only inside an EpochGuard. A writer that has
// unlinked a node calls retire(); the node is freed only after every thread
// that was inside a guard when it was retired has left it, so a reader never
// touches freed memory (KohakuVault's skip list frees removed nodes at once).
//
//   global epoch E; each thread announces the E it saw when entering a guard.
//   E advances to E+1 only when every thread inside a guard has announced E.
//   Something retired while the epoch was R is freed once E >= R + 2: by then
//   every guard that could have seen it has ended.
//
// One process-wide domain; guards nest; threads register on first use and
// release their slot when they exit. retire() takes a mutex (deletes are rarer
// than reads); enter/exit are two atomic stores and a load.
//
// Out of memory: a writer takes a Reservation (which may throw std::bad_alloc)
// BEFORE it changes anything; retiring under it never allocates, and collect()
// frees in place, so an unlinked node is never lost to a failed allocation.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <vector>

namespace kv {

class EpochDomain {
 public:
  using Deleter = void (*)(void*);

  static EpochDomain& global() {
    static EpochDomain domain;
    return domain;
  }

  ~EpochDomain() {
    for (auto& r : limbo_) r.del(r.ptr);
    Record* r = records_.load();
    while (r) {
      Record* next = r->next;
      delete r;
      r = next;
    }
  }

  void enter() {
    Record* rec = local_record();
    if (rec->depth++ > 0) return;
    std::uint64_t e;
    do {
      e = epoch_.load();
      rec->state.store(e * 2 + 1);
    } while (epoch_.load() != e);
  }
  void exit() {
    Record* rec = local_record();
    if (--rec->depth == 0) rec->state.store(0);
  }

  // Room for n retire() calls that cannot fail: taken before a writer changes
  // anything (throws std::bad_alloc, changing nothing), given back by the
  // destructor for whatever was not retired.
  class Reservation {
   public:
    explicit Reservation(std::size_t n) : n_(n) { EpochDomain::global().reserve(n); }
    ~Reservation() {
      if (n_) EpochDomain::global().unreserve(n_);  // all used: no second trip through the mutex
    }
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    // Hands p to the domain under this reservation; never allocates.
    void retire(void* p, Deleter del) noexcept {
      if (n_ == 0) std::terminate();  // a writer retired more than it reserved
      --n_;
      EpochDomain::global().retire_reserved(p, del);
    }

   private:
    std::size_t n_;
  };

  // Tries to advance the epoch and frees whatever is old enough (in place:
  // never allocates; deleters must not retire).
  void collect() noexcept {
    try_advance();
    std::lock_guard<std::mutex> lock(mu_);
    const std::uint64_t e = epoch_.load();
    std::size_t keep = 0;
    for (std::size_t i = 0; i < limbo_.size(); ++i) {
      const Retired r = limbo_[i];
      if (r.epoch + 2 <= e)
        r.del(r.ptr);
      else
        limbo_[keep++] = r;
    }
    limbo_.resize(keep);  // shrinking: no allocation
  }

  // Objects retired and not yet freed (for tests).
  std::size_t pending() {
    std::lock_guard<std::mutex> lock(mu_);
    return limbo_.size();
  }

 private:
  static constexpr std::size_t kCollectThreshold = 256;
  struct Record {
    std::atomic<std::uint64_t> state{0};  // 0: outside any guard; else epoch*2+1
    std::atomic<bool> in_use{true};
    unsigned depth = 0;  // nesting, touched by the owning thread only
    Record* next = nullptr;
  };
  struct Retired {
    void* ptr;
    Deleter del;
    std::uint64_t epoch;
  };
  struct Slot {  // releases the thread's record when the thread exits
    Record* rec = nullptr;
    ~Slot() {
      if (rec) {
        rec->state.store(0);
        rec->in_use.store(false);
      }
    }
  };

  EpochDomain() = default;

  void reserve(std::size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    if (limbo_.capacity() < limbo_.size() + reserved_ + n) {
      const std::size_t want = limbo_.size() + reserved_ + n;
      limbo_.reserve(want < 2 * limbo_.capacity() ? 2 * limbo_.capacity() : want);  // may throw
    }
    reserved_ += n;
  }
  void unreserve(std::size_t n) noexcept {
    std::lock_guard<std::mutex> lock(mu_);
    reserved_ -= n;
  }
  void retire_reserved(void* p, Deleter del) noexcept {
    bool collect_now;
    {
      std::lock_guard<std::mutex> lock(mu_);
      limbo_.push_back({p, del, epoch_.load()});  // within the reserved capacity
      --reserved_;
      collect_now = limbo_.size() >= kCollectThreshold;
    }
    if (collect_now) collect();
  }

  Record* local_record() {
    thread_local Slot slot;
    if (!slot.rec) slot.rec = acquire_record();
    return slot.rec;
  }
  Record* acquire_record() {
    for (Record* r = records_.load(); r; r = r->next) {
      bool expected = false;
      if (!r->in_use.load() && r->in_use.compare_exchange_strong(expected, true)) {
        r->depth = 0;
        return r;
      }
    }
    auto* r = new Record();
    Record* head = records_.load();
    do {
      r->next = head;
    } while (!records_.compare_exchange_weak(head, r));
    return r;
  }
  void try_advance() {
    const std::uint64_t e = epoch_.load();
    for (Record* r = records_.load(); r; r = r->next) {
      const std::uint64_t s = r->state.load();
      if ((s & 1) && (s >> 1) != e) return;
    }
    std::uint64_t expected = e;
    epoch_.compare_exchange_strong(expected, e + 1);
  }

  std::atomic<std::uint64_t> epoch_{1};
  std::atomic<Record*> records_{nullptr};
  std::mutex mu_;
  std::vector<Retired> limbo_;
  std::size_t reserved_ = 0;  // slots of limbo_'s capacity promised to Reservations
};

// Keeps the calling thread inside the global epoch for its lifetime.
class EpochGuard {
 public:
  EpochGuard() { EpochDomain::global().enter(); }
  ~EpochGuard() { EpochDomain::global().exit(); }
  EpochGuard(const EpochGuard&) = delete;
  EpochGuard& operator=(const EpochGuard&) = delete;
};

}  // namespace kv
