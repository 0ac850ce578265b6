// The set-based column functions (SQL_INTERFACE.md §7): they compute where
// the chunks are, through the chunk-scan engine (src/column/scan.hpp) over
// this connection's live column (set_access.hpp).
//
//   kvcolumn_slice(table, start [, stop])          scalar
//     fixed-size dtypes: BLOB of the packed elements [start, stop) back to
//     back (kv_pack_agg's bytes; empty range: empty BLOB); variable-size
//     dtypes: a JSON array of the values as kv_unpack_many shows them.
//   kvcolumn_stats(table [, start [, stop]])       table-valued, one row
//     CREATE TABLE x(count INTEGER, sum, min, max, mean REAL, stddev REAL,
//                    tbl HIDDEN, range_start HIDDEN, range_stop HIDDEN)
//   kvcolumn_buckets(table, n [, start [, stop]])  table-valued, a row per non-empty bucket
//     CREATE TABLE x(bucket INTEGER, start INTEGER, stop INTEGER, count INTEGER,
//                    sum, min, max, mean REAL, first, last, argmin INTEGER,
//                    argmax INTEGER, tbl HIDDEN, n HIDDEN, range_start HIDDEN,
//                    range_stop HIDDEN)
//     Bucket b covers [start + floor(b*len/n), start + floor((b+1)*len/n)).
//     Rows are produced in batches of up to 4096 non-empty buckets, each
//     batch summarised in one scan, so memory stays bounded whatever n is.
//
// Flags: the functions read tables, so they are neither DETERMINISTIC nor
// INNOCUOUS (ext/common/registry.hpp's reasoning): with trusted_schema=OFF
// views and triggers cannot call them. The arguments of the two table-valued
// functions are hidden columns (common/hidden_args.hpp: xBestIndex takes their
// '=' constraints, idxNum bit k set = hidden column k is given).
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "codec/pack_batch.hpp"
#include "column/stats.hpp"
#include "common/error.hpp"
#include "common/firewall.hpp"
#include "common/hidden_args.hpp"
#include "common/registry.hpp"
#include "common/value_bridge.hpp"
#include "kvcolumn/set_access.hpp"
#include "common/vtab_cursor.hpp"

