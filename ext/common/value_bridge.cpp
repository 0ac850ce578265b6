#include "common/value_bridge.hpp"

#include <new>
#include <string>

#include "common/limits.hpp"
#include "json/text.hpp"

namespace kvx {

kv::ValueView to_view(sqlite3_value* value) {
  switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER: return kv::ValueView::integer(sqlite3_value_int64(value));
    case SQLITE_FLOAT: return kv::ValueView::real(sqlite3_value_double(value));
    case SQLITE_TEXT: {
      const char* t = reinterpret_cast<const char*>(sqlite3_value_text(value));
      int n = sqlite3_value_bytes(value);
      if (!t) throw std::bad_alloc();
      return kv::ValueView::text(std::string_view(t, static_cast<std::size_t>(n)));
    }
    case SQLITE_BLOB: {
      const void* b = sqlite3_value_blob(value);
      int n = sqlite3_value_bytes(value);
      if (!b && n > 0) throw std::bad_alloc();
      return kv::ValueView::blob(
          std::string_view(b ? static_cast<const char*>(b) : "", static_cast<std::size_t>(n)));
    }
    default: return kv::ValueView::null();
  }
}

std::size_t length_limit(sqlite3_context* ctx) {
  int limit = sqlite3_limit(sqlite3_context_db_handle(ctx), SQLITE_LIMIT_LENGTH, -1);
  return limit > 0 ? static_cast<std::size_t>(limit) : 0;
}

namespace {

// False (and the result is an SQLITE_TOOBIG error) when n bytes exceed the limit.
bool fits(sqlite3_context* ctx, std::size_t n, const char* what) {
  std::size_t limit = length_limit(ctx);
  if (n <= limit) return true;
  std::string m = "kohakuvault: " + kv::output_too_big_message(what, n, limit);
  sqlite3_result_error(ctx, m.c_str(), -1);
  sqlite3_result_error_code(ctx, SQLITE_TOOBIG);
  return false;
}

}  // namespace

void set_json_result(sqlite3_context* ctx, const std::string& json) {
  if (!fits(ctx, json.size(), "the JSON result")) return;
  sqlite3_result_text64(ctx, json.data(), json.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  sqlite3_result_subtype(ctx, kJsonSubtype);
}

void set_text_result(sqlite3_context* ctx, std::string_view text) {
  if (!kv::json::is_valid_utf8(text)) {
    std::string escaped = kv::json::escape_invalid_utf8(text);
    if (!fits(ctx, escaped.size(), "the TEXT result")) return;
    sqlite3_result_text64(ctx, escaped.data(), escaped.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return;
  }
  if (!fits(ctx, text.size(), "the TEXT result")) return;
  sqlite3_result_text64(ctx, text.empty() ? "" : text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void set_blob_result(sqlite3_context* ctx, const std::string& bytes) {
  if (!fits(ctx, bytes.size(), "the BLOB result")) return;
  sqlite3_result_blob64(ctx, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
}

void set_result(sqlite3_context* ctx, const kv::Value& value) {
  switch (value.kind) {
    case kv::Kind::null: sqlite3_result_null(ctx); return;
    case kv::Kind::integer: sqlite3_result_int64(ctx, value.i); return;
    case kv::Kind::real: sqlite3_result_double(ctx, value.r); return;
    case kv::Kind::text: set_text_result(ctx, value.bytes); return;
    case kv::Kind::blob: set_blob_result(ctx, value.bytes); return;
    case kv::Kind::json: set_json_result(ctx, value.bytes); return;
  }
}

const char* sqlite_type_name(int type) noexcept {
  switch (type) {
    case SQLITE_INTEGER: return "INTEGER";
    case SQLITE_FLOAT: return "REAL";
    case SQLITE_TEXT: return "TEXT";
    case SQLITE_BLOB: return "BLOB";
    default: return "NULL";
  }
}

}  // namespace kvx
