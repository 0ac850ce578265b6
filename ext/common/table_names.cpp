// See table_names.hpp for the rules.
#include "common/table_names.hpp"

#include <memory>
#include <string>

#include "common/error.hpp"
#include "common/sql_text.hpp"
#include "common/sqlite_error.hpp"
#include "common/statement.hpp"

namespace kvx {

namespace {

// Keep in step with the modules registered with xCreate == nullptr
// (python_test_names checks every eponymous module the extension registers).
constexpr const char* kEponymous[] = {
    "kvcolumns",         // ext/kvcolumn/admin.cpp
    "kv_unpack_each",    // ext/functions/unpack_each.cpp
    "kvcolumn_stats",    // SQL_INTERFACE.md §7
    "kvcolumn_buckets",  // SQL_INTERFACE.md §7
    "kvcolumn_knn",      // SQL_INTERFACE.md §8
    "kohakuvault_columns",  // ext/kvfiles (SQL_INTERFACE.md §10)
    "kohakuvault_column",   // ext/kvfiles (SQL_INTERFACE.md §10)
};

bool same_name(std::string_view a, const char* b) {
  const std::string_view bv(b);
  return a.size() == bv.size() && sqlite3_strnicmp(std::string(a).c_str(), b, static_cast<int>(a.size())) == 0;
}

// The type of the schema object named `name` (any case) in database
// `schema`, preferring a table; empty when there is none.
std::string object_type(sqlite3* db, std::string_view schema, const std::string& name, std::string_view module) {
  const std::string context = std::string(module) + ": reading the schema";
  Statement hold(db,
                 mprintf("SELECT type FROM \"%w\".sqlite_schema WHERE name = ?1 COLLATE NOCASE ORDER BY type <> "
                         "'table' LIMIT 1",
                         std::string(schema).c_str()),
                 context);
  sqlite3_stmt* stmt = hold.get();
  sqlite3_bind_text64(stmt, 1, name.data(), name.size(), SQLITE_STATIC, SQLITE_UTF8);
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) return reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  if (rc != SQLITE_DONE) throw_sqlite_error(db, rc, context);
  return {};
}

bool contains(std::span<const char* const> list, const char* s) {
  for (const char* x : list)
    if (x == s || std::string_view(x) == s) return true;
  return false;
}

}  // namespace

bool claims_shadow_suffix(const char* suffix, std::span<const char* const> claimed) noexcept {
  if (!suffix) return false;
  for (const char* s : claimed)
    if (sqlite3_stricmp(suffix, s) == 0) return true;
  return false;
}

bool is_eponymous_name(std::string_view name) {
  for (const char* e : kEponymous)
    if (same_name(name, e)) return true;
  return false;
}

void check_table_name(sqlite3* db, std::string_view schema, std::string_view name, std::string_view module,
                      std::span<const char* const> reserved, std::span<const char* const> claimed,
                      std::span<const char* const> owned) {
  const std::string mod(module), shown(name);
  if (is_eponymous_name(name))
    kv::fail(kv::Errc::invalid_argument, mod + ": a table cannot be named '" + shown +
                                             "': that is the name of a kohakuvault eponymous table, which it "
                                             "would hide");
  for (const char* r : reserved)
    if (same_name(name, r))
      kv::fail(kv::Errc::invalid_argument, mod + ": a table cannot be named '" + shown + "': '" + r +
                                               "' is reserved (" + mod + " tables have a column of that name)");
  for (const char* suffix : claimed) {
    const std::string shadow = shown + "_" + suffix;
    const std::string type = object_type(db, schema, shadow, module);
    if (!type.empty() && type != "table" && contains(owned, suffix))
      kv::fail(kv::Errc::invalid_argument, mod + ": a table cannot be named '" + shown + "' in " +
                                               std::string(schema) + ": its shadow table would be named '" +
                                               shadow + "', and " + type + " '" + shadow + "' already exists");
    if (type == "table")
      kv::fail(kv::Errc::invalid_argument,
               mod + ": a table cannot be named '" + shown + "' in " + std::string(schema) + ": table '" + shadow +
                   "' already exists, and " + mod + " claims every '<table>_" + suffix +
                   "' as its shadow table (it would turn read-only under SQLITE_DBCONFIG_DEFENSIVE); rename '" +
                   shadow + "' or choose another name");
  }
}

}  // namespace kvx
