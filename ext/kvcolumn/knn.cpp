// kvcolumn_knn (SQL_INTERFACE.md §8): exact k-nearest-neighbour search over
// a `vec:E:D` kvcolumn, an eponymous table-valued function:
//
//   CREATE TABLE x(idx INTEGER, distance REAL, query INTEGER, tbl HIDDEN,
//                  vectors HIDDEN, k HIDDEN, metric HIDDEN, range_start HIDDEN,
//                  range_stop HIDDEN)
//   kvcolumn_knn(table, query, k [, metric [, start [, stop]]])
//
// The table is found and pinned as the set-based functions do (SetAccess:
// this connection's live column, one read snapshot, pending deletes
// settled); the search itself is kv::vector::knn_search (src/vector/), which
// reads the range once through the chunk-scan engine for all the queries.
// The whole result (at most kMaxResults rows) is computed in xFilter, rows
// ordered by query, distance (NaN, shown as NULL, last), idx.
//
// The query argument: TEXT is JSON, either D numbers (one query) or an array
// of Q arrays of D numbers (Q queries), each number checked as the column's
// element type E checks it. A BLOB holds whole vectors back to back: packed
// kv_pack('vec:E:D', ...) values (type byte + elements) when its size is a
// multiple of 1 + D * size(E) and every vector starts with E's type byte,
// otherwise raw (D little-endian E elements each, size a multiple of
// D * size(E)).
//
// The arguments are hidden columns (common/hidden_args.hpp: xBestIndex takes
// their '=' constraints, idxNum bit k set = hidden column k is given).
#include "vector/knn.hpp"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "common/error.hpp"
#include "common/firewall.hpp"
#include "common/hidden_args.hpp"
#include "common/registry.hpp"
#include "common/value_bridge.hpp"
#include "kvcolumn/set_access.hpp"
#include "common/vtab_cursor.hpp"

