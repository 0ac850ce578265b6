// The DataPacker in SQL (SQL_INTERFACE.md §2; reference in docs/datapacker.md).
//
//   kv_dtype(dtype)                        -> JSON describing the parsed dtype
//   kv_pack(dtype, value [, schema])       -> BLOB (validated against the JSON
//                                             Schema text first when given)
//   kv_unpack(dtype, blob [, byte_offset]) -> the SQL value (NULL for NULL)
//   kv_pack_many(dtype, json_array)        -> BLOB, elements back to back
//   kv_pack_many(dtype, blob)              -> the same BLOB, checked (fixed-size)
//   kv_unpack_many(dtype, blob [, offsets])-> JSON array
//   kv_pack_agg(dtype, value)              -> aggregate: BLOB in row order
//   kv_validate(schema, json)              -> 1 / 0
//   kv_validate_errors(schema, json)       -> NULL or JSON array of messages
//   kv_unpack_each(dtype, blob [, offsets])   table-valued (unpack_each.cpp)
//
// All are pure (deterministic, innocuous). The parsed dtype of a constant
// dtype argument is cached with sqlite3_set_auxdata, so per-row calls do not
// re-parse it. Every body runs inside the exception firewall.
#include <memory>
#include <string>

#include "codec/codec.hpp"
#include "json/schema.hpp"
#include "common/firewall.hpp"
#include "json/text.hpp"
#include "codec/pack_batch.hpp"
#include "common/limits.hpp"
#include "common/registry.hpp"
#include "common/value_bridge.hpp"

namespace kvx {

int register_unpack_each(sqlite3* db, char** err);  // unpack_each.cpp

namespace {

void delete_dtype(void* p) { delete static_cast<kv::DType*>(p); }

// The dtype of argument i (TEXT), parsed once per statement when constant.
const kv::DType& dtype_arg(sqlite3_context* ctx, sqlite3_value** argv, int i) {
  if (auto* cached = static_cast<kv::DType*>(sqlite3_get_auxdata(ctx, i))) return *cached;
  auto parsed = std::make_unique<kv::DType>(to_dtype(argv[i]));
  kv::DType* raw = parsed.release();
  sqlite3_set_auxdata(ctx, i, raw, delete_dtype);  // frees raw at once on OOM
  if (auto* cached = static_cast<kv::DType*>(sqlite3_get_auxdata(ctx, i))) return *cached;
  throw std::bad_alloc();
}

// A TEXT argument (JSON, schema), or an error naming what it is for.
std::string_view text_arg(sqlite3_value* v, const char* what) {
  kv::ValueView view = to_view(v);
  if (view.kind != kv::Kind::text)
    kv::fail(kv::Errc::type_mismatch, std::string(what) + " must be TEXT, got " + kv::kind_name(view.kind));
  return view.bytes;
}

// A BLOB argument (the caller handles NULL first), or a type_mismatch error.
std::string_view blob_arg(sqlite3_value* v, const char* fn) {
  kv::ValueView view = to_view(v);
  if (view.kind != kv::Kind::blob)
    kv::fail(kv::Errc::type_mismatch, std::string(fn) + " expects a BLOB, got " + kv::kind_name(view.kind));
  return view.bytes;
}

// kv_dtype(dtype)
void kv_dtype(sqlite3_context* ctx, int, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    const kv::DType& d = dtype_arg(ctx, argv, 0);
    static constexpr const char* kFamilies[] = {"integer", "float", "bytes", "str",
                                                "msgpack", "cbor",  "vec",   "auto"};
    std::string j = "{\"dtype\":";
    kv::json::append_string(j, d.name());
    j += ",\"family\":\"";
    j += kFamilies[static_cast<int>(d.family)];
    j += "\",\"elem_size\":" + std::to_string(d.elem_size());
    j += d.is_varsize() ? ",\"is_varsize\":true" : ",\"is_varsize\":false";
    switch (d.family) {
      case kv::Family::integer:
      case kv::Family::floating:
        j += ",\"elem\":\"" + std::string(kv::num_name(d.num)) + "\"";
        j += kv::num_is_signed(d.num) ? ",\"signed\":true" : ",\"signed\":false";
        break;
      case kv::Family::str:
        j += ",\"encoding\":\"" + std::string(kv::encoding_name(d.encoding)) + "\"";
        [[fallthrough]];
      case kv::Family::bytes:
      case kv::Family::msgpack:
      case kv::Family::cbor: j += ",\"fixed_size\":" + std::to_string(d.fixed_size); break;
      case kv::Family::vec: {
        j += ",\"elem\":\"" + std::string(kv::num_name(d.num)) + "\"";
        j += ",\"elem_type_byte\":" + std::to_string(kv::vec_type_byte(d.num));
        if (d.dims.empty()) {
          j += ",\"dims\":null";
        } else {
          j += ",\"dims\":[";
          for (std::size_t k = 0; k < d.dims.size(); ++k) j += (k ? "," : "") + std::to_string(d.dims[k]);
          j += "],\"count\":" + std::to_string(d.vec_count());
        }
        break;
      }
      case kv::Family::auto_header: break;
    }
    j += "}";
    set_json_result(ctx, j);
  });
}

