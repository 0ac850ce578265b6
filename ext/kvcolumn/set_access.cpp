// Table lookup and read pinning for the set-based column functions (see
// set_access.hpp).
#include "kvcolumn/set_access.hpp"

#include <cmath>
#include <string_view>

#include "codec/dtype.hpp"
#include "common/resolve_table.hpp"
#include "common/vtab_state.hpp"
#include "common/error.hpp"
#include "common/value_bridge.hpp"
#include "column/stats.hpp"

namespace kvx::kvcolumn {

namespace {

// The newest live instance of schema.name that SQLite would use now: not
// dropped, and (when the table has one) with the instance id its "_info"
// holds now, which tells an instance left over from a rolled-back DROP /
// CREATE from the table that is current.
Table* live_instance(LiveTables& live, const std::string& schema, const std::string& name,
                     const std::string& instance_id) {
  for (auto it = live.tables.rbegin(); it != live.tables.rend(); ++it) {
    const Table& t = **it;
    if (!t.shared->dropped && sqlite3_stricmp(t.schema.c_str(), schema.c_str()) == 0 &&
        sqlite3_stricmp(t.name.c_str(), name.c_str()) == 0 &&
        (instance_id.empty() || t.options.instance_id == instance_id))
      return *it;
  }
  return nullptr;
}

// The instance id in "<name>_info" (empty when there is none: a table of an
// older build, or not a kvcolumn table at all).
std::string current_instance_id(sqlite3* db, const std::string& schema, const std::string& name) {
  const std::string info = shadow_name(schema, name, kInfoSuffix);
  const std::string context = "cannot read " + info;
  Statement s;
  try {
    s = Statement(db, "SELECT value FROM " + info + " WHERE key = '" + kInstanceIdKey + "'", context);
  } catch (const kv::Error& e) {
    // No "<name>_info" (plain SQLITE_ERROR): not a kvcolumn table, which
    // resolving it reports. Any other failure (IOERR, BUSY...) is the
    // caller's: SQLite may already have rolled the transaction back.
    if (e.host_code() == SQLITE_ERROR) return "";
    throw;
  }
  std::string id;
  if (s.step(context))
    if (const unsigned char* t = sqlite3_column_text(s.get(), 0)) id = reinterpret_cast<const char*>(t);
  return id;
}

}  // namespace

// A short form of a bad argument for messages: its type and, for TEXT and REAL,
// its text cut to 40 bytes on a character boundary (non-ASCII kept as is).
std::string shown(sqlite3_value* v) {
  std::string out = sqlite_type_name(sqlite3_value_type(v));
  if (sqlite3_value_type(v) == SQLITE_TEXT || sqlite3_value_type(v) == SQLITE_FLOAT) {
    const unsigned char* t = sqlite3_value_text(v);
    std::string text = t ? reinterpret_cast<const char*>(t) : "";
    if (text.size() > 40) {  // cut on a character boundary; the firewall escapes any invalid bytes
      std::size_t cut = 40;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      text = text.substr(0, cut) + "...";
    }
    out += " '" + text + "'";
  }
  return out;
}

Table* find_table(sqlite3* db, LiveTables& live, const std::string& fn, const std::string& name) {
  const ResolvedTable r = resolve_table(db, name, "kvcolumn", fn);
  const std::string id = current_instance_id(db, r.schema, r.table);
  if (Table* t = live_instance(live, r.schema, r.table, id)) return t;
  {  // preparing a SELECT connects the virtual table (xConnect) without running anything
    const std::string sql = mprintf("SELECT 1 FROM \"%w\".\"%w\"", r.schema.c_str(), r.table.c_str());
    Statement connect(db, sql, "cannot prepare '" + sql + "'");
  }
  if (Table* t = live_instance(live, r.schema, r.table, id)) return t;
  kv::fail(kv::Errc::internal, fn + ": " + kv::column_label(r.schema + "." + r.table) + " did not connect");
}

std::optional<std::int64_t> index_arg(sqlite3_value* v, const std::string& fn, const char* which) {
  if (!v) return std::nullopt;  // a hidden argument not given
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: return std::nullopt;
    case SQLITE_INTEGER: return sqlite3_value_int64(v);
    case SQLITE_FLOAT: {
      const double d = sqlite3_value_double(v);
      if (std::floor(d) == d && std::fabs(d) < 9.2e18) return static_cast<std::int64_t>(d);
      break;
    }
    default: break;
  }
  kv::fail(kv::Errc::type_mismatch,
           fn + ": " + which + " must be an INTEGER (Python slice rules; NULL = omitted), got " + shown(v));
}

std::string table_arg(sqlite3_value* v, const std::string& fn) {
  if (sqlite3_value_type(v) != SQLITE_TEXT)
    kv::fail(kv::Errc::type_mismatch, fn + ": the table argument must be TEXT naming a kvcolumn table, got " + shown(v));
  const unsigned char* t = sqlite3_value_text(v);
  if (!t) throw std::bad_alloc();
  return std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_value_bytes(v)));
}

SetAccess::SetAccess(sqlite3* db, LiveTables& live, const std::string& fn, const std::string& table) {
  table_ = find_table(db, live, fn, table);
  const std::string sql = "SELECT value FROM " + shadow_name(table_->schema, table_->name, kInfoSuffix) + " LIMIT 1";
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &pin_, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(pin_);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  if (rc != SQLITE_OK) {
    sqlite3_finalize(pin_);
    pin_ = nullptr;
    throw_sqlite_error(db, rc, fn + ": cannot read " + kv::column_label(table_->name));
  }
  try {
    table_->revalidate();
    table_->column->settle();
  } catch (...) {
    sqlite3_finalize(pin_);
    throw;
  }
}

SetAccess::~SetAccess() { sqlite3_finalize(pin_); }

bool SetAccess::still_live(const LiveTables& live) const {
  for (const Table* t : live.tables)
    if (t == table_) return true;
  return false;
}

void require_numeric(const Table& t, const std::string& fn) {
  if (!kv::summarizable(t.options.dtype))
    kv::fail(kv::Errc::invalid_argument, fn + ": " + kv::column_label(t.name) + " has dtype '" + t.options.dtype.name() +
                                             "': expected a numeric dtype (i8, i16, i32, i64, u8, u16, u32, u64, "
                                             "f32 or f64)");
}

}  // namespace kvx::kvcolumn
