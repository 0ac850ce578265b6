// kvindex: the shadow tables (see kvindex/module.cpp for the module).
//
// Format 2 (written by xCreate since this build):
//   "<t>_info"(k TEXT PRIMARY KEY, v) WITHOUT ROWID
//       format_version 2, backend, order, storage, instance_id,
//       seq       the number of the last committed change record (0: none yet)
//       snap_seq  the seq folded into _snap (records <= snap_seq are in it)
//   "<t>_snap"(id INTEGER PRIMARY KEY, data BLOB)
//       the whole table at snap_seq, in key order: rows 0, 1, 2 ... each one
//       packed run (index/change_batch.hpp) of up to kSnapshotRunEntries pairs
//       or about kSnapshotRunBytes bytes
//   "<t>_log"(seq INTEGER PRIMARY KEY, data BLOB)
//       one packed change batch per committed transaction after snap_seq:
//       every key the transaction touched, once, with its final state (put
//       key value / erase key), in key order
// A commit (xSync, inside SQLite's transaction) writes two rows: _info seq
// (checked to be the one this connection applied last: nobody else wrote) and
// one _log record. When the log would hold more entries than half the
// snapshot (and at least kMinLogEntries), the commit rewrites _snap from the
// index instead and empties _log: each committed change is written about
// three times in all, each time as a few packed bytes, never as a B-tree
// insert of its own. Loading = the snapshot runs (bulk load) + replaying the
// records; a connection that sees another's commit (PRAGMA data_version)
// reads _info seq: unchanged (the commit was to another table) costs nothing
// more; else it replays the records after its own seq, or reloads when the
// log was compacted past it.
//
// Format 1 (older builds; still opened and written in format 1):
//   "<t>_data"(key PRIMARY KEY, value) WITHOUT ROWID, one row per key; a
//   commit upserts/deletes each touched key; another connection's commit to
//   the database makes the next statement reload the table.
#include <cstring>

#include "common/error.hpp"
#include "common/sql_text.hpp"
#include "common/sqlite_error.hpp"
#include "common/statement.hpp"
#include "common/value_bridge.hpp"
#include "index/change_batch.hpp"
#include "index/sql_value_order.hpp"
#include "kvindex/kvindex.hpp"

namespace kvx::kvindex {

namespace {

std::string_view column_bytes(sqlite3_stmt* s, int col) {
  const void* p = sqlite3_column_blob(s, col);
  const int n = sqlite3_column_bytes(s, col);
  return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string_view();
}

}  // namespace

std::string ShadowTables::label(const char* what) const { return "kvindex table '" + table_ + "': " + what; }

void ShadowTables::corrupt(const std::string& what) const {
  kv::fail(kv::Errc::corrupt, "kvindex table '" + table_ + "' is corrupt: " + what);
}

void ShadowTables::step_done(sqlite3_stmt* s, const char* what) {
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) throw_sqlite_error(db_, rc, label(what));
}

sqlite3_stmt* ShadowTables::cached(Statement& slot, const char* sql_format) {
  if (!slot) {
    const std::string text = mprintf(sql_format, schema_.c_str(), table_.c_str());
    slot = Statement(db_, text, label("preparing a statement on its shadow tables"), SQLITE_PREPARE_PERSISTENT);
  }
  return slot.get();
}

void ShadowTables::follow_name(const std::string& new_name) {
  upsert_ = Statement();
  delete_ = Statement();
  seqs_ = Statement();
  log_after_ = Statement();
  set_seq_ = Statement();
  append_ = Statement();
  set_snap_seq_ = Statement();
  snap_put_ = Statement();
  table_ = new_name;
}

std::optional<std::string> ShadowTables::instance_id() {
  const std::string text = mprintf("SELECT v FROM \"%w\".\"%w_info\" WHERE k = %Q", schema_.c_str(),
                                   table_.c_str(), kInstanceIdKey);
  sqlite3_stmt* raw = nullptr;
  // A table that is gone cannot be prepared: no instance id (not an error).
  // Any other failure (out of memory, I/O) is one: it says nothing about the table.
  const int rc = sqlite3_prepare_v2(db_, text.c_str(), -1, &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    if ((rc & 0xff) != SQLITE_ERROR) throw_sqlite_error(db_, rc, label("reading _info"));
    return std::nullopt;
  }
  sqlite3_finalize(raw);
  Statement st(db_, text, label("reading _info"));
  const int step = sqlite3_step(st.get());
  if (step == SQLITE_ROW && sqlite3_column_type(st.get(), 0) == SQLITE_TEXT)
    return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0)));
  if (step != SQLITE_ROW && step != SQLITE_DONE) throw_sqlite_error(db_, step, label("reading _info"));
  return std::string();
}

