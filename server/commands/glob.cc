#include "commands/glob.h"

#include <cctype>

namespace aeternus::server {
namespace {

char Fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Depth-bounded like Redis (a pattern of many '*' cannot take exponential
// time): `*` tries each suffix, but a failed attempt that reached the end
// of the text ends the search.
bool Match(std::string_view p, std::string_view s, bool nocase, bool* skip_longer, int depth) {
  if (depth > 1000) {
    return false;
  }
  while (!p.empty() && !s.empty()) {
    switch (p[0]) {
      case '*': {
        while (p.size() > 1 && p[1] == '*') {
          p.remove_prefix(1);
        }
        if (p.size() == 1) {
          return true;
        }
        for (std::size_t i = 0; i <= s.size(); ++i) {
          if (Match(p.substr(1), s.substr(i), nocase, skip_longer, depth + 1)) {
            return true;
          }
          if (*skip_longer) {
            return false;
          }
        }
        *skip_longer = true;
        return false;
      }
      case '?':
        s.remove_prefix(1);
        p.remove_prefix(1);
        continue;
      case '[': {
        p.remove_prefix(1);
        const bool negate = !p.empty() && p[0] == '^';
        if (negate) {
          p.remove_prefix(1);
        }
        bool found = false;
        while (!p.empty() && p[0] != ']') {
          if (p[0] == '\\' && p.size() >= 2) {
            p.remove_prefix(1);
            found |= Fold(p[0], nocase) == Fold(s[0], nocase);
          } else if (p.size() >= 3 && p[1] == '-') {
            char lo = Fold(p[0], nocase);
            char hi = Fold(p[2], nocase);
            if (lo > hi) {
              std::swap(lo, hi);
            }
            const char c = Fold(s[0], nocase);
            found |= c >= lo && c <= hi;
            p.remove_prefix(2);
          } else {
            found |= Fold(p[0], nocase) == Fold(s[0], nocase);
          }
          p.remove_prefix(1);
        }
        if (!p.empty()) {
          p.remove_prefix(1);  // ']'
        }
        if (found == negate) {
          return false;
        }
        s.remove_prefix(1);
        continue;
      }
      case '\\':
        if (p.size() >= 2) {
          p.remove_prefix(1);
        }
        [[fallthrough]];
      default:
        if (Fold(p[0], nocase) != Fold(s[0], nocase)) {
          return false;
        }
        s.remove_prefix(1);
        p.remove_prefix(1);
    }
  }
  while (!p.empty() && p[0] == '*') {
    p.remove_prefix(1);
  }
  return p.empty() && s.empty();
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  bool skip_longer = false;
  return Match(pattern, text, nocase, &skip_longer, 0);
}

}  // namespace aeternus::server
