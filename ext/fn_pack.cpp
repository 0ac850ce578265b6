// Registers DataPacker functions (kv_pack, kv_unpack, ...). Placeholder until that component lands: registers
// nothing.
#include "registry.hpp"

namespace kvx {

int register_pack_functions(sqlite3*, char**) { return SQLITE_OK; }

}  // namespace kvx
