// Streaming between files and kvault values, with memory bounded by a chunk
// size whatever the value's size (SQLite's incremental BLOB I/O).
//
//   kvault_import(table, key, path [, chunk_bytes])  -> bytes written (INTEGER)
//       Stores the file's bytes under key (replacing an existing value). The
//       row is written as zeroblob(size) and filled chunk by chunk with
//       sqlite3_blob_write inside SAVEPOINT kvault_import; if the file ends
//       early or grows, or any read/write fails, the savepoint is rolled back
//       and the previous value (or absence) of key is untouched.
//   kvault_export(table, key, path [, chunk_bytes])  -> bytes written, NULL if no key
//       Writes the value to a temporary file next to path, then renames it
//       over path, so a failed export never leaves a partial file at path.
//       Which paths are accepted (new or single-link regular files; never
//       symlinks, devices, FIFOs, directories or hard-linked files) and which
//       mode and owner the file gets: src/kvault/files.hpp.
//   kvault_read(table, key, offset [, length])        -> BLOB, NULL if no key
//       length bytes (default: to the end) of the value from byte offset
//       (0-based); a range past the end is cut at the end, an offset past the
//       end is SQLITE_RANGE. Reaching offset walks the value's overflow-page
//       chain (about offset / page_size pages): SQLite's layout, not a choice.
//
// table is "name" or "schema.name" and must be a kvault table; it is found as
// SQLite finds a table (temp, main, attached; common/resolve_table.hpp). chunk_bytes
// defaults to 1 MiB (1 .. 256 MiB). Import and export touch the file system:
// they are SQLITE_DIRECTONLY. Errors: a path that cannot be opened (missing,
// directory, permission, not a regular file, a refused export target) -> SQLITE_CANTOPEN naming the
// path; a file larger than sqlite3_limit(SQLITE_LIMIT_LENGTH) -> SQLITE_TOOBIG
// before anything is written; a read/write failure -> SQLITE_IOERR.
// kvault_import cannot run inside a statement that itself writes (SQLite
// refuses to release a savepoint then): call it from SELECT.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/blob.hpp"
#include "common/error.hpp"
#include "common/firewall.hpp"
#include "kvault/files.hpp"
#include "kvault/shadow.hpp"
#include "common/registry.hpp"

namespace kvx {

namespace {

constexpr std::int64_t kDefaultChunk = 1 << 20;
constexpr std::int64_t kMaxChunk = 256 << 20;

std::string text_arg(sqlite3_value* v, const char* what) {
  if (sqlite3_value_type(v) != SQLITE_TEXT)
    throw kv::Error(kv::Errc::type_mismatch, std::string(what) + " must be TEXT");
  return {reinterpret_cast<const char*>(sqlite3_value_text(v)),
          static_cast<std::size_t>(sqlite3_value_bytes(v))};
}

std::int64_t int_arg(sqlite3_value* v, const char* what, std::int64_t lo, std::int64_t hi) {
  if (sqlite3_value_type(v) != SQLITE_INTEGER)
    throw kv::Error(kv::Errc::type_mismatch, std::string(what) + " must be an INTEGER");
  const std::int64_t n = sqlite3_value_int64(v);
  if (n < lo || n > hi)
    throw kv::Error(kv::Errc::out_of_range, std::string(what) + " " + std::to_string(n) + " is outside " +
                                                std::to_string(lo) + ".." + std::to_string(hi));
  return n;
}

// id and byte length of key's row, or false when there is none.
bool find_row(sqlite3* db, const kvault::TableRef& ref, std::string_view key, sqlite3_int64& id,
              sqlite3_int64& size) {
  Statement q(db, "SELECT id, length(value) FROM " + shadow_name(ref.schema, ref.table, kvault::kDataSuffix) +
                     " WHERE key = ?1",
              "kvault: looking up a key in " + ref.table);
  sqlite3_bind_blob64(q.get(), 1, key.data(), key.size(), SQLITE_STATIC);
  const int rc = sqlite3_step(q.get());
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) throw_sqlite_error(db, rc, "kvault: looking up a key in " + ref.table);
  id = sqlite3_column_int64(q.get(), 0);
  size = sqlite3_column_int64(q.get(), 1);
  return true;
}

void open_blob(sqlite3* db, const kvault::TableRef& ref, sqlite3_int64 id, bool write, Blob& out) {
  const std::string data = ref.data_table();
  const int rc = sqlite3_blob_open(db, ref.schema.c_str(), data.c_str(), "value", id, write, out.out());
  if (rc != SQLITE_OK) throw_sqlite_error(db, rc, "kvault: opening a value of " + ref.table);
}

// True when a statement that writes is running on db (then a savepoint
// cannot be released).
bool writer_active(sqlite3* db) {
  for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s; s = sqlite3_next_stmt(db, s))
    if (sqlite3_stmt_busy(s) && !sqlite3_stmt_readonly(s)) return true;
  return false;
}

