// Logical columns from col_meta rows (see catalog.hpp).
#include "kvfiles/catalog.hpp"

#include <algorithm>
#include <map>

#include "common/error.hpp"

namespace kv::kvfiles {

namespace {

constexpr std::string_view kDataSuffix = "_data";
constexpr std::string_view kIdxSuffix = "_idx";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const MetaRow* row_named(const std::vector<MetaRow>& rows, std::string_view name) {
  for (const MetaRow& r : rows)
    if (r.name == name) return &r;
  return nullptr;
}

// The var column whose NAME_idx row is `idx`, when its NAME_data row exists.
std::optional<LogicalColumn> pair_of_idx(const std::vector<MetaRow>& rows, const MetaRow& idx) {
  if (idx.dtype != kIndexDtype || !ends_with(idx.name, kIdxSuffix)) return std::nullopt;
  std::string base = idx.name.substr(0, idx.name.size() - kIdxSuffix.size());
  const MetaRow* data = row_named(rows, base + std::string(kDataSuffix));
  if (!data) return std::nullopt;
  return LogicalColumn{base, Kind::var, idx, *data};
}

}  // namespace

std::vector<LogicalColumn> list_columns(const std::vector<MetaRow>& rows) {
  std::vector<const MetaRow*> sorted;
  for (const MetaRow& r : rows) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(), [](const MetaRow* a, const MetaRow* b) { return a->col_id < b->col_id; });
  // Rows that are the halves of a pair, and the pair listed at its first half.
  std::map<std::int64_t, LogicalColumn> pair_at;  // col_id of the earlier half -> column
  std::vector<std::int64_t> halves;
  for (const MetaRow* r : sorted) {
    if (auto pair = pair_of_idx(rows, *r)) {
      halves.push_back(pair->main.col_id);
      halves.push_back(pair->data.col_id);
      pair_at.emplace(std::min(pair->main.col_id, pair->data.col_id), std::move(*pair));
    }
  }
  std::vector<LogicalColumn> out;
  for (const MetaRow* r : sorted) {
    if (auto it = pair_at.find(r->col_id); it != pair_at.end()) {
      out.push_back(it->second);
      continue;
    }
    if (std::find(halves.begin(), halves.end(), r->col_id) != halves.end()) continue;
    out.push_back(LogicalColumn{r->name, Kind::fixed, *r, {}});
  }
  return out;
}

std::optional<LogicalColumn> find_column(const std::vector<MetaRow>& rows, std::string_view name) {
  std::optional<LogicalColumn> pair;
  if (const MetaRow* idx = row_named(rows, std::string(name) + std::string(kIdxSuffix)))
    pair = pair_of_idx(rows, *idx);
  const MetaRow* exact = row_named(rows, name);
  if (pair && exact)
    fail(Errc::invalid_argument, "KohakuVault column name '" + std::string(name) +
                                     "' is ambiguous: both a column of that name and the variable-size pair " +
                                     std::string(name) + "_data/" + std::string(name) + "_idx exist");
  if (pair) return pair;
  if (exact) return LogicalColumn{exact->name, Kind::fixed, *exact, {}};
  return std::nullopt;
}

}  // namespace kv::kvfiles