// kv_pack(dtype, value) / kv_pack(dtype, value, schema)
void kv_pack(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    const kv::DType& d = dtype_arg(ctx, argv, 0);
    kv::ValueView v = to_view(argv[1]);
    // JSON-subtyped TEXT (json(...)) is JSON to the codecs: `auto` writes it as encoding 0x03.
    if (v.kind == kv::Kind::text && sqlite3_value_subtype(argv[1]) == kJsonSubtype) v.kind = kv::Kind::json;
    kv::require_output_room("kv_pack's " + d.name() + " element", d.elem_size(), length_limit(ctx));
    if (argc == 3) kv::schema::require_valid(text_arg(argv[2], "schema"), kv::value_as_json(d, v));
    std::string out;
    kv::pack(d, v, out);
    set_blob_result(ctx, out);
  });
}

// kv_unpack(dtype, blob) / kv_unpack(dtype, blob, byte_offset)
void kv_unpack(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    const kv::DType& d = dtype_arg(ctx, argv, 0);
    if (sqlite3_value_type(argv[1]) == SQLITE_NULL) return sqlite3_result_null(ctx);
    std::string_view blob = blob_arg(argv[1], "kv_unpack");
    if (argc == 3) {
      if (sqlite3_value_type(argv[2]) != SQLITE_INTEGER)
        kv::fail(kv::Errc::type_mismatch, "byte_offset must be an INTEGER");
      sqlite3_int64 off = sqlite3_value_int64(argv[2]);
      if (off < 0 || static_cast<std::uint64_t>(off) >= blob.size())
        kv::fail(kv::Errc::out_of_range, "byte_offset " + std::to_string(off) + " is outside the " +
                                             std::to_string(blob.size()) + "-byte blob");
      std::string_view rest = blob.substr(static_cast<std::size_t>(off));
      std::size_t n = rest.size();  // elements that carry no length run to the end
      if (std::size_t fixed = d.elem_size()) {
        if (fixed > rest.size())
          kv::fail(kv::Errc::out_of_range,
                   "byte_offset " + std::to_string(off) + " + " + std::to_string(fixed) + "-byte " +
                       d.name() + " element runs past the " + std::to_string(blob.size()) + "-byte blob");
        n = fixed;
      } else if (d.family == kv::Family::msgpack || d.family == kv::Family::cbor) {
        n = kv::element_length(d, rest);
      }
      blob = rest.substr(0, n);
    }
    result_element(ctx, d, blob);
  });
}

// kv_pack_many(dtype, json_array) / kv_pack_many(dtype, blob_of_packed_elements)
void kv_pack_many(sqlite3_context* ctx, int, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    const kv::DType& d = dtype_arg(ctx, argv, 0);
    if (sqlite3_value_type(argv[1]) == SQLITE_BLOB) {
      kv::codec::batch::check_packed(d, to_view(argv[1]).bytes);
      return sqlite3_result_value(ctx, argv[1]);  // one copy, no parsing
    }
    std::string out;
    kv::codec::batch::pack_many(d, text_arg(argv[1], "kv_pack_many's json_array"), out, nullptr, length_limit(ctx));
    set_blob_result(ctx, out);
  });
}

// kv_unpack_many(dtype, blob) / kv_unpack_many(dtype, blob, offsets)
void kv_unpack_many(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    const kv::DType& d = dtype_arg(ctx, argv, 0);
    if (sqlite3_value_type(argv[1]) == SQLITE_NULL) return sqlite3_result_null(ctx);
    std::string_view blob = blob_arg(argv[1], "kv_unpack_many");
    std::vector<std::size_t> offsets;
    if (argc == 3) offsets = kv::codec::batch::parse_offsets(text_arg(argv[2], "offsets"), blob.size());
    set_json_result(ctx, kv::codec::batch::unpack_many(d, blob, argc == 3 ? &offsets : nullptr));
  });
}