namespace kvx::kvcolumn {

namespace {

LiveTables& live_of(sqlite3_context* ctx) { return *static_cast<LiveTables*>(sqlite3_user_data(ctx)); }

std::uint64_t length_limit(sqlite3* db) {
  return static_cast<std::uint64_t>(sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1));
}

[[noreturn]] void too_big(const std::string& fn, const Table& t, std::uint64_t bytes, std::uint64_t limit) {
  kv::fail(kv::Errc::too_big, fn + ": the slice of " + kv::column_label(t.name) + " would be " +
                                  std::to_string(bytes) + " bytes, above SQLITE_LIMIT_LENGTH (" +
                                  std::to_string(limit) + "): ask for a shorter range");
}

// ---- kvcolumn_slice ----------------------------------------------------------

void kvcolumn_slice(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  guard_function(ctx, [&] {
    static const std::string fn = "kvcolumn_slice";
    sqlite3* db = sqlite3_context_db_handle(ctx);
    SetAccess access(db, live_of(ctx), fn, table_arg(argv[0], fn));
    const kv::SliceRange r =
        access.range(index_arg(argv[1], fn, "start"), argc > 2 ? index_arg(argv[2], fn, "stop") : std::nullopt);
    const Table& t = access.table();
    const std::uint64_t limit = length_limit(db);
    if (const std::uint64_t e = access.column().elem_size()) {
      const std::uint64_t bytes = r.size() * e;
      if (bytes > limit) too_big(fn, t, bytes, limit);
      char* out = static_cast<char*>(sqlite3_malloc64(bytes ? bytes : 1));
      if (!out) throw std::bad_alloc();
      try {
        char* at = out;
        kv::scan_runs(access.column(), r.start, r.stop, [&](std::string_view run, std::uint64_t, std::uint64_t) {
          std::memcpy(at, run.data(), run.size());
          at += run.size();
        });
      } catch (...) {
        sqlite3_free(out);
        throw;
      }
      sqlite3_result_blob64(ctx, out, bytes, sqlite3_free);
      return;
    }
    std::string json = "[";
    kv::scan_runs(access.column(), r.start, r.stop, [&](std::string_view elem, std::uint64_t i, std::uint64_t) {
      if (json.size() > 1) json += ',';
      kv::Value v;
      try {
        v = kv::unpack(t.options.dtype, elem);
      } catch (const kv::Error& e) {
        kv::fail(e.code(),
                 fn + ": " + kv::column_label(t.name) + " element " + std::to_string(i) + ": " + e.what());
      }
      kv::codec::batch::append_value_json(v, json);
      if (json.size() > limit) too_big(fn, t, json.size(), limit);
    });
    json += ']';
    set_json_result(ctx, json);
  });
}

// ---- shared result helpers -------------------------------------------------

void result_num(sqlite3_context* ctx, const kv::NumValue& v) {
  switch (v.kind) {
    case kv::NumValue::Kind::none: sqlite3_result_null(ctx); return;
    case kv::NumValue::Kind::integer: sqlite3_result_int64(ctx, v.i); return;
    case kv::NumValue::Kind::real: sqlite3_result_double(ctx, v.r); return;
    case kv::NumValue::Kind::big_unsigned: {
      const std::string digits = std::to_string(v.u);  // as kv_unpack('u64', ...) shows it
      sqlite3_result_text64(ctx, digits.data(), digits.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      return;
    }
  }
}

void result_sum(sqlite3_context* ctx, const kv::RangeSummary& s) {
  if (s.count == 0) return sqlite3_result_null(ctx);
  if (s.real_sum) return sqlite3_result_double(ctx, s.sum);  // NaN (inf - inf) is NULL
  sqlite3_result_int64(ctx, s.int_sum);
}

void result_real(sqlite3_context* ctx, const kv::RangeSummary& s, double v) {
  if (s.count == 0) return sqlite3_result_null(ctx);
  sqlite3_result_double(ctx, v);
}

// sum()'s error for a summary whose integer sum overflowed.
void check_overflow(const kv::RangeSummary& s, const Table& t, const std::string& fn, std::uint64_t start,
                    std::uint64_t stop) {
  if (s.overflow)
    kv::fail(kv::Errc::invalid_argument, fn + "('" + t.name + "'): integer overflow (the sum of [" +
                                             std::to_string(start) + ", " + std::to_string(stop) +
                                             ") leaves the INTEGER range, as sum() reports)");
}

// ---- table-valued functions ----------------------------------------------------

struct SetVtab : FunctionVtab {
  bool buckets = false;
};

struct SetCursor : sqlite3_vtab_cursor {
  std::unique_ptr<SetAccess> access;
  HiddenArgs<4> args;
  kv::SliceRange range;
  std::uint64_t n = 1;
  // current row
  bool eof = true;
  std::uint64_t row = 0, bucket = 0, bstart = 0, bstop = 0, next = 0;
  kv::RangeSummary summary;
  // buckets: the current batch (see fill_batch)
  std::vector<std::uint64_t> batch_buckets, batch_bounds;
  std::vector<kv::RangeSummary> batch;
  std::size_t batch_pos = 0;
};

// Columns: the visible ones, then the hidden arguments.
enum StatsCol { kSCount = 0, kSSum, kSMin, kSMax, kSMean, kSStddev, kSArgs };
enum BucketCol {
  kBBucket = 0, kBStart, kBStop, kBCount, kBSum, kBMin, kBMax, kBMean, kBFirst, kBLast, kBArgmin, kBArgmax, kBArgs
};

SetVtab* vtab_of(sqlite3_vtab* v) { return static_cast<SetVtab*>(v); }
SetCursor* cursor_of(sqlite3_vtab_cursor* c) { return static_cast<SetCursor*>(c); }
int first_arg(const SetVtab* v) { return v->buckets ? static_cast<int>(kBArgs) : static_cast<int>(kSArgs); }
int arg_count(const SetVtab* v) { return v->buckets ? 4 : 3; }
const char* name_of(const SetVtab* v) { return v->buckets ? "kvcolumn_buckets" : "kvcolumn_stats"; }

int setConnect(sqlite3* db, void* aux, int, const char* const* argv, sqlite3_vtab** out, char** err, bool buckets) {
  return guard_status(err, [&] {
    (void)argv;
    const char* decl =
        buckets ? "CREATE TABLE x(bucket INTEGER, start INTEGER, stop INTEGER, count INTEGER, sum, min, max, "
                  "mean REAL, first, last, argmin INTEGER, argmax INTEGER, tbl HIDDEN, n HIDDEN, "
                  "range_start HIDDEN, range_stop HIDDEN)"
                : "CREATE TABLE x(count INTEGER, sum, min, max, mean REAL, stddev REAL, tbl HIDDEN, "
                  "range_start HIDDEN, range_stop HIDDEN)";
    int rc = connect_function<SetVtab>(db, aux, decl, out);
    if (rc == SQLITE_OK) vtab_of(*out)->buckets = buckets;
    return rc;
  });
}
int statsConnect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** err) {
  return setConnect(db, aux, argc, argv, out, err, false);
}
int bucketsConnect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** err) {
  return setConnect(db, aux, argc, argv, out, err, true);
}

