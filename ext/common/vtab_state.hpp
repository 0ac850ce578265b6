// Per-connection state of a virtual table that outlives one sqlite3_vtab.
//
// SQLite disconnects and reconnects virtual tables whenever it reparses the
// schema: after ALTER TABLE / CREATE / DROP of any table, PRAGMA
// writable_schema=RESET, or a schema change committed by another connection,
// also while a transaction is open. The old sqlite3_vtab stays in the open
// transaction (SQLite holds it for xSync/xCommit/xRollback and the savepoint
// calls and only then calls xDisconnect); the new one is connected by xConnect
// and joins the transaction (xBegin, then xSavepoint(current level)) on its
// first write. Both must act on ONE state: the connection's uncommitted writes,
// their savepoint snapshots or undo journal, the caches. So kvcolumn and
// kvindex keep that state in a StateRegistry (module client data, one per
// connection) and every sqlite3_vtab of a table shares it.
//
// Identity of a table: the "instance_id" row of its _info shadow table, 128
// random bits written by xCreate, so the key survives a rename (committed or
// rolled back) and a table dropped and created again gets a new one. Tables
// created by builds without the row are keyed by schema and name.
//
// TxnFanIn folds the transaction calls of several sqlite3_vtabs of one table
// into one call sequence on the shared state (see its comments). The modules'
// transaction methods therefore act once per table: SQLite calls them on each
// of the table's sqlite3_vtabs in the transaction (an old one stays in it
// after a schema reparse connected a new one, also after the table was
// dropped: then they do nothing).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/sqlite.hpp"

namespace kvx {

// _info row name of the instance id.
inline constexpr const char* kInstanceIdKey = "instance_id";

// 32 lowercase hex digits from SQLite's PRNG.
inline std::string new_instance_id() {
  unsigned char bytes[16];
  sqlite3_randomness(sizeof bytes, bytes);
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) id += hex[b >> 4], id += hex[b & 15];
  return id;
}

// The registry key of a table: schema + instance id, or schema + name when
// the table has no instance id.
inline std::string state_key(const std::string& schema, const std::string& instance_id,
                             const std::string& table) {
  return schema + (instance_id.empty() ? std::string("\x1fname\x1f") + table : "\x1fid\x1f" + instance_id);
}

// Weak map key -> state: an entry lives as long as some sqlite3_vtab holds it.
template <class State>
class StateRegistry {
 public:
  std::shared_ptr<State> find(const std::string& key) {
    auto it = live_.find(key);
    if (it == live_.end()) return nullptr;
    std::shared_ptr<State> s = it->second.lock();
    if (!s) live_.erase(it);
    return s;
  }
  void put(const std::string& key, const std::shared_ptr<State>& s) {
    prune();
    live_[key] = s;
  }
  void forget(const std::string& key) { live_.erase(key); }
  // ALTER TABLE RENAME of a table keyed by name.
  void rename(const std::string& from, const std::string& to) {
    std::shared_ptr<State> s = find(from);
    live_.erase(from);
    if (s) live_[to] = s;
  }

 private:
  void prune() {
    for (auto it = live_.begin(); it != live_.end();) it = it->second.expired() ? live_.erase(it) : std::next(it);
  }
  std::map<std::string, std::weak_ptr<State>> live_;
};

// Transaction calls of all sqlite3_vtabs of one table, as one sequence.
// SQLite calls xSync/xCommit/xRollback and xSavepoint/xRelease/xRollbackTo on
// every sqlite3_vtab in the transaction, back to back, so duplicates are
// idempotent except for these two, which TxnFanIn filters:
//   * xBegin of a vtab joining while the table is already in the transaction:
//     not a new transaction (the state and its savepoints stay);
//   * the xSavepoint(level) that follows such a join: when the table already
//     holds that level, it is the same savepoint, not a new one (taking it
//     again would move its snapshot past the writes made since).
struct TxnFanIn {
  bool in_txn = false;
  std::vector<int> levels;  // open savepoint levels the state holds, ascending

  // xBegin as one call: the table's first vtab runs start() (make the state
  // current, remember it at the start of the transaction) and the table
  // enters the transaction; when start() throws it stays out. A vtab that
  // joins later (connected after a schema reparse) gets *joining set for its
  // next xSavepoint and the state and its savepoints stay.
  template <class Start>
  void join(bool* joining, Start&& start) {
    if (!in_txn) start();
    begin(joining);
  }
  // xBegin. True: the table enters the transaction now (start it). False: a
  // vtab joined late; *joining is set for its next xSavepoint.
  bool begin(bool* joining) {
    if (in_txn) {
      *joining = true;
      return false;
    }
    in_txn = true;
    levels.clear();
    *joining = false;
    return true;
  }
  // xSavepoint. True: take the snapshot.
  bool savepoint(int level, bool* joining) {
    const bool was_joining = *joining;
    *joining = false;
    bool held = false;
    for (int l : levels) held = held || l == level;
    if (was_joining && held) return false;
    while (!levels.empty() && levels.back() >= level) levels.pop_back();
    levels.push_back(level);
    return true;
  }
  void release(int level) {
    while (!levels.empty() && levels.back() >= level) levels.pop_back();
  }
  void rollback_to(int level) {
    while (!levels.empty() && levels.back() > level) levels.pop_back();
  }
  // xCommit / xRollback. True for the first vtab (do the work once).
  bool end() {
    if (!in_txn) return false;
    in_txn = false;
    levels.clear();
    return true;
  }
};

}  // namespace kvx
