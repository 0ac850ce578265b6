// See statement.hpp.
#include "common/statement.hpp"

#include "common/sqlite_error.hpp"

namespace kvx {

Statement::Statement(sqlite3* db, std::string_view sql, std::string_view context, unsigned flags) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    throw_sqlite_error(db, rc, context);
  }
  stmt_ = stmt;
}

bool Statement::step(std::string_view context) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite_error(sqlite3_db_handle(stmt_), rc, context);
}

void CachedStatement::prepare(sqlite3* db, const std::string& sql, std::string_view context) {
  stmt_ = Statement(db, sql, context, SQLITE_PREPARE_PERSISTENT);
}

void exec(sqlite3* db, const std::string& sql, std::string_view context) {
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw_sqlite_error(db, rc, context);
}

}  // namespace kvx
