// kvcolumn writes: xUpdate (append, insert-at, update, delete, the 'append'
// command) and the transaction methods that drive the write-back buffer.
#include <cmath>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "codec/codec.hpp"
#include "codec/element.hpp"
#include "codec/pack_batch.hpp"
#include "common/error.hpp"
#include "common/firewall.hpp"
#include "common/update_args.hpp"
#include "common/value_bridge.hpp"
#include "json/schema.hpp"
#include "json/text.hpp"
#include "kvcolumn/kvcolumn.hpp"

namespace kvx::kvcolumn {

namespace {

// An idx given by the user: an INTEGER, or a REAL with an integral value.
std::uint64_t idx_arg(const Table* t, sqlite3_value* v, std::uint64_t length) {
  std::int64_t i = 0;
  int type = sqlite3_value_type(v);
  if (type == SQLITE_INTEGER) {
    i = sqlite3_value_int64(v);
  } else if (type == SQLITE_FLOAT && std::floor(sqlite3_value_double(v)) == sqlite3_value_double(v) &&
             std::fabs(sqlite3_value_double(v)) < 9.0e15) {
    i = static_cast<std::int64_t>(sqlite3_value_double(v));
  } else {
    const unsigned char* text = sqlite3_value_text(v);
    kv::fail(kv::Errc::type_mismatch,
             kv::column_label(t->name) + ": idx must be an INTEGER, got " +
                 (text ? "'" + std::string(reinterpret_cast<const char*>(text)) + "'" : std::string("NULL")));
  }
  if (i < 0 || static_cast<std::uint64_t>(i) > length)
    kv::fail(kv::Errc::out_of_range, kv::column_label(t->name) + ": insert at idx " + std::to_string(i) +
                                         " is out of range: expected 0.." + std::to_string(length) +
                                         " (the length appends)");
  return static_cast<std::uint64_t>(i);
}

// The packed bytes of an INSERT/UPDATE value (in t->scratch), after the
// column's JSON Schema accepted it.
const std::string& pack_value(Table* t, sqlite3_value* v) {
  t->scratch.clear();
  try {
    if (!t->options.schema.empty())
      kv::schema::require_valid(t->options.schema, kv::value_as_json(t->options.dtype, to_view(v)));
    pack_element(t->options.dtype, v, t->scratch);
  } catch (const kv::Error& e) {
    throw kv::Error(e.code(), kv::column_label(t->name) + ": " + e.what());
  }
  return t->scratch;
}

// Rethrows a codec error about user-given bytes as an error about the input
// (kv::Errc::corrupt would report SQLITE_CORRUPT, which means stored data),
// with prefix() in front (built only on failure).
template <class P, class F>
void as_input_error(P&& prefix, F&& f) {
  try {
    f();
  } catch (const kv::Error& e) {
    throw kv::Error(e.code() == kv::Errc::corrupt ? kv::Errc::invalid_argument : e.code(),
                    prefix() + e.what());
  }
}

}  // namespace

// Checks that `elem` is one packed element of the column's dtype: the
// codec's validate-only check (kv::check_element: sizes, UTF-8 and the other
// encodings, vec headers, msgpack/cbor decodes), or, when the column has a
// JSON Schema, the decode the schema needs, then the schema on its value.
// `what` and `index` name the bytes in errors ("raw", "'append' element 3");
// the message is built only on failure.
void check_element(const Table* t, std::string_view elem, std::string_view what, std::size_t index) {
  const kv::DType& d = t->options.dtype;
  auto named = [&] { return std::string(what) + (index == kNoIndex ? "" : " " + std::to_string(index)); };
  auto prefix = [&] {
    return kv::column_label(t->name) + ": " + named() + " is not a packed " + d.name() + " element: ";
  };
  if (const std::size_t n = d.elem_size(); n && elem.size() != n)  // worded for a BLOB given by the user
    kv::fail(kv::Errc::invalid_argument, prefix() + "expected exactly " + std::to_string(n) + " bytes, got " +
                                             std::to_string(elem.size()));
  kv::Value v;
  as_input_error(prefix, [&] {
    if (t->options.schema.empty())
      kv::check_element(d, elem);
    else
      v = kv::unpack(d, elem);
  });
  if (t->options.schema.empty()) return;
  try {
    kv::schema::require_valid(t->options.schema, kv::value_as_json(d, v.view()));
  } catch (const kv::Error& e) {
    throw kv::Error(e.code(), kv::column_label(t->name) + ": " + named() + ": " + e.what());
  }
}

void check_packed_elements(const Table* t, std::string_view packed, std::string_view what) {
  const kv::Family f = t->options.dtype.family;
  const std::size_t e = t->options.dtype.elem_size();
  if ((f == kv::Family::integer || f == kv::Family::floating || f == kv::Family::bytes) && t->options.schema.empty())
    return;  // any bytes of the size are values (the caller checked the whole number of elements)
  for (std::size_t k = 0; k * e < packed.size(); ++k) check_element(t, packed.substr(k * e, e), what, k);
}

namespace {

// The raw column of an INSERT/UPDATE: a BLOB holding one packed element.
std::string_view raw_element(const Table* t, sqlite3_value* raw) {
  if (sqlite3_value_type(raw) != SQLITE_BLOB)
    kv::fail(kv::Errc::type_mismatch, kv::column_label(t->name) + ": raw takes a BLOB of packed " +
                                          t->options.dtype.name() + " bytes (as kv_pack returns), got " +
                                          sqlite_type_name(sqlite3_value_type(raw)));
  const void* b = sqlite3_value_blob(raw);
  std::string_view elem(static_cast<const char*>(b), static_cast<std::size_t>(sqlite3_value_bytes(raw)));
  check_element(t, elem, "raw");
  return elem;
}

// The bytes an INSERT/UPDATE stores: the packed value, or the raw bytes as
// given. A NULL raw is not given (so it behaves as a NULL value does); in an
// UPDATE, a column the statement does not assign arrives "unchanged"
// (sqlite3_value_nochange, see kvcolumnColumn). nullopt: nothing assigned.
std::optional<std::string_view> element_to_store(Table* t, sqlite3_value* value, sqlite3_value* raw) {
  const bool raw_set = !sqlite3_value_nochange(raw) && sqlite3_value_type(raw) != SQLITE_NULL;
  const bool value_set = !sqlite3_value_nochange(value) && sqlite3_value_type(value) != SQLITE_NULL;
  if (raw_set && value_set)
    kv::fail(kv::Errc::invalid_argument, kv::column_label(t->name) +
                                             ": both value and raw are set: give the element either as value "
                                             "or as raw (its packed bytes), not both");
  if (raw_set) return raw_element(t, raw);
  if (sqlite3_value_nochange(value) && sqlite3_value_nochange(raw)) return std::nullopt;
  return std::string_view(pack_value(t, value));
}

// 'append' to a variable-size column: a JSON array (TEXT), each item packed
// as kv_pack_many packs it, or (msgpack/cbor) a BLOB of items one after
// another. Every element is checked before the first is appended, so a bad
// one (its position is in the error) appends nothing.
void append_var(Table* t, kv::VarColumn& column, sqlite3_value* value) {
  const kv::DType& d = t->options.dtype;
  const bool structured = d.family == kv::Family::msgpack || d.family == kv::Family::cbor;
  const std::string prefix = kv::column_label(t->name) + ": 'append': ";  // once per statement
  auto prefix_of = [&] { return prefix; };
  std::vector<std::string_view> elems;
  const int type = sqlite3_value_type(value);
  if (type == SQLITE_TEXT) {
    std::string& packed = t->scratch;
    packed.clear();
    std::vector<std::size_t> ends;
    const unsigned char* text = sqlite3_value_text(value);
    std::string_view json(reinterpret_cast<const char*>(text),
                          static_cast<std::size_t>(sqlite3_value_bytes(value)));
    // TEXT that is not UTF-8 is not JSON (typically BLOBs joined with ||, which
    // makes TEXT). The item codecs reject it (str, msgpack/cbor, vec); bytes
    // items would take the bytes as they are, so bytes columns check first.
    auto not_utf8 = [&] {
      kv::fail(
          kv::Errc::type_mismatch,
          prefix + "value is TEXT that is not UTF-8, so not a JSON array" +
              (structured ? " (packed items joined with || are TEXT: wrap them in CAST(... AS BLOB))" : ""));
    };
    if (d.family == kv::Family::bytes && !kv::json::is_valid_utf8(json)) not_utf8();
    try {
      as_input_error(prefix_of, [&] { kv::codec::batch::pack_many(d, json, packed, &ends); });
    } catch (const kv::Error&) {
      if (!kv::json::is_valid_utf8(json)) not_utf8();
      throw;
    }
    elems.reserve(ends.size());
    std::size_t start = 0;
    for (std::size_t end : ends) elems.emplace_back(packed.data() + start, end - start), start = end;
    if (!t->options.schema.empty())
      for (std::size_t k = 0; k < elems.size(); ++k)
        check_element(t, elems[k], "'append' element", k);
  } else if (type == SQLITE_BLOB && structured) {
    const void* b = sqlite3_value_blob(value);
    std::string_view blob(static_cast<const char*>(b), static_cast<std::size_t>(sqlite3_value_bytes(value)));
    as_input_error(prefix_of, [&] {
      kv::codec::batch::ElementCursor cursor(d, blob, nullptr);  // each item decoded whole: well-formed
      for (std::string_view e; cursor.next(e);) elems.push_back(e);
    });
    if (!t->options.schema.empty())
      for (std::size_t k = 0; k < elems.size(); ++k)
        check_element(t, elems[k], "'append' element", k);
  } else {
    kv::fail(kv::Errc::type_mismatch,
             prefix + "a variable-size " + d.name() + " column takes a JSON array of values as TEXT (e.g. '" +
                 (d.family == kv::Family::str   ? "[\"a\", \"b\"]"
                  : structured                  ? "[{\"a\": 1}, 2]"
                  : d.family == kv::Family::vec ? "[[1, 2], [3]]"
                                                : "[\"text\"]") +
                 "')" + (structured ? " or a BLOB of " + d.name() + " items one after another" : "") +
                 ", got " + sqlite_type_name(type) +
                 (type == SQLITE_BLOB ? ": its elements carry no length, so pass a JSON array" : ""));
  }
  column.append_many(elems);  // stores what one append_packed per element stores, in fewer pieces
}

void run_command(Table* t, sqlite3_value* command, sqlite3_value* idx, sqlite3_value* value) {
  const unsigned char* c = sqlite3_value_text(command);
  std::string cmd = c ? reinterpret_cast<const char*>(c) : "";
  if (cmd == "append") {
    if (kv::VarColumn* var = t->var_column()) return append_var(t, *var, value);
    if (sqlite3_value_type(value) != SQLITE_BLOB)
      kv::fail(kv::Errc::type_mismatch, kv::column_label(t->name) +
                                            ": the 'append' command needs a BLOB of packed elements in value "
                                            "(e.g. kv_pack_many('" +
                                            t->options.dtype.name() + "', '[...]'))");
    const std::string_view packed(static_cast<const char*>(sqlite3_value_blob(value)),
                                  static_cast<std::size_t>(sqlite3_value_bytes(value)));
    if (packed.size() % t->options.dtype.elem_size() == 0)  // else append_packed names the size
      check_packed_elements(t, packed, "'append' element");
    t->column->append_packed(packed);
    return;
  }
  if (cmd == "write") return write_slice(t, idx, value);  // write_slice.cpp
  if (cmd == "compact") {
    kv::VarColumn* var = t->var_column();
    if (!var)
      kv::fail(kv::Errc::invalid_argument, kv::column_label(t->name) +
                                               ": 'compact' applies to variable-size columns; dtype '" +
                                               t->options.dtype.name() + "' has no dead bytes");
    var->compact();
    return;
  }
  kv::fail(kv::Errc::invalid_argument, kv::column_label(t->name) + ": unknown command '" + cmd +
                                           "': expected 'append', 'write' or 'compact'");
}

}  // namespace

// xUpdate (arguments decoded by common/update_args.hpp; the columns are Col).
// DELETE: SQLite passes the rowids of a multi-row DELETE in the original
// numbering, so deletes are recorded and compacted later. INSERT: an append,
// an insert at idx (or the rowid given), or a command. UPDATE: of one row's
// value or raw, in place.
int kvcolumnUpdate(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    t->revalidate();
    kv::Column& col = *t->column;
    const UpdateArgs u = decode_update(argc, argv);
    if (u.kind == UpdateKind::remove) {
      col.mark_deleted(static_cast<std::uint64_t>(sqlite3_value_int64(u.old_row)));
      return SQLITE_OK;
    }
    if (u.kind == UpdateKind::insert) {
      if (!u.is_null(kCommand)) {
        if (!u.is_null(kRaw))
          kv::fail(kv::Errc::invalid_argument,
                   kv::column_label(t->name) + ": commands take their argument in value, not raw");
        const std::uint64_t before = col.length();
        run_command(t, u.column(kCommand), u.column(kIdx), u.column(kValue));
        // last_insert_rowid(): the idx of the last element appended; a
        // command that appended nothing ('compact', 'write', an empty 'append') leaves it.
        const std::uint64_t after = col.length();
        *rowid = after > before ? static_cast<sqlite3_int64>(after) - 1 : sqlite3_last_insert_rowid(t->db);
        return SQLITE_OK;
      }
      const std::string_view packed =
          *element_to_store(t, u.column(kValue), u.column(kRaw));  // INSERT: always set
      if (u.is_null(kIdx) && sqlite3_value_type(u.new_rowid) == SQLITE_NULL) {
        col.append_packed(packed);
        *rowid = static_cast<sqlite3_int64>(col.length()) - 1;
        return SQLITE_OK;
      }
      col.settle();
      const std::uint64_t length = col.length();
      sqlite3_value* given = !u.is_null(kIdx)                                 ? u.column(kIdx)
                             : sqlite3_value_type(u.new_rowid) != SQLITE_NULL ? u.new_rowid
                                                                              : nullptr;
      std::uint64_t at = given ? idx_arg(t, given, length) : length;
      // INSERT OR REPLACE / REPLACE INTO t(idx, ...) with an existing idx
      // replaces that row, as for a table whose key idx is; otherwise an
      // INSERT at idx shifts the rows from idx on up by one.
      if (at < length && sqlite3_vtab_on_conflict(t->db) == SQLITE_REPLACE)
        col.update(at, packed);
      else
        col.insert(at, packed);
      *rowid = static_cast<sqlite3_int64>(at);
      return SQLITE_OK;
    }
    const sqlite3_int64 old = sqlite3_value_int64(u.old_row);
    bool same_rowid =
        sqlite3_value_type(u.new_rowid) == SQLITE_INTEGER && sqlite3_value_int64(u.new_rowid) == old;
    bool same_idx =
        sqlite3_value_type(u.column(kIdx)) == SQLITE_INTEGER && sqlite3_value_int64(u.column(kIdx)) == old;
    if (!same_rowid || !same_idx)
      kv::fail(kv::Errc::constraint,
               kv::column_label(t->name) + ": idx " + std::to_string(old) +
                   " cannot be changed: idx is the position (use DELETE and INSERT to move)");
    if (!u.is_null(kCommand))
      kv::fail(kv::Errc::invalid_argument, kv::column_label(t->name) + ": commands are INSERTs, not UPDATEs");
    if (std::optional<std::string_view> packed = element_to_store(t, u.column(kValue), u.column(kRaw)))
      col.update(static_cast<std::uint64_t>(old), *packed);
    return SQLITE_OK;
  });
}