// kv_pack_agg(dtype, value): the state is a heap object whose pointer lives in
// the aggregate context; xFinal (always called, also after an error) frees it.
struct AggState {
  std::string dtype_text;
  kv::DType dtype;
  std::string out;
};

void kv_pack_agg_step(sqlite3_context* ctx, int, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    auto** slot = static_cast<AggState**>(sqlite3_aggregate_context(ctx, sizeof(AggState*)));
    if (!slot) throw std::bad_alloc();
    // The dtype is parsed on the first row and compared as text after that
    // (auxdata would outlive a dtype argument that changes from row to row).
    kv::ValueView dt = to_view(argv[0]);
    if (!*slot) {
      kv::DType d = to_dtype(argv[0]);
      kv::codec::batch::require_batch_dtype(d);
      *slot = new AggState{std::string(dt.bytes), std::move(d), {}};
    } else if (dt.kind != kv::Kind::text || dt.bytes != (*slot)->dtype_text) {
      kv::fail(kv::Errc::invalid_argument, "kv_pack_agg needs the same dtype on every row");
    }
    AggState& state = **slot;
    const std::size_t limit = length_limit(ctx);
    kv::require_output_room("kv_pack_agg's result", state.out.size() + state.dtype.elem_size(), limit);
    pack_element(state.dtype, argv[1], state.out);
    kv::require_output_room("kv_pack_agg's result", state.out.size(), limit);
  });
}

void kv_pack_agg_final(sqlite3_context* ctx) {
  guard_function(ctx, [&] {
    auto** slot = static_cast<AggState**>(sqlite3_aggregate_context(ctx, 0));
    std::unique_ptr<AggState> state(slot ? *slot : nullptr);
    if (slot) *slot = nullptr;
    if (state) {
      set_blob_result(ctx, state->out);
    } else {
      sqlite3_result_zeroblob(ctx, 0);  // no rows: zero elements, like kv_pack_many(d, '[]')
    }
  });
}

// kv_validate(schema, json)
void kv_validate(sqlite3_context* ctx, int, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    auto errors = kv::schema::violations(text_arg(argv[0], "schema"), text_arg(argv[1], "json"), 1);
    sqlite3_result_int(ctx, errors.empty() ? 1 : 0);
  });
}

// kv_validate_errors(schema, json)
void kv_validate_errors(sqlite3_context* ctx, int, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    auto errors = kv::schema::violations(text_arg(argv[0], "schema"), text_arg(argv[1], "json"));
    if (errors.empty()) return sqlite3_result_null(ctx);
    std::string j = "[";
    for (std::size_t k = 0; k < errors.size(); ++k) {
      if (k) j += ",";
      kv::json::append_string(j, errors[k]);
    }
    j += "]";
    set_json_result(ctx, j);
  });
}

constexpr FunctionSpec kPackFunctions[] = {
    {"kv_dtype", 1, kPure, true, kv_dtype, nullptr},
    // kv_pack reads its value's subtype (JSON text from json() packs as JSON for `auto`):
    // SQLITE_SUBTYPE tells SQLite to keep argument subtypes for it.
    {"kv_pack", 2, kPure | SQLITE_SUBTYPE, false, kv_pack, nullptr},
    {"kv_pack", 3, kPure | SQLITE_SUBTYPE, false, kv_pack, nullptr},
    {"kv_unpack", 2, kPure, true, kv_unpack, nullptr},
    {"kv_unpack", 3, kPure, true, kv_unpack, nullptr},
    {"kv_pack_many", 2, kPure, false, kv_pack_many, nullptr},
    {"kv_unpack_many", 2, kPure, true, kv_unpack_many, nullptr},
    {"kv_unpack_many", 3, kPure, true, kv_unpack_many, nullptr},
    {"kv_pack_agg", 2, kPure, false, kv_pack_agg_step, kv_pack_agg_final},
    {"kv_validate", 2, kPure, false, kv_validate, nullptr},
    {"kv_validate_errors", 2, kPure, true, kv_validate_errors, nullptr},
};

}  // namespace

int register_pack_functions(sqlite3* db, char** err) {
  int rc = register_functions(db, kPackFunctions, err);
  if (rc != SQLITE_OK) return rc;
  return register_unpack_each(db, err);
}

}  // namespace kvx