namespace kvx::kvcolumn {

namespace {

const std::string kFn = "kvcolumn_knn";

enum Col { kIdx = 0, kDistance, kQuery, kArgs };
constexpr int kArgCount = 6;  // tbl, vectors, k, metric, range_start, range_stop
constexpr int kRequired = 3;

// The column's vector shape, or an error: the dtype must be vec:E:D.
std::size_t vector_dim(const Table& t) {
  const kv::DType& dt = t.options.dtype;
  if (dt.family != kv::Family::vec || dt.dims.size() != 1)
    kv::fail(kv::Errc::invalid_argument, kFn + ": " + kv::column_label(t.name) + " has dtype '" + dt.name() +
                                             "': expected a one-dimensional fixed-shape vector dtype vec:E:D "
                                             "(e.g. vec:f32:768)");
  return dt.dims[0];
}

std::string hex_byte(unsigned char b) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("0x") + kHex[b >> 4] + kHex[b & 15];
}

// The query vectors as count * D elements of E, 8-byte aligned.
struct Queries {
  std::vector<std::uint64_t> storage;
  std::size_t count = 0;
};

void take_elements(Queries& out, std::string_view bytes, std::size_t count) {
  out.storage.assign(bytes.size() / 8 + 1, 0);
  std::memcpy(out.storage.data(), bytes.data(), bytes.size());
  out.count = count;
}

Queries parse_queries(const Table& t, sqlite3_value* v) {
  const kv::DType& dt = t.options.dtype;
  const std::size_t d = dt.dims[0], esize = kv::num_size(dt.num), raw = d * esize;
  const std::string shape = dt.name();
  Queries q;
  if (sqlite3_value_type(v) == SQLITE_BLOB) {
    const auto* p = static_cast<const char*>(sqlite3_value_blob(v));
    const std::size_t n = static_cast<std::size_t>(sqlite3_value_bytes(v));
    std::string_view bytes(p ? p : "", n);
    const unsigned char want = kv::vec_type_byte(dt.num);
    const bool fits_packed = n > 0 && n % (raw + 1) == 0;
    std::size_t mismatch = SIZE_MAX;  // the first packed vector whose type byte is wrong
    for (std::size_t at = 0, i = 0; fits_packed && at < n && mismatch == SIZE_MAX; at += raw + 1, ++i)
      if (static_cast<unsigned char>(bytes[at]) != want) mismatch = i;
    if (fits_packed && mismatch == SIZE_MAX) {  // packed kv_pack('vec:E:D', ...) values
      std::string elements;
      elements.reserve(n);
      for (std::size_t at = 0; at < n; at += raw + 1) elements.append(bytes.substr(at + 1, raw));
      take_elements(q, elements, n / (raw + 1));
      return q;
    }
    if (n > 0 && n % raw == 0) {  // raw elements
      take_elements(q, bytes, n / raw);
      return q;
    }
    if (fits_packed) {
      const auto got = static_cast<unsigned char>(bytes[mismatch * (raw + 1)]);
      kv::Num other;
      const std::string what =
          kv::num_from_vec_type_byte(got, other) ? std::string(" (") + kv::num_name(other) + ")" : "";
      kv::fail(kv::Errc::invalid_argument, kFn + ": packed query vector " + std::to_string(mismatch) +
                                               " has element type byte " + hex_byte(got) + what +
                                               ": expected " + hex_byte(want) + " (" + kv::num_name(dt.num) +
                                               ") for " + kv::column_label(t.name) + " of " + shape);
    }
    kv::fail(kv::Errc::invalid_argument,
             kFn + ": a BLOB query of " + std::to_string(n) + " bytes is not a whole number of " + shape +
                 " vectors: expected a multiple of " + std::to_string(raw) + " bytes (raw " +
                 kv::num_name(dt.num) + " elements) or of " + std::to_string(raw + 1) + " bytes (kv_pack('" +
                 shape + "', ...))");
  }
  if (sqlite3_value_type(v) != SQLITE_TEXT)
    kv::fail(kv::Errc::type_mismatch,
             kFn + ": the query must be a JSON array of " + std::to_string(d) +
                 " numbers, a JSON array of such arrays, or a BLOB of whole vectors (" + shape + "), got " +
                 shown(v));
  kv::DType any;
  any.family = kv::Family::vec;
  any.num = dt.num;  // no dims: any shape, so one parse gives the nesting
  std::string packed;
  try {
    kv::pack(any, to_view(v), packed);
  } catch (const kv::Error& e) {
    kv::fail(e.code(), kFn + ": query for " + kv::column_label(t.name) + " (" + shape + "): " + e.what());
  }
  // packed = type byte | ndim | ndim x u32 dims | elements
  const std::size_t ndim = static_cast<unsigned char>(packed[1]);
  std::vector<std::uint32_t> dims(ndim);
  for (std::size_t k = 0; k < ndim; ++k)
    std::memcpy(&dims[k], packed.data() + 2 + 4 * k, 4);  // little-endian host
  std::string_view elements = std::string_view(packed).substr(2 + 4 * ndim);
  if (ndim == 1 && dims[0] == d) {
    take_elements(q, elements, 1);
    return q;
  }
  if (ndim == 2 && dims[1] == d && dims[0] >= 1) {
    take_elements(q, elements, dims[0]);
    return q;
  }
  std::string got = "[";
  for (std::size_t k = 0; k < ndim; ++k) got += (k ? "," : "") + std::to_string(dims[k]);
  got += "]";
  kv::fail(kv::Errc::invalid_argument, kFn + ": the query has shape " + got + ": expected " +
                                           std::to_string(d) + " numbers (" + kv::column_label(t.name) +
                                           " is " + shape + ") or a non-empty array of query vectors of " +
                                           std::to_string(d) + " numbers each");
}

kv::vector::Metric parse_metric_arg(sqlite3_value* v) {
  kv::vector::Metric m = kv::vector::Metric::l2;
  if (!v || sqlite3_value_type(v) == SQLITE_NULL) return m;
  if (sqlite3_value_type(v) == SQLITE_TEXT) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_value_text(v));
    if (t &&
        kv::vector::parse_metric(std::string_view(t, static_cast<std::size_t>(sqlite3_value_bytes(v))), m))
      return m;
  }
  kv::fail(kv::Errc::invalid_argument,
           kFn + ": metric must be 'l2', 'cosine', 'l1' or 'dot' (NULL = 'l2'), got " + shown(v));
}

std::uint64_t parse_k(sqlite3_value* v) {
  std::optional<std::int64_t> k;
  if (sqlite3_value_type(v) == SQLITE_INTEGER || sqlite3_value_type(v) == SQLITE_FLOAT)
    k = index_arg(v, kFn, "k");
  if (!k || *k < 1)
    kv::fail(sqlite3_value_type(v) == SQLITE_INTEGER || sqlite3_value_type(v) == SQLITE_FLOAT
                 ? kv::Errc::out_of_range
                 : kv::Errc::type_mismatch,
             kFn + ": k must be an INTEGER >= 1 (the number of neighbours per query), got " +
                 (k ? std::to_string(*k) : shown(v)));
  return static_cast<std::uint64_t>(*k);
}

struct KnnCursor : sqlite3_vtab_cursor {
  HiddenArgs<kArgCount> args;
  std::vector<std::vector<kv::vector::Neighbor>> results;
  std::size_t query = 0, pos = 0;
  std::int64_t row = 0;
  bool eof() const { return query >= results.size(); }
  void skip_empty() {
    while (query < results.size() && pos >= results[query].size()) ++query, pos = 0;
  }
};

