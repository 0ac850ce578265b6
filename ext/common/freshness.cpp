// See freshness.hpp.
#include "common/freshness.hpp"

#include "common/sql_text.hpp"
#include "common/sqlite_error.hpp"

namespace kvx {

long long OthersVersion::read(sqlite3* db, const std::string& schema, std::string_view context) {
  StatementUse s =
      stmt_.use(db, [&] { return mprintf("PRAGMA \"%w\".data_version", schema.c_str()); }, context);
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) throw_sqlite_error(db, rc, context);
  return sqlite3_column_int64(s, 0);
}

}  // namespace kvx
