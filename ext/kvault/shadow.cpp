// Shared pieces of the kvault module (see shadow.hpp).
#include "kvault/shadow.hpp"

#include <new>

#include "common/error.hpp"
#include "common/resolve_table.hpp"

namespace kvx::kvault {

TableRef resolve(sqlite3* db, std::string_view name, std::string_view function) {
  ResolvedTable found = resolve_table(db, name, "kvault", function);
  return {std::move(found.schema), std::move(found.table)};
}

std::string_view key_bytes(sqlite3_value* v, std::string_view what) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_TEXT: {
      const char* t = reinterpret_cast<const char*>(sqlite3_value_text(v));
      if (!t) throw std::bad_alloc();
      return {t, static_cast<std::size_t>(sqlite3_value_bytes(v))};
    }
    case SQLITE_BLOB: {
      const void* b = sqlite3_value_blob(v);
      const int n = sqlite3_value_bytes(v);
      if (!b && n > 0) throw std::bad_alloc();
      return {b ? static_cast<const char*>(b) : "", static_cast<std::size_t>(n)};
    }
    case SQLITE_NULL:
      throw kv::Error(kv::Errc::constraint, "NOT NULL constraint failed: " + std::string(what));
    default:
      throw kv::Error(kv::Errc::type_mismatch,
                      std::string(what) + " must be TEXT or BLOB (keys are bytes), got " +
                          (sqlite3_value_type(v) == SQLITE_INTEGER ? "INTEGER" : "REAL"));
  }
}

sqlite3_stmt* StatementCache::acquire(const std::string& sql) {
  auto it = idle_.find(sql);
  if (it != idle_.end() && !it->second.empty()) {
    sqlite3_stmt* s = it->second.back();
    it->second.pop_back();
    return s;
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    throw_sqlite_error(db_, rc, "kvault: preparing a statement on the shadow table");
  }
  return stmt;
}

void StatementCache::release(const std::string& sql, sqlite3_stmt* stmt) noexcept {
  if (!stmt) return;
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  try {
    idle_[sql].push_back(stmt);
  } catch (...) {
    sqlite3_finalize(stmt);
  }
}

void StatementCache::clear() noexcept {
  for (auto& [sql, stmts] : idle_)
    for (sqlite3_stmt* s : stmts) sqlite3_finalize(s);
  idle_.clear();
}

}  // namespace kvx::kvault