void ShadowTables::create(const Options& opts, const std::string& instance_id) {
  std::string s = mprintf(
      "CREATE TABLE \"%w\".\"%w_info\"(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
      "INSERT INTO \"%w\".\"%w_info\"(k, v) VALUES ('format_version', %d), ('backend', %Q), ('order', %lld),"
      " ('storage', %Q), (%Q, %Q), ('seq', 0), ('snap_seq', 0);",
      schema_.c_str(), table_.c_str(), schema_.c_str(), table_.c_str(), kFormatVersion,
      kv::backend_name(opts.backend), static_cast<long long>(opts.order), opts.durable ? "disk" : "memory",
      kInstanceIdKey, instance_id.c_str());
  if (opts.durable) {
    s += mprintf(
        "CREATE TABLE \"%w\".\"%w_snap\"(id INTEGER PRIMARY KEY, data BLOB);"
        "CREATE TABLE \"%w\".\"%w_log\"(seq INTEGER PRIMARY KEY, data BLOB);",
        schema_.c_str(), table_.c_str(), schema_.c_str(), table_.c_str());
  }
  exec(db_, s, label("changing its shadow tables"));
}

void ShadowTables::drop() {
  follow_name(table_);
  std::string s;
  for (const char* suffix : {"info", "data", "snap", "log"}) {
    s += mprintf("DROP TABLE IF EXISTS \"%w\".\"%w_%s\";", schema_.c_str(), table_.c_str(), suffix);
  }
  exec(db_, s, label("changing its shadow tables"));
}

void ShadowTables::rename(const std::string& new_name) {
  follow_name(table_);
  std::string s;
  for (const char* suffix : {"info", "data", "snap", "log"}) {
    const std::string text = mprintf("SELECT 1 FROM \"%w\".sqlite_schema WHERE type='table' AND name='%q_%q'",
                                     schema_.c_str(), table_.c_str(), suffix);
    Statement st(db_, text, label("rename"));
    if (!st.step(label("rename"))) continue;
    s += mprintf("ALTER TABLE \"%w\".\"%w_%s\" RENAME TO \"%w_%s\";", schema_.c_str(), table_.c_str(), suffix,
                 new_name.c_str(), suffix);
  }
  exec(db_, s, label("changing its shadow tables"));
  table_ = new_name;
}

