// Building SQL text with SQLite's own quoting (sqlite3_mprintf: %w for a name
// inside "...", %Q for a literal), the one copy every module uses.
#pragma once

#include <string>
#include <string_view>

namespace kvx {

// sqlite3_mprintf(format, ...) as a std::string; std::bad_alloc when SQLite
// cannot allocate. Only C strings and integers go to the varargs.
std::string mprintf(const char* format, ...);

// "schema"."table_suffix", each part %w-quoted: the name of a shadow table.
std::string shadow_name(std::string_view schema, std::string_view table, std::string_view suffix);

}  // namespace kvx
