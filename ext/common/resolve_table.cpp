// See resolve_table.hpp for the rules.
#include "common/resolve_table.hpp"

#include <memory>
#include <utility>
#include <optional>
#include <vector>

#include "common/error.hpp"
#include "common/sql_text.hpp"
#include "common/sqlite_error.hpp"
#include "common/statement.hpp"
#include "common/sqlite.hpp"

namespace kvx {

namespace {

Statement prepare(sqlite3* db, const std::string& sql, std::string_view function) {
  return Statement(db, sql, std::string(function) + ": reading the schema");
}

std::string column_text(sqlite3_stmt* stmt, int i) {
  const unsigned char* t = sqlite3_column_text(stmt, i);
  if (!t) return {};
  return {reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(stmt, i))};
}

// The databases of the connection in SQLite's search order for an
// unqualified name: temp, then main, then attached ones in attach order.
// sqlite3_db_name costs nothing; older hosts read PRAGMA database_list.
// temp is left out while it was never opened (it holds nothing then, and
// reading its schema would open it: a statement over it costs twice as much).
std::vector<std::string> search_order(sqlite3* db, std::string_view function) {
  std::vector<std::string> names;
#if SQLITE_VERSION_NUMBER >= 3039000
  if (runtime_features().db_name) {
    for (int i = 0; const char* name = sqlite3_db_name(db, i); ++i)
      if (i != 1 || sqlite3_db_filename(db, name) != nullptr) names.emplace_back(name);
    if (names.size() >= 2 && sqlite3_db_filename(db, "temp") != nullptr)
      std::swap(names[0], names[1]);  // temp (1) before main (0)
    return names;
  }
#endif
  Statement list = prepare(db, "SELECT seq, name FROM pragma_database_list ORDER BY seq", function);
  std::optional<std::string> temp;
  int rc;
  while ((rc = sqlite3_step(list.get())) == SQLITE_ROW) {
    std::string name = column_text(list.get(), 1);
    if (sqlite3_column_int64(list.get(), 0) == 1)
      temp = std::move(name);
    else
      names.push_back(std::move(name));
  }
  if (rc != SQLITE_DONE) throw_sqlite_error(db, rc, std::string(function) + ": listing the databases");
  if (temp) names.insert(names.begin(), std::move(*temp));
  return names;
}

struct Found {
  std::string schema, type, name, sql;
};

// The first table or view named `table` in the databases `schemas`, in that
// order: one statement over all of them (a statement per database costs a
// parse and a read transaction each).
std::optional<Found> find_first(sqlite3* db, const std::vector<std::string>& schemas, std::string_view table,
                                std::string_view function) {
  if (schemas.empty()) return std::nullopt;
  std::string sql;
  for (std::size_t i = 0; i < schemas.size(); ++i) {
    sql += mprintf(
        "%sSELECT %d AS pos, type, name, sql FROM \"%w\".sqlite_schema WHERE type IN ('table', 'view') AND "
        "name = ?1 COLLATE NOCASE",
        i ? " UNION ALL " : "", static_cast<int>(i), schemas[i].c_str());
  }
  sql += " ORDER BY pos LIMIT 1";
  Statement q = prepare(db, sql, function);
  sqlite3_bind_text64(q.get(), 1, table.data(), table.size(), SQLITE_STATIC, SQLITE_UTF8);
  const int rc = sqlite3_step(q.get());
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) throw_sqlite_error(db, rc, std::string(function) + ": reading the schema");
  return Found{schemas[static_cast<std::size_t>(sqlite3_column_int(q.get(), 0))], column_text(q.get(), 1),
               column_text(q.get(), 2), column_text(q.get(), 3)};
}

// Checks the object found for `shown` (the name as the caller gave it).
ResolvedTable accept(const Found& found, std::string_view shown, std::string_view module,
                     std::string_view function) {
  const std::string& schema = found.schema;
  if (found.type != "table" || !uses_module(found.sql, module))
    kv::fail(kv::Errc::invalid_argument,
             std::string(function) + ": '" + std::string(shown) + "' is not a " + std::string(module) +
                 " table (" + schema + "." + found.name + " is " +
                 (found.type == "view" ? "a view" : found.sql.rfind("CREATE VIRTUAL", 0) == 0
                                                        ? "a virtual table of another module"
                                                        : "an ordinary table") +
                 "; expected one created with CREATE VIRTUAL TABLE ... USING " + std::string(module) + ")");
  return {schema, found.name};
}

