// RFC 3986 reference resolution; see uri.hpp.
#include "json/uri.hpp"

#include <optional>

namespace kv::json {
namespace {

// The five components of a URI reference (RFC 3986 section 3); scheme,
// authority, query and fragment may be absent, the path is always there.
struct Parts {
  std::optional<std::string_view> scheme, authority, query, fragment;
  std::string_view path;
};

Parts split(std::string_view s) {
  Parts p;
  if (auto hash = s.find('#'); hash != std::string_view::npos) {
    p.fragment = s.substr(hash + 1);
    s = s.substr(0, hash);
  }
  if (auto q = s.find('?'); q != std::string_view::npos) {
    p.query = s.substr(q + 1);
    s = s.substr(0, q);
  }
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" before any '/'
  if (auto colon = s.find(':'); colon != std::string_view::npos && colon > 0 && colon < s.find('/')) {
    std::string_view scheme = s.substr(0, colon);
    auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    bool ok = alpha(scheme[0]);
    for (char c : scheme) ok = ok && (alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
    if (ok) {
      p.scheme = scheme;
      s = s.substr(colon + 1);
    }
  }
  if (s.substr(0, 2) == "//") {
    s = s.substr(2);
    auto end = s.find('/');
    p.authority = s.substr(0, end);
    s = end == std::string_view::npos ? std::string_view() : s.substr(end);
  }
  p.path = s;
  return p;
}

// RFC 3986 section 5.2.4.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.substr(0, 3) == "../") {
      in.remove_prefix(3);
    } else if (in.substr(0, 2) == "./") {
      in.remove_prefix(2);
    } else if (in.substr(0, 3) == "/./") {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.substr(0, 4) == "/../" || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      auto last = out.rfind('/');
      out.erase(last == std::string::npos ? 0 : last);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      auto next = in.find('/', 1);
      std::string_view segment = in.substr(0, next);
      out += segment;
      in.remove_prefix(segment.size());
    }
  }
  return out;
}

// RFC 3986 section 5.2.3.
std::string merge(const Parts& base, std::string_view ref_path) {
  if (base.authority && base.path.empty()) return "/" + std::string(ref_path);
  auto last = base.path.rfind('/');
  if (last == std::string_view::npos) return std::string(ref_path);
  return std::string(base.path.substr(0, last + 1)) + std::string(ref_path);
}

std::string join(const Parts& p, const std::string& path) {
  std::string out;
  if (p.scheme) out += std::string(*p.scheme) + ":";
  if (p.authority) out += "//" + std::string(*p.authority);
  out += path;
  if (p.query) out += "?" + std::string(*p.query);
  if (p.fragment) out += "#" + std::string(*p.fragment);
  return out;
}

}  // namespace

std::string resolve_uri(std::string_view base_text, std::string_view ref_text) {
  Parts ref = split(ref_text), base = split(base_text), target;
  std::string path;
  if (ref.scheme) {
    target = ref;
    path = remove_dot_segments(ref.path);
  } else {
    if (ref.authority) {
      target.authority = ref.authority;
      target.query = ref.query;
      path = remove_dot_segments(ref.path);
    } else {
      if (ref.path.empty()) {
        path = std::string(base.path);
        target.query = ref.query ? ref.query : base.query;
      } else {
        path = remove_dot_segments(ref.path.front() == '/' ? std::string(ref.path) : merge(base, ref.path));
        target.query = ref.query;
      }
      target.authority = base.authority;
    }
    target.scheme = base.scheme;
  }
  target.fragment = ref.fragment;
  return join(target, path);
}

std::string_view uri_without_fragment(std::string_view uri) { return uri.substr(0, uri.find('#')); }

std::string_view uri_fragment(std::string_view uri) {
  auto hash = uri.find('#');
  return hash == std::string_view::npos ? std::string_view() : uri.substr(hash + 1);
}

}  // namespace kv::json