Loaded ShadowTables::load(const Options& opts, kv::OrderedIndex& index) {
  Loaded got;
  long long snap_seq = 0;
  bool have_seq = false, have_snap_seq = false;
  // _info: format version and the options the table was created with.
  {
    const std::string text = mprintf("SELECT k, v FROM \"%w\".\"%w_info\"", schema_.c_str(), table_.c_str());
    Statement st(db_, text, label("reading its _info table"));
    int rc;
    bool have_version = false;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      const char* k = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
      const std::string key = k ? k : "";
      const bool integer = sqlite3_column_type(st.get(), 1) == SQLITE_INTEGER;
      const long long n = sqlite3_column_int64(st.get(), 1);
      if (key == "format_version") {
        if (!integer || (n != kFormatVersion && n != kFormatDataTable))
          corrupt(std::string("format_version is ") +
                  (sqlite3_column_text(st.get(), 1)
                       ? reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 1))
                       : "NULL") +
                  ", expected " + std::to_string(kFormatDataTable) + " or " + std::to_string(kFormatVersion));
        got.format = static_cast<int>(n);
        have_version = true;
      } else if (key == "backend") {
        const char* v = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 1));
        if (!v || std::string(v) != kv::backend_name(opts.backend))
          corrupt(std::string("_info backend is '") + (v ? v : "NULL") + "' but the table declares '" +
                  kv::backend_name(opts.backend) + "'");
      } else if (key == "seq" || key == "snap_seq") {
        if (!integer || n < 0) corrupt("_info " + key + " is not a non-negative integer");
        (key == "seq" ? got.seq : snap_seq) = n;
        (key == "seq" ? have_seq : have_snap_seq) = true;
      }
    }
    if (rc != SQLITE_DONE) throw_sqlite_error(db_, rc, label("reading _info"));
    if (!have_version) corrupt("_info has no format_version row");
  }
  if (!opts.durable) {
    index.clear();
    return got;
  }
  std::vector<std::pair<kv::Value, kv::Value>> rows;
  if (got.format == kFormatDataTable) {
    const std::string text =
        mprintf("SELECT key, value FROM \"%w\".\"%w_data\" ORDER BY key", schema_.c_str(), table_.c_str());
    Statement st(db_, text, label("reading its _data table"));
    int rc;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      kv::Value k = to_value(sqlite3_column_value(st.get(), 0));
      if (k.kind == kv::Kind::null) corrupt("a row of _data has a NULL key");
      if (!rows.empty() && kv::sql_compare(rows.back().first, k) >= 0)
        corrupt("_data keys " + kv::describe_value(rows.back().first.view()) + " and " +
                kv::describe_value(k.view()) + " are out of order or the same key");
      rows.emplace_back(std::move(k), to_value(sqlite3_column_value(st.get(), 1)));
    }
    if (rc != SQLITE_DONE) throw_sqlite_error(db_, rc, label("reading _data"));
    got.snap_entries = rows.size();
    index.bulk_load(std::move(rows));
    return got;
  }
  if (!have_seq || !have_snap_seq) corrupt("_info has no seq or snap_seq row");
  if (snap_seq > got.seq) corrupt("_info snap_seq is after seq");
  {
    const std::string text =
        mprintf("SELECT id, data FROM \"%w\".\"%w_snap\" ORDER BY id", schema_.c_str(), table_.c_str());
    Statement st(db_, text, label("reading its _snap table"));
    int rc;
    long long expect_id = 0;
    kv::Value k, v;
    bool erase = false;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      if (sqlite3_column_int64(st.get(), 0) != expect_id++) corrupt("_snap run ids are not 0, 1, 2, ...");
      try {
        kv::BatchReader r(column_bytes(st.get(), 1));
        while (r.next(k, v, erase)) {
          if (erase) corrupt("_snap run " + std::to_string(expect_id - 1) + " holds an erase entry");
          if (!rows.empty() && kv::sql_compare(rows.back().first, k) >= 0)
            corrupt("_snap keys " + kv::describe_value(rows.back().first.view()) + " and " +
                    kv::describe_value(k.view()) + " are out of order or the same key");
          rows.emplace_back(std::move(k), std::move(v));
        }
      } catch (const kv::Error& e) {
        if (e.code() != kv::Errc::corrupt) throw;
        if (std::string_view(e.what()).starts_with("kvindex table")) throw;
        corrupt("_snap run " + std::to_string(expect_id - 1) + ": " + e.what());
      }
    }
    if (rc != SQLITE_DONE) throw_sqlite_error(db_, rc, label("reading _snap"));
  }
  got.snap_entries = rows.size();
  index.bulk_load(std::move(rows));
  const long long seq = got.seq;
  got.seq = snap_seq;
  catch_up(snap_seq, index, got);
  if (got.seq != seq) corrupt("_log ends at seq " + std::to_string(got.seq) + " but _info seq is " + std::to_string(seq));
  return got;
}

std::pair<long long, long long> ShadowTables::seqs() {
  // Two rows, 'seq' then 'snap_seq' (key order).
  sqlite3_stmt* s =
      cached(seqs_, "SELECT k, v FROM \"%w\".\"%w_info\" WHERE k IN ('seq', 'snap_seq') ORDER BY k");
  std::pair<long long, long long> out{-1, -1};
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const long long v = sqlite3_column_type(s, 1) == SQLITE_INTEGER ? sqlite3_column_int64(s, 1) : -1;
    (std::strcmp(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "seq") == 0 ? out.first : out.second) = v;
  }
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) throw_sqlite_error(db_, rc, label("reading _info seq"));
  return out;
}

void ShadowTables::catch_up(long long after, kv::OrderedIndex& index, Loaded& got) {
  sqlite3_stmt* s = cached(log_after_, "SELECT seq, data FROM \"%w\".\"%w_log\" WHERE seq > ?1 ORDER BY seq");
  sqlite3_bind_int64(s, 1, after);
  kv::Value k, v;
  bool erase = false;
  int rc;
  long long expect = after + 1;
  try {
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      const long long seq = sqlite3_column_int64(s, 0);
      if (seq != expect) corrupt("_log records jump from seq " + std::to_string(expect - 1) + " to " + std::to_string(seq));
      ++expect;
      try {
        kv::BatchReader r(column_bytes(s, 1));
        while (r.next(k, v, erase)) {
          if (erase)
            index.erase(k);
          else
            index.put(k, v);
          ++got.log_entries;
        }
      } catch (const kv::Error& e) {
        if (e.code() != kv::Errc::corrupt || std::string_view(e.what()).starts_with("kvindex table")) throw;
        corrupt("_log record " + std::to_string(seq) + ": " + e.what());
      }
      got.seq = seq;
    }
  } catch (...) {
    sqlite3_reset(s);
    throw;
  }
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) throw_sqlite_error(db_, rc, label("reading _log"));
}