[[noreturn]] void not_found(std::string_view shown, std::string_view module, std::string_view function,
                            const std::vector<std::string>& searched) {
  std::string where;
  for (const std::string& s : searched) where += (where.empty() ? "" : ", ") + s;
  kv::fail(kv::Errc::invalid_argument, std::string(function) + ": no such " + std::string(module) +
                                           " table: '" + std::string(shown) + "' (searched " +
                                           (where.empty() ? std::string("no database") : where) + ")");
}

// ---- reading CREATE VIRTUAL TABLE text ----------------------------------------

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Skips white space and SQL comments from i.
std::size_t skip_space(std::string_view s, std::size_t i) {
  for (;;) {
    while (i < s.size() && is_space(s[i])) ++i;
    if (s.substr(i, 2) == "--") {
      i = s.find('\n', i);
      if (i == std::string_view::npos) return s.size();
    } else if (s.substr(i, 2) == "/*") {
      i = s.find("*/", i + 2);
      if (i == std::string_view::npos) return s.size();
      i += 2;
    } else {
      return i;
    }
  }
}

// Consumes `word` (ASCII case-insensitive, as a whole token) at i.
bool take_keyword(std::string_view s, std::size_t& i, std::string_view word) {
  i = skip_space(s, i);
  if (s.size() - i < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    char c = s[i + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[k]) return false;
  }
  if (i + word.size() < s.size() && is_ident_char(s[i + word.size()])) return false;
  i += word.size();
  return true;
}

// Consumes one name token at i (bare, "double", [bracket], `back` or 'single'
// quoted) and returns it unquoted; nullopt when there is none.
std::optional<std::string> take_name(std::string_view s, std::size_t& i) {
  i = skip_space(s, i);
  if (i >= s.size()) return std::nullopt;
  const char open = s[i];
  if (open == '"' || open == '`' || open == '\'' || open == '[') {
    const char close = open == '[' ? ']' : open;
    std::string out;
    for (std::size_t k = i + 1; k < s.size(); ++k) {
      if (s[k] != close) {
        out += s[k];
      } else if (close != ']' && k + 1 < s.size() && s[k + 1] == close) {
        out += close;  // doubled quote
        ++k;
      } else {
        i = k + 1;
        return out;
      }
    }
    return std::nullopt;  // unterminated
  }
  std::size_t end = i;
  while (end < s.size() && is_ident_char(s[end])) ++end;
  if (end == i) return std::nullopt;
  std::string out(s.substr(i, end - i));
  i = end;
  return out;
}

}  // namespace

bool uses_module(std::string_view sql, std::string_view module) {
  std::size_t i = 0;
  if (!take_keyword(sql, i, "create") || !take_keyword(sql, i, "virtual") || !take_keyword(sql, i, "table"))
    return false;
  std::size_t after_if = i;
  if (!(take_keyword(sql, after_if, "if") && take_keyword(sql, after_if, "not") &&
        take_keyword(sql, after_if, "exists")))
    after_if = i;
  i = after_if;
  if (!take_name(sql, i)) return false;
  i = skip_space(sql, i);
  if (i < sql.size() && sql[i] == '.') {
    ++i;
    if (!take_name(sql, i)) return false;
  }
  if (!take_keyword(sql, i, "using")) return false;
  const std::optional<std::string> used = take_name(sql, i);
  return used && used->size() == module.size() && sqlite3_strnicmp(used->c_str(), std::string(module).c_str(),
                                                                    static_cast<int>(module.size())) == 0;
}

ResolvedTable resolve_table(sqlite3* db, std::string_view name, std::string_view module,
                            std::string_view function) {
  const std::vector<std::string> order = search_order(db, function);
  if (const std::size_t dot = name.find('.'); dot != std::string_view::npos) {
    const std::string prefix(name.substr(0, dot));
    for (const std::string& schema : order)
      if (sqlite3_stricmp(schema.c_str(), prefix.c_str()) == 0) {
        if (auto found = find_first(db, {schema}, name.substr(dot + 1), function))
          return accept(*found, name, module, function);
        not_found(name, module, function, {schema});
      }
  }
  if (auto found = find_first(db, order, name, function)) return accept(*found, name, module, function);
  not_found(name, module, function, order);
}

ResolvedTable resolve_table_in(sqlite3* db, std::string_view schema, std::string_view table,
                               std::string_view module, std::string_view function) {
  const std::string wanted(schema);
  for (const std::string& s : search_order(db, function))
    if (sqlite3_stricmp(s.c_str(), wanted.c_str()) == 0) {
      if (auto found = find_first(db, {s}, table, function)) return accept(*found, table, module, function);
      not_found(table, module, function, {s});
    }
  kv::fail(kv::Errc::invalid_argument,
           std::string(function) + ": no such database: '" + wanted + "' (expected main, temp or an ATTACH name)");
}

}  // namespace kvx
