// kvcolumn writes: xUpdate (append, insert-at, update, delete, the 'append'
// command) and the transaction methods that drive the write-back buffer.
#include <bit>
#include <cmath>
#include <limits>

#include "codec.hpp"
#include "codec_structured.hpp"
#include "error.hpp"
#include "firewall.hpp"
#include "json_text.hpp"
#include "kvcolumn.hpp"
#include "value_bridge.hpp"

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
             "kvcolumn '" + t->name + "': idx must be an INTEGER, got " +
                 (text ? "'" + std::string(reinterpret_cast<const char*>(text)) + "'" : std::string("NULL")));
  }
  if (i < 0 || static_cast<std::uint64_t>(i) > length)
    kv::fail(kv::Errc::out_of_range, "kvcolumn '" + t->name + "': insert at idx " + std::to_string(i) +
                                         " is out of range: expected 0.." + std::to_string(length) +
                                         " (the length appends)");
  return static_cast<std::uint64_t>(i);
}

// The JSON text a column's JSON Schema sees for a value (as kv_pack does):
// TEXT is the JSON document itself, numbers and NULL their JSON form.
std::string value_as_json(const kv::ValueView& v) {
  std::string j;
  switch (v.kind) {
    case kv::Kind::null: return "null";
    case kv::Kind::integer: kv::json::append_int(j, v.i); return j;
    case kv::Kind::real: kv::json::append_double(j, v.r); return j;
    case kv::Kind::text:
    case kv::Kind::json: return std::string(v.bytes);
    case kv::Kind::blob: break;
  }
  kv::fail(kv::Errc::type_mismatch, "a BLOB cannot be validated against a JSON Schema");
}

const std::string& pack_value(Table* t, sqlite3_value* v) {
  t->scratch.clear();
  if (!t->options.schema.empty()) {
    try {
      kv::schema::require_valid(t->options.schema, value_as_json(to_view(v)));
    } catch (const kv::Error& e) {
      throw kv::Error(e.code(), "kvcolumn '" + t->name + "': " + e.what());
    }
  }
  if (std::endian::native == std::endian::little && t->options.dtype.family == kv::Family::floating &&
      t->options.dtype.num == kv::Num::f64 &&
      sqlite3_value_type(v) == SQLITE_FLOAT) {  // the common case, without the generic dispatch
    double d = sqlite3_value_double(v);
    t->scratch.append(reinterpret_cast<const char*>(&d), sizeof d);
    return t->scratch;
  }
  try {
    kv::pack(t->options.dtype, to_view(v), t->scratch);
  } catch (const kv::Error& e) {
    throw kv::Error(e.code(), "kvcolumn '" + t->name + "': " + e.what());
  }
  return t->scratch;
}

void run_command(Table* t, sqlite3_value* command, sqlite3_value* value) {
  const unsigned char* c = sqlite3_value_text(command);
  std::string cmd = c ? reinterpret_cast<const char*>(c) : "";
  if (cmd == "append") {
    if (t->var)
      kv::fail(kv::Errc::invalid_argument,
               "kvcolumn '" + t->name + "': the 'append' command takes fixed-size columns; dtype '" +
                   t->options.dtype.name() + "' has variable-size elements: INSERT them row by row");
    if (sqlite3_value_type(value) != SQLITE_BLOB)
      kv::fail(kv::Errc::type_mismatch,
               "kvcolumn '" + t->name +
                   "': the 'append' command needs a BLOB of packed elements in value "
                   "(e.g. kv_pack_many('" +
                   t->options.dtype.name() + "', '[...]'))");
    const void* b = sqlite3_value_blob(value);
    std::size_t n = static_cast<std::size_t>(sqlite3_value_bytes(value));
    t->column->append_packed(std::string_view(static_cast<const char*>(b), n));
    return;
  }
  if (cmd == "compact") {
    if (!t->var)
      kv::fail(kv::Errc::invalid_argument, "kvcolumn '" + t->name +
                                               "': 'compact' applies to variable-size columns; dtype '" +
                                               t->options.dtype.name() + "' has no dead bytes");
    t->var->compact();
    return;
  }
  kv::fail(kv::Errc::invalid_argument,
           "kvcolumn '" + t->name + "': unknown command '" + cmd + "': expected 'append' or 'compact'");
}

}  // namespace

