#include "common/value_bridge.hpp"

#include <new>
#include <string>

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

void set_json_result(sqlite3_context* ctx, const std::string& json) {
  sqlite3_result_text64(ctx, json.data(), json.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  sqlite3_result_subtype(ctx, kJsonSubtype);
}

void set_blob_result(sqlite3_context* ctx, const std::string& bytes) {
  sqlite3_result_blob64(ctx, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
}

void set_result(sqlite3_context* ctx, const kv::Value& value) {
  switch (value.kind) {
    case kv::Kind::null: sqlite3_result_null(ctx); return;
    case kv::Kind::integer: sqlite3_result_int64(ctx, value.i); return;
    case kv::Kind::real: sqlite3_result_double(ctx, value.r); return;
    case kv::Kind::text:
      sqlite3_result_text64(ctx, value.bytes.data(), value.bytes.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      return;
    case kv::Kind::blob: set_blob_result(ctx, value.bytes); return;
    case kv::Kind::json: set_json_result(ctx, value.bytes); return;
  }
}

}  // namespace kvx
