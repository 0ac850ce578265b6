// KohakuVault's column catalog (its col_meta table), read-only.
//
// Upstream (KohakuVault 0.6+, Python + Rust) keeps one col_meta row per column:
//   col_meta(col_id, name, dtype, elem_size, length, chunk_bytes,
//            min_chunk_bytes, max_chunk_bytes)
// A variable-size column NAME is two rows: NAME_data (elem_size 1, dtype = the
// user dtype, length left at 0) and NAME_idx (elem_size 12, dtype
// 'adaptive_idx', length = the element count). Every other row is a fixed
// column of its own. This file turns the rows into logical columns: the
// listing kohakuvault_columns shows, and the lookup kohakuvault_column does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kv::kvfiles {

// The dtype upstream gives a variable-size column's index half.
inline constexpr std::string_view kIndexDtype = "adaptive_idx";
// Bytes per index triple: i32 chunk_idx, i32 start, i32 end (little-endian).
inline constexpr std::int64_t kTripleBytes = 12;

// One col_meta row, as stored (nothing validated yet).
struct MetaRow {
  std::int64_t col_id = 0;
  std::string name;
  std::string dtype;
  std::int64_t elem_size = 0;
  std::int64_t length = 0;
  std::int64_t max_chunk_bytes = 0;
  // Non-empty when the row cannot describe a column (a field of the wrong
  // type): reading the column is then corrupt, other columns still read.
  std::string problem;
};

enum class Kind { fixed, var };

// A logical column: a fixed column (main = its row) or a variable-size one
// (main = NAME_idx, data = NAME_data).
struct LogicalColumn {
  std::string name;
  Kind kind = Kind::fixed;
  MetaRow main;
  MetaRow data;  // var only
  const std::string& dtype() const { return kind == Kind::var ? data.dtype : main.dtype; }
  std::int64_t length() const { return main.length; }
};

// Every logical column, in col_id order of its first row: pairs NAME_data +
// NAME_idx (dtype adaptive_idx) become one var column NAME; the rest are fixed.
std::vector<LogicalColumn> list_columns(const std::vector<MetaRow>& rows);

// The column called `name`: a var pair NAME_data/NAME_idx, or any single row
// named exactly `name` (also a pair's half, read as a fixed column). nullopt
// when neither exists; throws invalid_argument when both do (ambiguous).
std::optional<LogicalColumn> find_column(const std::vector<MetaRow>& rows, std::string_view name);

}  // namespace kv::kvfiles
