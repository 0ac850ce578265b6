// MapWrites: the public write front shared by the lock-free ordered maps
// (kv::SkipList, kv::ChunkedSkipList), so the two spell their insert family
// and size once. Derived (CRTP) provides
//   template <bool Assign, class V> bool insert_impl(const Key&, V&&);
//     inserts (Assign: or replaces the value atomically); true when inserted
//   std::atomic<std::size_t> size_;
// and befriends MapWrites.
#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

namespace kv {

template <class Derived, class Key, class T>
class MapWrites {
 public:
  // Number of keys (exact when no writer is running).
  std::size_t size() const { return self().size_.load(); }
  bool empty() const { return size() == 0; }

  // Inserts (k, v) if k is absent; returns false and changes nothing otherwise.
  bool insert(const Key& k, const T& v) { return self().template insert_impl<false>(k, v); }
  // The same, moving v in (v may be left moved-from even when the key turns
  // out to be present: a concurrent insert of k won the race).
  bool insert(const Key& k, T&& v) { return self().template insert_impl<false>(k, std::move(v)); }
  // Inserts, or atomically replaces the value of an existing key; true when inserted.
  bool insert_or_assign(const Key& k, const T& v) { return self().template insert_impl<true>(k, v); }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

}  // namespace kv