void ShadowTables::move_seq(long long expect) {
  sqlite3_stmt* s = cached(set_seq_, "UPDATE \"%w\".\"%w_info\" SET v = ?1 + 1 WHERE k = 'seq' AND v = ?1");
  sqlite3_bind_int64(s, 1, expect);
  step_done(s, "writing _info seq");
  if (sqlite3_changes(db_) != 1)
    kv::fail(kv::Errc::busy, "kvindex table '" + table_ + "': another connection changed it during this transaction "
                             "(_info seq is not " + std::to_string(expect) + ")");
}

void ShadowTables::append(long long expect, const std::vector<kv::Journal::Change>& changes,
                          const kv::PackedPuts* appended) {
  kv::BatchWriter w(buffer_);
  for (const auto& c : changes) {
    if (c.value)
      w.put(*c.key, *c.value);
    else
      w.erase(*c.key);
  }
  if (appended) w.append(*appended);
  move_seq(expect);
  sqlite3_stmt* s = cached(append_, "INSERT INTO \"%w\".\"%w_log\"(seq, data) VALUES (?1, ?2)");
  sqlite3_bind_int64(s, 1, expect + 1);
  sqlite3_bind_blob64(s, 2, buffer_.data(), buffer_.size(), SQLITE_STATIC);
  step_done(s, "writing _log");
}

void ShadowTables::start_snapshot(long long expect) {
  move_seq(expect);
  sqlite3_stmt* snap_seq = cached(set_snap_seq_, "UPDATE \"%w\".\"%w_info\" SET v = ?1 WHERE k = 'snap_seq'");
  sqlite3_bind_int64(snap_seq, 1, expect + 1);
  step_done(snap_seq, "writing _info snap_seq");
  const std::string clear = mprintf("DELETE FROM \"%w\".\"%w_snap\"; DELETE FROM \"%w\".\"%w_log\";",
                                    schema_.c_str(), table_.c_str(), schema_.c_str(), table_.c_str());
  exec(db_, clear, label("emptying _snap and _log"));
}

std::size_t ShadowTables::compact(long long expect, const kv::OrderedIndex& index) {
  start_snapshot(expect);
  sqlite3_stmt* put = cached(snap_put_, "INSERT INTO \"%w\".\"%w_snap\"(id, data) VALUES (?1, ?2)");
  long long id = 0;
  std::size_t pairs = 0;
  auto write_run = [&](std::size_t entries) {
    if (entries == 0) return;
    sqlite3_bind_int64(put, 1, id++);
    sqlite3_bind_blob64(put, 2, buffer_.data(), buffer_.size(), SQLITE_STATIC);
    step_done(put, "writing _snap");
    pairs += entries;
  };
  // The index's blocks of adjacent rows (IndexCursor::run: a CSB+-tree leaf),
  // one virtual call per block.
  auto it = index.cursor();
  it->seek_first();
  kv::BatchWriter w(buffer_);
  for (auto run = it->run(); run.size > 0; run = it->next_run()) {
    const char* key = reinterpret_cast<const char*>(run.key) + run.pos * run.stride;
    const char* value = reinterpret_cast<const char*>(run.value) + run.pos * run.stride;
    for (std::size_t i = run.pos; i < run.size; ++i, key += run.stride, value += run.stride) {
      w.put(*reinterpret_cast<const kv::Value*>(key), *reinterpret_cast<const kv::Value*>(value));
      if (w.entries() >= kv::kSnapshotRunEntries || w.size() >= kv::kSnapshotRunBytes) {
        write_run(w.entries());
        w.restart();
      }
    }
  }
  write_run(w.entries());
  return pairs;
}

std::size_t ShadowTables::compact(long long expect, const kv::PackedPuts& everything) {
  start_snapshot(expect);
  sqlite3_stmt* put = cached(snap_put_, "INSERT INTO \"%w\".\"%w_snap\"(id, data) VALUES (?1, ?2)");
  for (std::size_t i = 0; i < everything.pieces(); ++i) {  // each piece is a run as it stands
    const std::string_view run = everything.piece(i);
    sqlite3_bind_int64(put, 1, static_cast<sqlite3_int64>(i));
    sqlite3_bind_blob64(put, 2, run.data(), run.size(), SQLITE_STATIC);
    step_done(put, "writing _snap");
  }
  return everything.entries();
}

void ShadowTables::flush(const std::vector<kv::Journal::Change>& changes) {
  sqlite3_stmt* up = cached(upsert_, "INSERT OR REPLACE INTO \"%w\".\"%w_data\"(key, value) VALUES (?1, ?2)");
  sqlite3_stmt* del = cached(delete_, "DELETE FROM \"%w\".\"%w_data\" WHERE key = ?1");
  for (const auto& c : changes) {
    sqlite3_stmt* s = c.value ? up : del;
    bind_value(s, 1, *c.key);
    if (c.value) bind_value(s, 2, *c.value);
    step_done(s, "writing _data");
  }
}

}  // namespace kvx::kvindex
