// kvindex: option parsing and the shadow tables (see kvindex/module.cpp).
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/error.hpp"
#include "kvindex/kvindex.hpp"
#include "index/sql_value_order.hpp"
#include "common/value_bridge.hpp"

namespace kvx::kvindex {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  s.erase(0, i);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front())
    s = s.substr(1, s.size() - 2);
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::size_t parse_order(const std::string& v) {
  errno = 0;
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || n < 3 || n > 4096)
    kv::fail(kv::Errc::invalid_argument, "kvindex: order must be an integer from 3 to 4096, got '" + v + "'");
  return static_cast<std::size_t>(n);
}

}  // namespace

Options parse_options(int argc, const char* const* argv) {
  Options o;
  bool order_given = false;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = trim(argv[i]);
    const auto eq = arg.find('=');
    if (eq == std::string::npos) {
      const std::string b = lower(arg);
      if (i != 0)
        kv::fail(kv::Errc::invalid_argument,
                 "kvindex: unexpected argument '" + arg + "' (options are key=value)");
      if (b == "csbtree")
        o.backend = kv::IndexBackend::csbtree;
      else if (b == "skiplist")
        o.backend = kv::IndexBackend::skiplist;
      else
        kv::fail(kv::Errc::invalid_argument,
                 "kvindex: unknown backend '" + arg + "' (expected csbtree or skiplist)");
      continue;
    }
    const std::string k = lower(trim(arg.substr(0, eq)));
    const std::string v = trim(arg.substr(eq + 1));
    if (k == "order") {
      o.order = parse_order(v);
      order_given = true;
    } else if (k == "storage") {
      const std::string s = lower(v);
      if (s == "memory")
        o.durable = false;
      else if (s == "disk")
        o.durable = true;
      else
        kv::fail(kv::Errc::invalid_argument,
                 "kvindex: unknown storage '" + v + "' (expected disk or memory)");
    } else {
      kv::fail(kv::Errc::invalid_argument,
               "kvindex: unknown option '" + k + "' (expected order=N or storage=disk|memory)");
    }
  }
  if (order_given && o.backend != kv::IndexBackend::csbtree)
    kv::fail(kv::Errc::invalid_argument, "kvindex: option 'order' applies to the csbtree backend only");
  return o;
}

std::string Registry::key(const std::string& schema, const std::string& table) {
  return lower(schema) + '\x1f' + lower(table);
}

std::string Registry::id_key(const std::string& schema, const std::string& instance_id) {
  return lower(schema) + "\x1fid\x1f" + instance_id;
}

void Storage::follow_name(const std::string& new_name) {
  upsert_ = Stmt();
  delete_ = Stmt();
  table_ = new_name;
}

std::optional<std::string> Storage::instance_id() {
  char* sql = sqlite3_mprintf("SELECT v FROM \"%w\".\"%w_info\" WHERE k = %Q", schema_.c_str(), table_.c_str(),
                              kInstanceIdKey);
  if (!sql) throw std::bad_alloc();
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr);
  sqlite3_free(sql);
  Stmt st(raw);
  if (rc != SQLITE_OK) return std::nullopt;
  const int step = sqlite3_step(st.get());
  if (step == SQLITE_ROW && sqlite3_column_type(st.get(), 0) == SQLITE_TEXT)
    return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0)));
  if (step != SQLITE_ROW && step != SQLITE_DONE) fail_sqlite(step, "reading _info");
  return std::string();
}

kv::Value to_value(sqlite3_value* v) {
  const kv::ValueView view = to_view(v);
  kv::Value out;
  out.kind = view.kind;
  out.i = view.i;
  out.r = view.r;
  out.bytes.assign(view.bytes.data(), view.bytes.size());
  return out;
}

namespace {

void bind_value(sqlite3_stmt* s, int i, const kv::Value& v) {
  switch (v.kind) {
    case kv::Kind::null: sqlite3_bind_null(s, i); break;
    case kv::Kind::integer: sqlite3_bind_int64(s, i, v.i); break;
    case kv::Kind::real: sqlite3_bind_double(s, i, v.r); break;
    case kv::Kind::text:
    case kv::Kind::json:
      sqlite3_bind_text64(s, i, v.bytes.data(), v.bytes.size(), SQLITE_STATIC, SQLITE_UTF8);
      break;
    case kv::Kind::blob: sqlite3_bind_blob64(s, i, v.bytes.data(), v.bytes.size(), SQLITE_STATIC); break;
  }
}

}  // namespace