KnnCursor* cursor_of(sqlite3_vtab_cursor* c) { return static_cast<KnnCursor*>(c); }

int knnConnect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char** err) {
  return guard_status(err, [&] {
    return connect_function<FunctionVtab>(
        db, aux,
        "CREATE TABLE x(idx INTEGER, distance REAL, query INTEGER, tbl HIDDEN, "
        "vectors HIDDEN, k HIDDEN, metric HIDDEN, range_start HIDDEN, range_stop HIDDEN)",
        out);
  });
}

int knnDisconnect(sqlite3_vtab* v) {
  delete static_cast<FunctionVtab*>(v);
  return SQLITE_OK;
}

int knnBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  return guard_status(&vtab->zErrMsg, [&] {
    const int rc = plan_hidden_args(info, kArgs, kArgCount, kRequired,
                                    kFn +
                                        " needs its table, query and k arguments: kvcolumn_knn(table, query, "
                                        "k [, metric [, start [, stop]]])");
    if (rc != SQLITE_OK) return rc;
    // Rows come ordered by (query, distance, idx): any prefix of that order is free.
    static const int kOrder[3] = {kQuery, kDistance, kIdx};
    bool consumed = info->nOrderBy <= 3;
    for (int i = 0; i < info->nOrderBy && consumed; ++i)
      consumed = info->aOrderBy[i].iColumn == kOrder[i] && !info->aOrderBy[i].desc;
    if (info->nOrderBy > 0 && consumed) info->orderByConsumed = 1;
    info->estimatedCost = 1000;
    info->estimatedRows = 10;
    return SQLITE_OK;
  });
}

int knnFilter(sqlite3_vtab_cursor* cur, int plan, const char*, int argc, sqlite3_value** argv) {
  KnnCursor* c = cursor_of(cur);
  FunctionVtab* v = static_cast<FunctionVtab*>(cur->pVtab);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    c->results.clear();
    c->query = c->pos = 0;
    c->row = 0;
    c->args.take(plan, argc, argv);
    const std::string table = table_arg(c->args.at(0), kFn);
    const std::uint64_t k = parse_k(c->args.at(2));
    const kv::vector::Metric metric = parse_metric_arg(c->args.at(3));
    const std::optional<std::int64_t> start = index_arg(c->args.at(4), kFn, "start");
    const std::optional<std::int64_t> stop = index_arg(c->args.at(5), kFn, "stop");
    SetAccess access(v->db, *v->live, kFn, table);
    const Table& t = access.table();
    const std::size_t d = vector_dim(t);
    Queries q = parse_queries(t, c->args.at(1));
    kv::vector::QuerySet qs;
    qs.num = t.options.dtype.num;
    qs.metric = metric;
    qs.dim = d;
    qs.elements = q.storage.data();
    qs.count = q.count;
    const kv::SliceRange r = access.range(start, stop);
    try {
      c->results = kv::vector::knn_search(access.column(), qs, k, r.start, r.stop);
    } catch (const kv::Error& e) {
      if (e.code() != kv::Errc::too_big) throw;
      kv::fail(e.code(), kFn + "('" + t.name + "'): " + e.what());
    }
    c->skip_empty();
    return SQLITE_OK;
  });
}

int knnNext(sqlite3_vtab_cursor* cur) {
  KnnCursor* c = cursor_of(cur);
  ++c->pos;
  ++c->row;
  c->skip_empty();
  return SQLITE_OK;
}

int knnEof(sqlite3_vtab_cursor* cur) { return cursor_of(cur)->eof() ? 1 : 0; }

int knnColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  KnnCursor* c = cursor_of(cur);
  if (col >= kArgs) {
    c->args.result(ctx, col - kArgs);
    return SQLITE_OK;
  }
  const kv::vector::Neighbor& n = c->results[c->query][c->pos];
  switch (col) {
    case kIdx: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(n.idx)); break;
    case kDistance: sqlite3_result_double(ctx, n.distance); break;  // NaN reads as NULL
    case kQuery: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(c->query)); break;
    default: sqlite3_result_null(ctx);
  }
  return SQLITE_OK;
}

int knnRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = cursor_of(cur)->row;
  return SQLITE_OK;
}

const sqlite3_module kKnnModule = table_function_module<KnnCursor>(
    knnConnect, knnBestIndex, knnDisconnect, knnFilter, knnNext, knnEof, knnColumn, knnRowid);

}  // namespace

int register_knn(sqlite3* db, LiveTables* live, char** err) {
  return register_module(db, "kvcolumn_knn", &kKnnModule, err, live);
}

}  // namespace kvx::kvcolumn
