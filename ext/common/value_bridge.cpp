#include "common/value_bridge.hpp"

#include <bit>
#include <charconv>
#include <new>
#include <string>

#include "codec/codec.hpp"
#include "common/error.hpp"
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

void assign_value(kv::Value& out, sqlite3_value* value) {
  const kv::ValueView view = to_view(value);
  if (view.bytes.empty())
    out.bytes.clear();  // numbers: no call into the string (kvindex's per-row keys)
  else
    out.bytes.assign(view.bytes.data(), view.bytes.size());  // the only step that can fail: first
  out.kind = view.kind;
  out.i = view.i;
  out.r = view.r;
}

kv::Value to_value(sqlite3_value* value) {
  kv::Value out;
  assign_value(out, value);
  return out;
}

kv::DType to_dtype(sqlite3_value* value) {
  const kv::ValueView view = to_view(value);
  if (view.kind != kv::Kind::text)
    kv::fail(kv::Errc::invalid_argument,
             std::string("dtype must be TEXT such as 'i64' or 'str:utf8', got ") + kv::kind_name(view.kind));
  return kv::parse_dtype(view.bytes);
}

void pack_element(const kv::DType& dtype, sqlite3_value* value, std::string& out) {
  if (std::endian::native == std::endian::little && dtype.family == kv::Family::floating &&
      dtype.num == kv::Num::f64 && sqlite3_value_type(value) == SQLITE_FLOAT) {  // the common case
    const double d = sqlite3_value_double(value);
    out.append(reinterpret_cast<const char*>(&d), sizeof d);
    return;
  }
  kv::pack(dtype, to_view(value), out);
}

void bind_value(sqlite3_stmt* stmt, int i, const kv::Value& value) {
  int rc = SQLITE_OK;
  switch (value.kind) {
    case kv::Kind::null: rc = sqlite3_bind_null(stmt, i); break;
    case kv::Kind::integer: rc = sqlite3_bind_int64(stmt, i, value.i); break;
    case kv::Kind::real: rc = sqlite3_bind_double(stmt, i, value.r); break;
    case kv::Kind::text:
    case kv::Kind::json:
      rc = sqlite3_bind_text64(stmt, i, value.bytes.data(), value.bytes.size(), SQLITE_STATIC, SQLITE_UTF8);
      break;
    case kv::Kind::blob:
      rc = sqlite3_bind_blob64(stmt, i, value.bytes.data(), value.bytes.size(), SQLITE_STATIC);
      break;
  }
  if (rc == SQLITE_NOMEM) throw std::bad_alloc();
  if (rc == SQLITE_TOOBIG)
    kv::fail(kv::Errc::too_big, "a " + std::string(kv::kind_name(value.kind)) + " of " +
                                    std::to_string(value.bytes.size()) + " bytes is over SQLite's length limit");
  if (rc != SQLITE_OK) kv::fail(kv::Errc::internal, "binding parameter " + std::to_string(i) + " failed");
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

void set_stored_result(sqlite3_context* ctx, const kv::Value& value) {
  if (value.kind != kv::Kind::text) return set_result(ctx, value);
  if (!fits(ctx, value.bytes.size(), "the TEXT value")) return;
  sqlite3_result_text64(ctx, value.bytes.data(), value.bytes.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void set_result(sqlite3_context* ctx, const kv::ElementView& view) {
  switch (view.type) {
    case kv::ElementView::Type::none:
    case kv::ElementView::Type::null: sqlite3_result_null(ctx); return;
    case kv::ElementView::Type::integer: sqlite3_result_int64(ctx, view.i); return;
    case kv::ElementView::Type::real: sqlite3_result_double(ctx, view.r); return;
    case kv::ElementView::Type::uint64: {  // above 2^63-1: its decimal digits as TEXT
      char digits[24];
      const char* end = std::to_chars(digits, digits + sizeof digits, view.u).ptr;
      sqlite3_result_text64(ctx, digits, static_cast<sqlite3_uint64>(end - digits), SQLITE_TRANSIENT, SQLITE_UTF8);
      return;
    }
    case kv::ElementView::Type::text:  // checked UTF-8 (view_element)
      if (!fits(ctx, view.bytes.size(), "the TEXT result")) return;
      sqlite3_result_text64(ctx, view.bytes.empty() ? "" : view.bytes.data(), view.bytes.size(), SQLITE_TRANSIENT,
                            SQLITE_UTF8);
      return;
    case kv::ElementView::Type::blob:
      if (!fits(ctx, view.bytes.size(), "the BLOB result")) return;
      if (view.bytes.empty()) return sqlite3_result_zeroblob(ctx, 0);  // x'' (a null pointer would be NULL)
      sqlite3_result_blob64(ctx, view.bytes.data(), view.bytes.size(), SQLITE_TRANSIENT);
      return;
  }
}

void result_element(sqlite3_context* ctx, const kv::DType& dtype, std::string_view element) {
  const kv::ElementView view = kv::view_element(dtype, element);
  if (view.type != kv::ElementView::Type::none) return set_result(ctx, view);
  set_result(ctx, kv::unpack(dtype, element));
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
