// kvault writes: xUpdate turns INSERT/UPDATE/DELETE on the virtual table into
// statements on the shadow table; the transaction methods have nothing to do.
#include <string>

#include "common/firewall.hpp"
#include "kvault/kvault.hpp"

namespace kvx::kvault {

namespace {

// The bytes of a value to store: BLOB, or TEXT as its UTF-8 bytes.
std::string_view value_bytes(sqlite3_value* v, const Table* t) {
  const int type = sqlite3_value_type(v);
  if (type == SQLITE_INTEGER || type == SQLITE_FLOAT)
    throw kv::Error(kv::Errc::type_mismatch, t->name + ".value must be a BLOB or TEXT, got " +
                                                 (type == SQLITE_INTEGER ? "INTEGER" : "REAL") +
                                                 " (store a typed number with kv_pack('auto', n))");
  return key_bytes(v, t->name + ".value");
}

// Which shadow statement text (Table::insert_sql ...) the statement's ON
// CONFLICT mode needs: 1 OR REPLACE, 2 OR IGNORE, 0 for the other modes,
// which let the shadow table's constraint fail.
int conflict_mode(sqlite3* db) {
  switch (sqlite3_vtab_on_conflict(db)) {
    case SQLITE_REPLACE: return 1;
    case SQLITE_IGNORE: return 2;
    default: return 0;
  }
}

void run(Table* t, sqlite3_stmt* stmt, std::string_view key_for_message) {
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return;
  if ((rc & 0xFF) == SQLITE_CONSTRAINT && !key_for_message.empty())
    throw kv::Error(kv::Errc::constraint,
                    "UNIQUE constraint failed: " + t->name +
                        ".key (the key already exists; use INSERT OR REPLACE to overwrite it)");
  throw_sqlite(t->db, rc, "kvault: writing " + t->name);
}

void reject_hidden(sqlite3_value** cols, const Table* t, bool inserting) {
  static const char* const names[] = {"size", "encoding", "prefix"};
  for (int i = kSize; i <= kPrefix; ++i) {
    sqlite3_value* v = cols[i];
    const bool given = inserting ? sqlite3_value_type(v) != SQLITE_NULL : !sqlite3_value_nochange(v);
    if (given)
      throw kv::Error(kv::Errc::invalid_argument, t->name + "." + names[i - kSize] +
                                                      " is computed from the stored value and cannot be set");
  }
}

}  // namespace

// xUpdate: DELETE (argc 1), INSERT (argv[0] NULL) or UPDATE; argv[2..] are
// key, value, size, encoding, prefix.
int kvaultUpdate(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid) {
  auto* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    if (argc == 1) {
      CachedStatement del(t->cache, t->delete_sql);
      sqlite3_bind_int64(del.get(), 1, sqlite3_value_int64(argv[0]));
      run(t, del.get(), {});
      return SQLITE_OK;
    }
    sqlite3_value** cols = argv + 2;
    const int conflict = conflict_mode(t->db);
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {  // INSERT
      reject_hidden(cols, t, true);
      const std::string_view key = key_bytes(cols[kKey], t->name + ".key");
      const std::string_view value = value_bytes(cols[kValue], t);
      CachedStatement ins(t->cache, t->insert_sql[conflict]);
      if (sqlite3_value_type(argv[1]) != SQLITE_NULL)
        sqlite3_bind_int64(ins.get(), 1, sqlite3_value_int64(argv[1]));
      sqlite3_bind_blob64(ins.get(), 2, key.data(), key.size(), SQLITE_STATIC);
      sqlite3_bind_blob64(ins.get(), 3, value.data(), value.size(), SQLITE_STATIC);
      run(t, ins.get(), key);
      *rowid = sqlite3_last_insert_rowid(t->db);
      return SQLITE_OK;
    }
    // UPDATE: only the columns that change are written.
    reject_hidden(cols, t, false);
    const sqlite3_int64 old_id = sqlite3_value_int64(argv[0]);
    if (!sqlite3_value_nochange(cols[kKey])) {
      const std::string_view key = key_bytes(cols[kKey], t->name + ".key");
      CachedStatement up(t->cache, t->set_key_sql[conflict]);
      sqlite3_bind_int64(up.get(), 1, old_id);
      sqlite3_bind_blob64(up.get(), 2, key.data(), key.size(), SQLITE_STATIC);
      run(t, up.get(), key);
    }
    if (!sqlite3_value_nochange(cols[kValue])) {
      const std::string_view value = value_bytes(cols[kValue], t);
      CachedStatement up(t->cache, t->set_value_sql);
      sqlite3_bind_int64(up.get(), 1, old_id);
      sqlite3_bind_blob64(up.get(), 2, value.data(), value.size(), SQLITE_STATIC);
      run(t, up.get(), {});
    }
    const sqlite3_int64 new_id = sqlite3_value_int64(argv[1]);
    if (sqlite3_value_type(argv[1]) != SQLITE_NULL && new_id != old_id) {
      CachedStatement up(t->cache, t->set_id_sql[conflict]);
      sqlite3_bind_int64(up.get(), 1, old_id);
      sqlite3_bind_int64(up.get(), 2, new_id);
      run(t, up.get(), {});
    }
    return SQLITE_OK;
  });
}

// ---------------------------------------------------------------------------
// Transactions: the shadow table is part of SQLite's own transaction and
// nothing is buffered, so BEGIN/COMMIT/ROLLBACK and savepoints need no work
// here; they are listed so the module states that explicitly.

// xBegin, xSync, xCommit, xRollback
int kvaultTxn(sqlite3_vtab*) { return SQLITE_OK; }
// xSavepoint, xRelease, xRollbackTo
int kvaultSavepoint(sqlite3_vtab*, int) { return SQLITE_OK; }

}  // namespace kvx::kvault