// The transaction methods act once per table on the state every sqlite3_vtab
// of the table shares (TxnFanIn, common/vtab_state.hpp); a dropped table's
// must not even read the shadow tables.

// xBegin: the table joins a write transaction; its cache is revalidated once.
int kvcolumnBegin(sqlite3_vtab* vtab) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    t->shared->txn.join(&t->joining, [&] {
      t->revalidate();
      t->column->begin_transaction();
    });
    return SQLITE_OK;
  });
}

// xSync: phase one of commit; the buffer goes to the shadow tables, inside the
// transaction being committed, so an error here aborts the commit.
int kvcolumnSync(sqlite3_vtab* vtab) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    if (!t->shared->dropped) t->column->flush();
    return SQLITE_OK;
  });
}

// xCommit: the transaction is durable. The pager's data version now includes
// our own commit (another connection's later commit changes it again).
int kvcolumnCommit(sqlite3_vtab* vtab) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    if (!t->shared->txn.end()) return SQLITE_OK;
    t->column->end_transaction();
    t->remember_version();
    return SQLITE_OK;
  });
}

// xRollback: SQLite rolled the shadow tables back; drop the buffer and caches.
int kvcolumnRollback(sqlite3_vtab* vtab) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    if (!t->shared->txn.end()) return SQLITE_OK;
    t->column->discard();
    t->shared->freshness.forget();
    return SQLITE_OK;
  });
}

// xSavepoint: savepoint N opens (SAVEPOINT, or a statement that may need to be
// undone); remember the buffer state.
int kvcolumnSavepoint(sqlite3_vtab* vtab, int level) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    if (t->shared->dropped) return SQLITE_OK;  // its shadow tables are gone (xDestroy)
    if (t->shared->txn.savepoint(level, &t->joining)) t->column->savepoint(level);
    return SQLITE_OK;
  });
}

// xRelease: savepoints >= N are merged into their parent.
int kvcolumnRelease(sqlite3_vtab* vtab, int level) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    if (t->shared->dropped) return SQLITE_OK;  // its shadow tables are gone (xDestroy)
    t->shared->txn.release(level);
    t->column->release(level);
    return SQLITE_OK;
  });
}

// xRollbackTo: back to savepoint N (SQLite reverts any flushed chunks itself).
int kvcolumnRollbackTo(sqlite3_vtab* vtab, int level) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    if (t->shared->dropped) return SQLITE_OK;  // its shadow tables are gone (xDestroy)
    t->shared->txn.rollback_to(level);
    t->column->rollback_to(level);
    return SQLITE_OK;
  });
}

}  // namespace kvx::kvcolumn