// xUpdate. argc == 1: DELETE of rowid argv[0] (SQLite passes the rowids of a
// multi-row DELETE in the original numbering, so deletes are recorded and
// compacted later). argv[0] NULL: INSERT (argv[1] rowid, argv[2] idx,
// argv[3] value, argv[4] command). Otherwise UPDATE of rowid argv[0].
int kvcolumnUpdate(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    t->revalidate();
    kv::Column& col = *t->column;
    if (argc == 1) {
      col.mark_deleted(static_cast<std::uint64_t>(sqlite3_value_int64(argv[0])));
      return SQLITE_OK;
    }
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
      if (sqlite3_value_type(argv[2 + kCommand]) != SQLITE_NULL) {
        run_command(t, argv[2 + kCommand], argv[2 + kValue]);
        *rowid = static_cast<sqlite3_int64>(col.length()) - 1;
        return SQLITE_OK;
      }
      const std::string& packed = pack_value(t, argv[2 + kValue]);
      if (sqlite3_value_type(argv[2 + kIdx]) == SQLITE_NULL && sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        col.append_packed(packed);
        *rowid = static_cast<sqlite3_int64>(col.length()) - 1;
        return SQLITE_OK;
      }
      col.settle();
      const std::uint64_t length = col.length();
      sqlite3_value* given = sqlite3_value_type(argv[2 + kIdx]) != SQLITE_NULL ? argv[2 + kIdx]
                             : sqlite3_value_type(argv[1]) != SQLITE_NULL      ? argv[1]
                                                                               : nullptr;
      std::uint64_t at = given ? idx_arg(t, given, length) : length;
      col.insert(at, packed);
      *rowid = static_cast<sqlite3_int64>(at);
      return SQLITE_OK;
    }
    const sqlite3_int64 old = sqlite3_value_int64(argv[0]);
    bool same_rowid = sqlite3_value_type(argv[1]) == SQLITE_INTEGER && sqlite3_value_int64(argv[1]) == old;
    bool same_idx =
        sqlite3_value_type(argv[2 + kIdx]) == SQLITE_INTEGER && sqlite3_value_int64(argv[2 + kIdx]) == old;
    if (!same_rowid || !same_idx)
      kv::fail(kv::Errc::constraint,
               "kvcolumn '" + t->name + "': idx " + std::to_string(old) +
                   " cannot be changed: idx is the position (use DELETE and INSERT to move)");
    if (sqlite3_value_type(argv[2 + kCommand]) != SQLITE_NULL)
      kv::fail(kv::Errc::invalid_argument, "kvcolumn '" + t->name + "': commands are INSERTs, not UPDATEs");
    const std::string& packed = pack_value(t, argv[2 + kValue]);
    col.update(static_cast<std::uint64_t>(old), packed);
    return SQLITE_OK;
  });
}

// xBegin: the table joins a write transaction; its cache is revalidated once.
int kvcolumnBegin(sqlite3_vtab* vtab) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    t->in_write_txn = false;
    t->revalidate();
    t->column->begin_transaction();
    t->in_write_txn = true;
    return SQLITE_OK;
  });
}

// xSync: phase one of commit; the buffer goes to the shadow tables, inside the
// transaction being committed, so an error here aborts the commit.
int kvcolumnSync(sqlite3_vtab* vtab) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    t->column->flush();
    return SQLITE_OK;
  });
}

// xCommit: the transaction is durable. The pager's data version now includes
// our own commit (another connection's later commit changes it again).
int kvcolumnCommit(sqlite3_vtab* vtab) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    t->column->end_transaction();
    t->in_write_txn = false;
    t->remember_version();
    return SQLITE_OK;
  });
}

// xRollback: SQLite rolled the shadow tables back; drop the buffer and caches.
int kvcolumnRollback(sqlite3_vtab* vtab) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    t->column->discard();
    t->in_write_txn = false;
    t->version_known = false;
    return SQLITE_OK;
  });
}

// xSavepoint: savepoint N opens (SAVEPOINT, or a statement that may need to be
// undone); remember the buffer state.
int kvcolumnSavepoint(sqlite3_vtab* vtab, int level) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    t->column->savepoint(level);
    return SQLITE_OK;
  });
}

// xRelease: savepoints >= N are merged into their parent.
int kvcolumnRelease(sqlite3_vtab* vtab, int level) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    t->column->release(level);
    return SQLITE_OK;
  });
}

// xRollbackTo: back to savepoint N (SQLite reverts any flushed chunks itself).
int kvcolumnRollbackTo(sqlite3_vtab* vtab, int level) {
  Table* t = static_cast<Table*>(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    t->column->rollback_to(level);
    return SQLITE_OK;
  });
}

}  // namespace kvx::kvcolumn
