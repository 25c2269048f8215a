// Errors raised by symdiff. Every user-facing failure is an Error; the parser and the
// CLI attach a source location (file:line:col) so the message can point at the text.
// Invariant: core code never prints; it throws, and the tools decide how to report.
#pragma once

#include <stdexcept>
#include <string>

namespace symdiff {

struct SourceLoc {
    int line = 0; // 1-based; 0 means "unknown"
    int col = 0;  // 1-based byte column
    bool known() const { return line > 0; }
};

class Error : public std::runtime_error {
  public:
    explicit Error(const std::string& message, SourceLoc loc = {})
        : std::runtime_error(message), loc_(loc) {}
    SourceLoc loc() const { return loc_; }

  private:
    SourceLoc loc_;
};

} // namespace symdiff
