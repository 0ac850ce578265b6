// kvindex: the module arguments (backend, order=, storage=) and the registry keys
// (see kvindex/module.cpp).
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/error.hpp"
#include "kvindex/kvindex.hpp"

namespace kvx::kvindex {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  s.erase(0, i);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front())
    s = s.substr(1, s.size() - 2);
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::size_t parse_order(const std::string& v) {
  errno = 0;
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || n < 3 || n > 4096)
    kv::fail(kv::Errc::invalid_argument, "kvindex: order must be an integer from 3 to 4096, got '" + v + "'");
  return static_cast<std::size_t>(n);
}

}  // namespace

Options parse_options(int argc, const char* const* argv) {
  Options o;
  bool order_given = false;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = trim(argv[i]);
    const auto eq = arg.find('=');
    if (eq == std::string::npos) {
      const std::string b = lower(arg);
      if (i != 0)
        kv::fail(kv::Errc::invalid_argument,
                 "kvindex: unexpected argument '" + arg + "' (options are key=value)");
      if (b == "csbtree")
        o.backend = kv::IndexBackend::csbtree;
      else if (b == "skiplist")
        o.backend = kv::IndexBackend::skiplist;
      else
        kv::fail(kv::Errc::invalid_argument,
                 "kvindex: unknown backend '" + arg + "' (expected csbtree or skiplist)");
      continue;
    }
    const std::string k = lower(trim(arg.substr(0, eq)));
    const std::string v = trim(arg.substr(eq + 1));
    if (k == "order") {
      o.order = parse_order(v);
      order_given = true;
    } else if (k == "storage") {
      const std::string s = lower(v);
      if (s == "memory")
        o.durable = false;
      else if (s == "disk")
        o.durable = true;
      else
        kv::fail(kv::Errc::invalid_argument,
                 "kvindex: unknown storage '" + v + "' (expected disk or memory)");
    } else {
      kv::fail(kv::Errc::invalid_argument,
               "kvindex: unknown option '" + k + "' (expected order=N or storage=disk|memory)");
    }
  }
  if (order_given && o.backend != kv::IndexBackend::csbtree)
    kv::fail(kv::Errc::invalid_argument, "kvindex: option 'order' applies to the csbtree backend only");
  return o;
}

std::string Registry::key(const std::string& schema, const std::string& table) {
  return lower(schema) + '\x1f' + lower(table);
}

std::string Registry::id_key(const std::string& schema, const std::string& instance_id) {
  return lower(schema) + "\x1fid\x1f" + instance_id;
}

}  // namespace kvx::kvindex