int setDisconnect(sqlite3_vtab* v) {
  delete vtab_of(v);
  return SQLITE_OK;
}

int setBestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  SetVtab* v = vtab_of(vtab);
  return guard_status(&vtab->zErrMsg, [&] {
    const int required = v->buckets ? 2 : 1;  // table (and n)
    const int rc = plan_hidden_args(
        info, first_arg(v), arg_count(v), required,
        std::string(name_of(v)) +
            (v->buckets ? " needs its table and n arguments: kvcolumn_buckets(table, n [, start [, stop]])"
                        : " needs its table argument: kvcolumn_stats(table [, start [, stop]])"));
    if (rc != SQLITE_OK) return rc;
    if (v->buckets && info->nOrderBy == 1 && info->aOrderBy[0].iColumn == kBBucket && !info->aOrderBy[0].desc)
      info->orderByConsumed = 1;
    info->estimatedCost = 1000;
    info->estimatedRows = v->buckets ? 100 : 1;
    return SQLITE_OK;
  });
}

// Buckets are summarised in batches of up to kBucketBatch consecutive
// non-empty buckets, one scan per batch (kv::summarize_each), so a chunk is
// read once per batch rather than once per bucket, and memory stays bounded
// whatever n is. The bucket holding relative position p is
// b = ceil((p+1)*n/len) - 1; it ends at floor((b+1)*len/n).
constexpr std::size_t kBucketBatch = 4096;

void fill_batch(SetCursor* c) {
  const std::uint64_t len = c->range.size();
  __extension__ typedef unsigned __int128 u128;
  c->batch_buckets.clear();
  c->batch_bounds.assign(1, c->range.start + c->next);
  while (c->next < len && c->batch_buckets.size() < kBucketBatch) {
    const u128 p = c->next, n = c->n, l = len;
    const u128 b = ((p + 1) * n + l - 1) / l - 1;
    const std::uint64_t end = static_cast<std::uint64_t>((b + 1) * l / n);
    c->batch_buckets.push_back(static_cast<std::uint64_t>(b));
    c->batch_bounds.push_back(c->range.start + end);
    c->next = end;
  }
  c->batch = kv::summarize_each(c->access->column(), c->access->table().options.dtype.num, c->batch_bounds);
  c->batch_pos = 0;
}

// Moves to the next non-empty bucket (or EOF).
void next_bucket(SetCursor* c, const std::string& fn) {
  if (c->batch_pos >= c->batch.size()) {
    if (c->next >= c->range.size()) {
      c->eof = true;
      return;
    }
    fill_batch(c);
  }
  const std::size_t k = c->batch_pos++;
  c->bucket = c->batch_buckets[k];
  c->bstart = c->batch_bounds[k];
  c->bstop = c->batch_bounds[k + 1];
  c->summary = c->batch[k];
  check_overflow(c->summary, c->access->table(), fn, c->bstart, c->bstop);
  c->eof = false;
}

int setFilter(sqlite3_vtab_cursor* cur, int plan, const char*, int argc, sqlite3_value** argv) {
  SetCursor* c = cursor_of(cur);
  SetVtab* v = vtab_of(cur->pVtab);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    const std::string fn = name_of(v);
    c->access.reset();
    c->eof = true;
    c->args.take(plan, argc, argv);
    const std::string table = table_arg(c->args.at(0), fn);
    int at = 1;
    if (v->buckets) {
      sqlite3_value* nv = c->args.at(at++);
      std::optional<std::int64_t> n = index_arg(nv, fn, "n");
      if (!n || *n < 1)
        kv::fail(kv::Errc::out_of_range, fn + ": n must be an INTEGER >= 1 (the number of buckets), got " +
                                             (n ? std::to_string(*n) : std::string("NULL")));
      c->n = static_cast<std::uint64_t>(*n);
    }
    const std::optional<std::int64_t> start = index_arg(c->args.at(at), fn, "start");
    const std::optional<std::int64_t> stop = index_arg(c->args.at(at + 1), fn, "stop");
    c->access = std::make_unique<SetAccess>(v->db, *v->live, fn, table);
    if (c->access) require_numeric(c->access->table(), fn);
    c->range = c->access->range(start, stop);
    c->row = 0;
    c->next = 0;
    c->batch.clear();
    c->batch_pos = 0;
    if (v->buckets) {
      next_bucket(c, fn);
    } else {
      c->summary = kv::summarize(c->access->column(), c->access->table().options.dtype.num, c->range.start,
                                 c->range.stop);
      check_overflow(c->summary, c->access->table(), fn, c->range.start, c->range.stop);
      c->eof = false;
    }
    return SQLITE_OK;
  });
}