void Storage::fail_sqlite(int rc, const char* what) const {
  const kv::Errc code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? kv::Errc::busy
                        : (rc & 0xff) == SQLITE_NOMEM                              ? kv::Errc::internal
                        : (rc & 0xff) == SQLITE_CORRUPT                            ? kv::Errc::corrupt
                                                                                   : kv::Errc::io;
  if ((rc & 0xff) == SQLITE_NOMEM) throw std::bad_alloc();
  kv::fail(code, "kvindex table '" + table_ + "': " + what + ": " + sqlite3_errmsg(db_));
}

void Storage::corrupt(const std::string& what) const {
  kv::fail(kv::Errc::corrupt, "kvindex table '" + table_ + "' is corrupt: " + what);
}

void Storage::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string m = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    kv::fail(kv::Errc::io, "kvindex table '" + table_ + "': " + m);
  }
}

void Storage::create(const Options& opts, const std::string& instance_id) {
  char* sql = sqlite3_mprintf(
      "CREATE TABLE \"%w\".\"%w_info\"(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
      "INSERT INTO \"%w\".\"%w_info\"(k, v) VALUES ('format_version', %d), ('backend', %Q), ('order', %lld),"
      " ('storage', %Q), (%Q, %Q);",
      schema_.c_str(), table_.c_str(), schema_.c_str(), table_.c_str(), kFormatVersion,
      kv::backend_name(opts.backend), static_cast<long long>(opts.order), opts.durable ? "disk" : "memory",
      kInstanceIdKey, instance_id.c_str());
  if (!sql) throw std::bad_alloc();
  std::string s(sql);
  sqlite3_free(sql);
  if (opts.durable) {
    sql = sqlite3_mprintf("CREATE TABLE \"%w\".\"%w_data\"(key PRIMARY KEY, value) WITHOUT ROWID;",
                          schema_.c_str(), table_.c_str());
    if (!sql) throw std::bad_alloc();
    s += sql;
    sqlite3_free(sql);
  }
  exec(s);
}

void Storage::drop() {
  upsert_ = Stmt();
  delete_ = Stmt();
  version_ = Stmt();
  char* sql =
      sqlite3_mprintf("DROP TABLE IF EXISTS \"%w\".\"%w_info\"; DROP TABLE IF EXISTS \"%w\".\"%w_data\";",
                      schema_.c_str(), table_.c_str(), schema_.c_str(), table_.c_str());
  if (!sql) throw std::bad_alloc();
  std::string s(sql);
  sqlite3_free(sql);
  exec(s);
}

void Storage::rename(const std::string& new_name) {
  upsert_ = Stmt();
  delete_ = Stmt();
  std::string s;
  for (const char* suffix : {"info", "data"}) {
    char* sql = sqlite3_mprintf("SELECT 1 FROM \"%w\".sqlite_schema WHERE type='table' AND name='%q_%q'",
                                schema_.c_str(), table_.c_str(), suffix);
    if (!sql) throw std::bad_alloc();
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr);
    sqlite3_free(sql);
    Stmt st(raw);
    if (rc != SQLITE_OK) fail_sqlite(rc, "rename");
    if (sqlite3_step(st.get()) != SQLITE_ROW) continue;
    sql = sqlite3_mprintf("ALTER TABLE \"%w\".\"%w_%s\" RENAME TO \"%w_%s\";", schema_.c_str(),
                          table_.c_str(), suffix, new_name.c_str(), suffix);
    if (!sql) throw std::bad_alloc();
    s += sql;
    sqlite3_free(sql);
  }
  exec(s);
  table_ = new_name;
}

