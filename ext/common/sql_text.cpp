// See sql_text.hpp.
#include "common/sql_text.hpp"

#include <cstdarg>
#include <new>

#include "common/sqlite.hpp"

namespace kvx {

std::string mprintf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  char* text = sqlite3_vmprintf(format, args);
  va_end(args);
  if (!text) throw std::bad_alloc();
  std::string out(text);
  sqlite3_free(text);
  return out;
}

std::string shadow_name(std::string_view schema, std::string_view table, std::string_view suffix) {
  const std::string s(schema), t(table), x(suffix);
  return mprintf("\"%w\".\"%w_%w\"", s.c_str(), t.c_str(), x.c_str());
}

}  // namespace kvx
