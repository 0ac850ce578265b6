// See shadow_info.hpp.
#include "kvcolumn/shadow_info.hpp"

#include "column/chunk_layout.hpp"
#include "common/error.hpp"
#include "common/sql_text.hpp"
#include "common/statement.hpp"
#include "common/vtab_state.hpp"

namespace kvx::kvcolumn {

std::vector<const char*> chunk_suffixes(bool varsize) {
  if (varsize) return {kIdxSuffix, kDataSuffix};
  return {kChunksSuffix};
}

std::vector<const char*> owned_suffixes(bool varsize) {
  std::vector<const char*> suffixes = chunk_suffixes(varsize);
  suffixes.push_back(kInfoSuffix);
  return suffixes;
}

ShadowInfo ShadowInfo::read(sqlite3* db, const std::string& schema, const std::string& table) {
  const std::string context = kv::column_label(table) + ": cannot read " + table + "_info";
  Statement s(db, "SELECT key, value FROM " + shadow_name(schema, table, kInfoSuffix), context);
  ShadowInfo info;
  while (s.step(context)) {
    const unsigned char* key = sqlite3_column_text(s.get(), 0);
    if (!key) continue;
    InfoValue v;
    v.type = sqlite3_column_type(s.get(), 1);
    v.integer = sqlite3_column_int64(s.get(), 1);
    if (const unsigned char* text = sqlite3_column_text(s.get(), 1)) v.text = reinterpret_cast<const char*>(text);
    info.rows_[reinterpret_cast<const char*>(key)] = std::move(v);
  }
  return info;
}

void ShadowInfo::create(sqlite3* db, const std::string& schema, const std::string& table, const Options& o) {
  const std::string info = shadow_name(schema, table, kInfoSuffix);
  const bool varsize = o.dtype.is_varsize();
  exec(db, "CREATE TABLE " + info + "(key TEXT PRIMARY KEY, value) WITHOUT ROWID", "kvcolumn");
  for (const char* suffix : chunk_suffixes(varsize))
    exec(db, "CREATE TABLE " + shadow_name(schema, table, suffix) + "(chunk_idx INTEGER PRIMARY KEY, data BLOB NOT NULL)",
         "kvcolumn");
  exec(db,
       mprintf("INSERT INTO %s(key, value) VALUES ('format_version', %d), ('dtype', %Q), ('elem_size', %llu), "
               "('min_chunk_bytes', %llu), ('max_chunk_bytes', %llu), ('length', 0), (%Q, %Q)%s",
               info.c_str(), format_version(varsize), o.dtype.name().c_str(),
               static_cast<unsigned long long>(o.dtype.elem_size()),
               static_cast<unsigned long long>(o.min_chunk_bytes),
               static_cast<unsigned long long>(o.max_chunk_bytes), kInstanceIdKey, o.instance_id.c_str(),
               varsize ? ", ('data_length', 0)" : ""),
       "kvcolumn");
  if (!o.schema.empty())
    exec(db, mprintf("INSERT INTO %s(key, value) VALUES ('schema', %Q)", info.c_str(), o.schema.c_str()),
         "kvcolumn");
}

const InfoValue* ShadowInfo::find(std::string_view key) const {
  auto it = rows_.find(key);
  return it == rows_.end() ? nullptr : &it->second;
}

std::optional<std::string> ShadowInfo::text(std::string_view key) const {
  const InfoValue* v = find(key);
  if (!v || v->type == SQLITE_NULL) return std::nullopt;
  return v->text;
}

Options ShadowInfo::options(const std::string& table, Options declared) const {
  auto corrupt = [&](const std::string& what) {
    kv::fail(kv::Errc::corrupt, kv::column_label(table) + " is corrupt: " + table + "_info " + what);
  };
  auto row = [&](const char* key) -> const InfoValue& {
    const InfoValue* v = find(key);
    if (!v) corrupt(std::string("has no ") + key + " row");
    return *v;
  };
  auto size_row = [&](const char* key, bool zero_ok) {
    const InfoValue& r = row(key);
    if (r.type != SQLITE_INTEGER || r.integer < 0 || (r.integer == 0 && !zero_ok))
      corrupt(std::string("has ") + key + " '" + r.text + "': expected a " + (zero_ok ? "" : "positive ") +
              "integer");
    return static_cast<std::uint64_t>(r.integer);
  };
  Options o = std::move(declared);
  const InfoValue& dtype = row("dtype");
  try {
    if (dtype.type != SQLITE_TEXT) kv::fail(kv::Errc::corrupt, "not TEXT");
    o.dtype = kv::parse_dtype(dtype.text);
  } catch (const kv::Error& e) {
    corrupt("has dtype '" + dtype.text + "': " + e.what());
  }
  if (o.dtype.family == kv::Family::auto_header) corrupt("has dtype 'auto', which no column stores");
  if (size_row("elem_size", true) != o.dtype.elem_size())
    corrupt("has elem_size " + row("elem_size").text + " but dtype '" + o.dtype.name() + "' has " +
            std::to_string(o.dtype.elem_size()) + "-byte elements");
  const bool varsize = o.dtype.is_varsize();
  const InfoValue* version = find("format_version");
  const sqlite3_int64 stored_version = version ? version->integer : 0;
  if (stored_version != format_version(varsize))
    kv::fail(kv::Errc::corrupt, kv::column_label(table) + " has format_version " + std::to_string(stored_version) +
                                    ", this build reads format " + std::to_string(format_version(varsize)) +
                                    " for " + (varsize ? "variable" : "fixed") + "-size dtypes");
  o.min_chunk_bytes = size_row("min_chunk_bytes", false);
  o.max_chunk_bytes = size_row("max_chunk_bytes", false);
  try {
    kv::ChunkLayout check(varsize ? kv::kVarIndexEntryBytes : o.dtype.elem_size(), o.min_chunk_bytes,
                          o.max_chunk_bytes);
  } catch (const kv::Error& e) {
    corrupt(std::string("has chunk sizes that are not valid: ") + e.what());
  }
  const InfoValue* schema = find("schema");
  const bool structured = o.dtype.family == kv::Family::msgpack || o.dtype.family == kv::Family::cbor;
  if (schema) {
    if (schema->type != SQLITE_TEXT || schema->text.empty() || !structured)
      corrupt("has a schema row that is not JSON Schema text of a msgpack/cbor column");
    o.schema = schema->text;
  } else if (!structured) {
    o.schema.clear();
  }
  const InfoValue* id = find(kInstanceIdKey);
  o.instance_id = id && id->type == SQLITE_TEXT ? id->text : std::string();
  return o;
}

}  // namespace kvx::kvcolumn