std::vector<std::pair<kv::Value, kv::Value>> Storage::load(const Options& opts) {
  // _info: format version and the options the table was created with.
  {
    char* sql = sqlite3_mprintf("SELECT k, v FROM \"%w\".\"%w_info\"", schema_.c_str(), table_.c_str());
    if (!sql) throw std::bad_alloc();
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr);
    sqlite3_free(sql);
    Stmt st(raw);
    if (rc != SQLITE_OK) corrupt(std::string("cannot read its _info table: ") + sqlite3_errmsg(db_));
    bool have_version = false;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      const char* k = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
      const std::string key = k ? k : "";
      if (key == "format_version") {
        if (sqlite3_column_type(st.get(), 1) != SQLITE_INTEGER ||
            sqlite3_column_int64(st.get(), 1) != kFormatVersion)
          corrupt(std::string("format_version is ") +
                  (sqlite3_column_text(st.get(), 1)
                       ? reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 1))
                       : "NULL") +
                  ", expected " + std::to_string(kFormatVersion));
        have_version = true;
      } else if (key == "backend") {
        const char* v = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 1));
        if (!v || std::string(v) != kv::backend_name(opts.backend))
          corrupt(std::string("_info backend is '") + (v ? v : "NULL") + "' but the table declares '" +
                  kv::backend_name(opts.backend) + "'");
      }
    }
    if (rc != SQLITE_DONE) fail_sqlite(rc, "reading _info");
    if (!have_version) corrupt("_info has no format_version row");
  }
  std::vector<std::pair<kv::Value, kv::Value>> rows;
  if (!opts.durable) return rows;
  char* sql = sqlite3_mprintf("SELECT key, value FROM \"%w\".\"%w_data\" ORDER BY key", schema_.c_str(),
                              table_.c_str());
  if (!sql) throw std::bad_alloc();
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr);
  sqlite3_free(sql);
  Stmt st(raw);
  if (rc != SQLITE_OK) corrupt(std::string("cannot read its _data table: ") + sqlite3_errmsg(db_));
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    kv::Value k = to_value(sqlite3_column_value(st.get(), 0));
    if (k.kind == kv::Kind::null) corrupt("a row of _data has a NULL key");
    if (!rows.empty() && kv::sql_compare(rows.back().first, k) >= 0)
      corrupt("_data keys " + kv::describe_value(rows.back().first.view()) + " and " +
              kv::describe_value(k.view()) + " are out of order or the same key");
    rows.emplace_back(std::move(k), to_value(sqlite3_column_value(st.get(), 1)));
  }
  if (rc != SQLITE_DONE) fail_sqlite(rc, "reading _data");
  return rows;
}

sqlite3_stmt* Storage::cached(Stmt& slot, const char* sql_format) {
  if (!slot) {
    char* sql = sqlite3_mprintf(sql_format, schema_.c_str(), table_.c_str());
    if (!sql) throw std::bad_alloc();
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    sqlite3_free(sql);
    slot = Stmt(raw);
    if (rc != SQLITE_OK) fail_sqlite(rc, "preparing a statement on _data");
  }
  return slot.get();
}

void Storage::flush(const std::vector<kv::Value>& keys, const kv::OrderedIndex& index) {
  sqlite3_stmt* up = cached(upsert_, "INSERT OR REPLACE INTO \"%w\".\"%w_data\"(key, value) VALUES (?1, ?2)");
  sqlite3_stmt* del = cached(delete_, "DELETE FROM \"%w\".\"%w_data\" WHERE key = ?1");
  for (const kv::Value& k : keys) {
    const auto found = index.lookup(k);
    sqlite3_stmt* s = found.key ? up : del;
    if (found.key) {
      bind_value(s, 1, *found.key);
      bind_value(s, 2, *found.value);
    } else {
      bind_value(s, 1, k);
    }
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE) fail_sqlite(rc, "writing _data");
  }
}

long long Storage::others_version() {
  if (!version_) {
    char* sql = sqlite3_mprintf("PRAGMA \"%w\".data_version", schema_.c_str());
    if (!sql) throw std::bad_alloc();
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    sqlite3_free(sql);
    version_ = Stmt(raw);
    if (rc != SQLITE_OK) fail_sqlite(rc, "reading the data version");
  }
  const int rc = sqlite3_step(version_.get());
  const long long v = rc == SQLITE_ROW ? sqlite3_column_int64(version_.get(), 0) : -1;
  sqlite3_reset(version_.get());
  if (rc != SQLITE_ROW) fail_sqlite(rc, "reading the data version");
  return v;
}

unsigned Storage::data_version() const {
  unsigned v = 0;
  sqlite3_file_control(db_, schema_.c_str(), SQLITE_FCNTL_DATA_VERSION, &v);
  return v;
}

}  // namespace kvx::kvindex