// Streams the open file into key's value; runs inside the savepoint.
std::int64_t import_into(sqlite3* db, const kvault::TableRef& ref, std::string_view key,
                         kv::files::ImportFile& file, std::int64_t chunk, const std::string& path) {
  const std::int64_t size = file.size();
  Statement put(db,
                "INSERT INTO " + shadow_name(ref.schema, ref.table, kvault::kDataSuffix) +
                    "(key, value) VALUES (?1, zeroblob(?2)) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value RETURNING id",
                "kvault_import: storing key in " + ref.table);
  sqlite3_bind_blob64(put.get(), 1, key.data(), key.size(), SQLITE_STATIC);
  sqlite3_bind_int64(put.get(), 2, size);
  int rc = sqlite3_step(put.get());
  if (rc != SQLITE_ROW) throw_sqlite_error(db, rc, "kvault_import: storing key in " + ref.table);
  const sqlite3_int64 id = sqlite3_column_int64(put.get(), 0);
  rc = sqlite3_step(put.get());
  if (rc != SQLITE_DONE) throw_sqlite_error(db, rc, "kvault_import: storing key in " + ref.table);
  put.finalize();

  Blob blob;
  if (size > 0) open_blob(db, ref, id, true, blob);
  std::vector<char> buf(static_cast<std::size_t>(std::min(size > 0 ? size : 1, chunk)));
  std::int64_t offset = 0;
  while (offset < size) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(chunk, size - offset));
    const std::size_t got = file.read(buf.data(), want);
    if (got < want)
      throw kv::Error(kv::Errc::io, "'" + path + "' ended after " + std::to_string(offset + got) +
                                        " of its " + std::to_string(size) +
                                        " bytes (it changed during the import)");
    rc = sqlite3_blob_write(blob.get(), buf.data(), static_cast<int>(got), static_cast<int>(offset));
    if (rc != SQLITE_OK) throw_sqlite_error(db, rc, "kvault_import: writing the value");
    offset += static_cast<std::int64_t>(got);
  }
  char extra;
  if (file.read(&extra, 1) != 0)
    throw kv::Error(kv::Errc::io, "'" + path + "' grew past its " + std::to_string(size) +
                                      " bytes during the import (it changed while being read)");
  if (rc = blob.close(); rc != SQLITE_OK) throw_sqlite_error(db, rc, "kvault_import: writing the value");
  return size;
}

// kvault_import(table, key, path [, chunk_bytes])
void kvault_import(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    sqlite3* db = sqlite3_context_db_handle(ctx);
    const kvault::TableRef ref = kvault::resolve(db, text_arg(argv[0], "kvault_import: table"), "kvault_import");
    const std::string key(kvault::key_bytes(argv[1], "kvault_import: key"));
    const std::string path = text_arg(argv[2], "kvault_import: path");
    const std::int64_t chunk =
        argc > 3 ? int_arg(argv[3], "kvault_import: chunk_bytes", 1, kMaxChunk) : kDefaultChunk;

    kv::files::ImportFile file(path);  // regular files only (src/kvault/files.hpp)
    const std::int64_t size = file.size();
    const std::int64_t max = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);
    if (size > max)
      throw kv::Error(kv::Errc::too_big, "'" + path + "' has " + std::to_string(size) +
                                             " bytes, more than SQLite's blob limit of " +
                                             std::to_string(max));
    if (writer_active(db))
      throw kv::Error(kv::Errc::invalid_argument,
                      "kvault_import must be called from a statement that does not write (e.g. SELECT "
                      "kvault_import(...)), because it commits through a savepoint");

    exec(db, "SAVEPOINT kvault_import", "kvault_import: SAVEPOINT kvault_import");
    std::int64_t written = 0;
    try {
      written = import_into(db, ref, key, file, chunk, path);
    } catch (...) {
      sqlite3_exec(db, "ROLLBACK TO kvault_import; RELEASE kvault_import", nullptr, nullptr, nullptr);
      throw;
    }
    exec(db, "RELEASE kvault_import", "kvault_import: RELEASE kvault_import");
    sqlite3_result_int64(ctx, written);
  });
}

