// Shared pieces of the kvault module (see shadow.hpp).
#include "kvault/shadow.hpp"

#include <cctype>
#include <memory>

#include "common/error.hpp"

namespace kvx::kvault {

namespace {

struct SqliteFree {
  void operator()(char* p) const noexcept { sqlite3_free(p); }
};

std::string mprintf_str(char* s) {
  if (!s) throw std::bad_alloc();
  std::unique_ptr<char, SqliteFree> hold(s);
  return std::string(s);
}

kv::Errc errc_of(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT: return kv::Errc::constraint;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return kv::Errc::busy;
    case SQLITE_TOOBIG: return kv::Errc::too_big;
    case SQLITE_CORRUPT: return kv::Errc::corrupt;
    case SQLITE_IOERR: return kv::Errc::io;
    case SQLITE_CANTOPEN: return kv::Errc::cant_open;
    case SQLITE_MISMATCH: return kv::Errc::type_mismatch;
    case SQLITE_RANGE: return kv::Errc::out_of_range;
    case SQLITE_NOMEM: throw std::bad_alloc();
    default: return kv::Errc::invalid_argument;
  }
}

// True when the CREATE VIRTUAL TABLE text uses the kvault module.
bool uses_kvault(std::string_view sql) {
  std::string lower;
  lower.reserve(sql.size());
  for (char c : sql) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  const auto using_at = lower.find(" using ");
  if (lower.rfind("create virtual table", 0) != 0 || using_at == std::string::npos) return false;
  std::string_view rest = std::string_view(lower).substr(using_at + 7);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
  if (rest.substr(0, 6) != "kvault") return false;
  rest.remove_prefix(6);
  return rest.empty() || !(std::isalnum(static_cast<unsigned char>(rest.front())) || rest.front() == '_');
}

}  // namespace

void throw_sqlite(sqlite3* db, int rc, std::string_view context) {
  const kv::Errc code = errc_of(rc);
  throw kv::Error(code, std::string(context) + ": " + sqlite3_errmsg(db));
}

std::string quoted_data_table(std::string_view schema, std::string_view table) {
  return mprintf_str(
      sqlite3_mprintf("\"%w\".\"%w_data\"", std::string(schema).c_str(), std::string(table).c_str()));
}

TableRef resolve(sqlite3* db, std::string_view name) {
  // Candidates: ("main", name), then ("schema", "table") when name has a dot.
  std::vector<TableRef> candidates{{"main", std::string(name)}};
  if (auto dot = name.find('.'); dot != std::string_view::npos)
    candidates.push_back({std::string(name.substr(0, dot)), std::string(name.substr(dot + 1))});
  for (const TableRef& ref : candidates) {
    const std::string sql = mprintf_str(sqlite3_mprintf(
        "SELECT name, sql FROM \"%w\".sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
        ref.schema.c_str()));
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt);
      continue;  // no such schema
    }
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> hold(stmt, sqlite3_finalize);
    sqlite3_bind_text(stmt, 1, ref.table.data(), static_cast<int>(ref.table.size()), SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_ROW) continue;
    const char* stored = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    const char* ddl = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    if (!ddl || !uses_kvault(ddl))
      throw kv::Error(kv::Errc::invalid_argument, "table '" + std::string(name) +
                                                      "' is not a kvault table (expected a name created with "
                                                      "CREATE VIRTUAL TABLE ... USING kvault)");
    return {ref.schema, stored ? stored : ref.table};
  }
  throw kv::Error(kv::Errc::invalid_argument, "no such kvault table: '" + std::string(name) + "'");
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
    throw_sqlite(db_, rc, "kvault storage");
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
