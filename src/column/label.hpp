// How every message names a kvcolumn table: "kvcolumn '<name>'". Built here
// only, by the engine (src/column) and the SQLite glue (ext/kvcolumn) alike,
// so that all errors about one table name it the same way.
#pragma once

#include <string>
#include <string_view>

namespace kv {

inline std::string column_label(std::string_view table) {
  std::string label = "kvcolumn '";
  label += table;
  label += '\'';
  return label;
}

}  // namespace kv