// kvault_export(table, key, path [, chunk_bytes])
void kvault_export(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    sqlite3* db = sqlite3_context_db_handle(ctx);
    const kvault::TableRef ref = kvault::resolve(db, text_arg(argv[0], "kvault_export: table"), "kvault_export");
    const std::string_view key = kvault::key_bytes(argv[1], "kvault_export: key");
    const std::string path = text_arg(argv[2], "kvault_export: path");
    const std::int64_t chunk =
        argc > 3 ? int_arg(argv[3], "kvault_export: chunk_bytes", 1, kMaxChunk) : kDefaultChunk;
    sqlite3_int64 id = 0, size = 0;
    if (!find_row(db, ref, key, id, size)) return;  // NULL: no such key

    kv::files::ExportFile out(path);  // what the path may be: src/kvault/files.hpp
    Blob blob;
    if (size > 0) open_blob(db, ref, id, false, blob);
    std::vector<char> buf(static_cast<std::size_t>(std::min<std::int64_t>(size > 0 ? size : 1, chunk)));
    for (std::int64_t offset = 0; offset < size;) {
      const int n = static_cast<int>(std::min<std::int64_t>(chunk, size - offset));
      if (int rc = sqlite3_blob_read(blob.get(), buf.data(), n, static_cast<int>(offset)); rc != SQLITE_OK)
        throw_sqlite_error(db, rc, "kvault_export: reading the value");
      out.write(buf.data(), static_cast<std::size_t>(n));
      offset += n;
    }
    out.commit();
    sqlite3_result_int64(ctx, size);
  });
}

// kvault_read(table, key, offset [, length])
void kvault_read(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    sqlite3* db = sqlite3_context_db_handle(ctx);
    const kvault::TableRef ref = kvault::resolve(db, text_arg(argv[0], "kvault_read: table"), "kvault_read");
    const std::string_view key = kvault::key_bytes(argv[1], "kvault_read: key");
    const std::int64_t offset = int_arg(argv[2], "kvault_read: offset", 0, INT64_MAX);
    const std::int64_t length = argc > 3 ? int_arg(argv[3], "kvault_read: length", 0, INT64_MAX) : INT64_MAX;
    sqlite3_int64 id = 0, size = 0;
    if (!find_row(db, ref, key, id, size)) return;
    if (offset > size)
      throw kv::Error(kv::Errc::out_of_range, "kvault_read: offset " + std::to_string(offset) +
                                                  " is past the end of the " + std::to_string(size) +
                                                  "-byte value");
    const std::int64_t n = std::min<std::int64_t>(length, size - offset);
    if (n == 0) {
      sqlite3_result_zeroblob(ctx, 0);
      return;
    }
    void* buf = sqlite3_malloc64(static_cast<sqlite3_uint64>(n));
    if (!buf) throw std::bad_alloc();
    std::unique_ptr<void, void (*)(void*)> hold(buf, sqlite3_free);
    Blob blob;
    open_blob(db, ref, id, false, blob);
    if (int rc = sqlite3_blob_read(blob.get(), buf, static_cast<int>(n), static_cast<int>(offset));
        rc != SQLITE_OK)
      throw_sqlite_error(db, rc, "kvault_read: reading the value");
    sqlite3_result_blob64(ctx, hold.release(), static_cast<sqlite3_uint64>(n), sqlite3_free);
  });
}

// File-system functions are direct-only; kvault_read only reads the database
// but is not deterministic (the stored value changes), so it is plain UTF8.
constexpr FunctionSpec kStreamFunctions[] = {
    {"kvault_import", 3, kDirectOnly, false, kvault_import, nullptr},
    {"kvault_import", 4, kDirectOnly, false, kvault_import, nullptr},
    {"kvault_export", 3, kDirectOnly, false, kvault_export, nullptr},
    {"kvault_export", 4, kDirectOnly, false, kvault_export, nullptr},
    {"kvault_read", 3, SQLITE_UTF8, false, kvault_read, nullptr},
    {"kvault_read", 4, SQLITE_UTF8, false, kvault_read, nullptr},
};

}  // namespace

int register_kvault_stream_functions(sqlite3* db, char** err) {
  return register_functions(db, kStreamFunctions, err);
}

}  // namespace kvx