int setNext(sqlite3_vtab_cursor* cur) {
  SetCursor* c = cursor_of(cur);
  SetVtab* v = vtab_of(cur->pVtab);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    ++c->row;
    if (!v->buckets) {
      c->eof = true;
      return SQLITE_OK;
    }
    const std::string fn = name_of(v);
    if (!c->access->still_live(*v->live))
      kv::fail(kv::Errc::invalid_argument, fn + ": the table was dropped or reconnected during the scan");
    c->access->column().settle();
    if (c->access->column().length() < c->range.stop)
      kv::fail(kv::Errc::invalid_argument, fn + ": " + kv::column_label(c->access->table().name) +
                                               " became shorter during the scan (a write between rows)");
    next_bucket(c, fn);
    return SQLITE_OK;
  });
}

int setEof(sqlite3_vtab_cursor* cur) { return cursor_of(cur)->eof ? 1 : 0; }

int setColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  SetCursor* c = cursor_of(cur);
  SetVtab* v = vtab_of(cur->pVtab);
  return guard_status(&cur->pVtab->zErrMsg, [&] {
    const kv::RangeSummary& s = c->summary;
    const int first = first_arg(v);
    if (col >= first) {
      c->args.result(ctx, col - first);
      return SQLITE_OK;
    }
    if (!v->buckets) {
      switch (col) {
        case kSCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.count)); break;
        case kSSum: result_sum(ctx, s); break;
        case kSMin: result_num(ctx, s.min); break;
        case kSMax: result_num(ctx, s.max); break;
        case kSMean: result_real(ctx, s, s.mean); break;
        case kSStddev: result_real(ctx, s, s.stddev); break;
        default: sqlite3_result_null(ctx);
      }
      return SQLITE_OK;
    }
    switch (col) {
      case kBBucket: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(c->bucket)); break;
      case kBStart: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(c->bstart)); break;
      case kBStop: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(c->bstop)); break;
      case kBCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.count)); break;
      case kBSum: result_sum(ctx, s); break;
      case kBMin: result_num(ctx, s.min); break;
      case kBMax: result_num(ctx, s.max); break;
      case kBMean: result_real(ctx, s, s.mean); break;
      case kBFirst: result_num(ctx, s.first); break;
      case kBLast: result_num(ctx, s.last); break;
      case kBArgmin:
        if (s.count) sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.argmin));
        break;
      case kBArgmax:
        if (s.count) sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.argmax));
        break;
      default: sqlite3_result_null(ctx);
    }
    return SQLITE_OK;
  });
}

int setRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = static_cast<sqlite3_int64>(cursor_of(cur)->row);
  return SQLITE_OK;
}

constexpr sqlite3_module module_with(decltype(sqlite3_module::xConnect) connect) {
  return table_function_module<SetCursor>(connect, setBestIndex, setDisconnect, setFilter, setNext, setEof,
                                          setColumn, setRowid);
}

const sqlite3_module kStatsModule = module_with(statsConnect);
const sqlite3_module kBucketsModule = module_with(bucketsConnect);

}  // namespace

int register_set_functions(sqlite3* db, LiveTables* live, char** err) {
  int flags = SQLITE_UTF8;  // reads tables: not DETERMINISTIC, not INNOCUOUS
  if (runtime_features().result_subtype_flag) flags |= SQLITE_RESULT_SUBTYPE;  // JSON for variable-size dtypes
  for (int nargs : {2, 3}) {
    int rc = sqlite3_create_function_v2(db, "kvcolumn_slice", nargs, flags, live, kvcolumn_slice, nullptr,
                                        nullptr, nullptr);
    if (rc != SQLITE_OK) {
      if (err) *err = sqlite3_mprintf("kohakuvault: cannot register kvcolumn_slice: %s", sqlite3_errstr(rc));
      return rc;
    }
  }
  int rc = register_module(db, "kvcolumn_stats", &kStatsModule, err, live);
  if (rc == SQLITE_OK) rc = register_module(db, "kvcolumn_buckets", &kBucketsModule, err, live);
  return rc;
}

}  // namespace kvx::kvcolumn
