// Registers the kvault module. Placeholder until that component lands: registers nothing.
#include "registry.hpp"

namespace kvx {

int register_kvault(sqlite3*, char**) { return SQLITE_OK; }

}  // namespace kvx
