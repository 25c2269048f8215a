// Small text utilities of the emitter: an indenting line writer, double literals that
// round-trip, and substitution of operands into an op's C++ spelling.
#pragma once

#include "core/ops_fwd.hpp"

#include <array>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

namespace symdiff::codegen {

// Writes to its own buffer (str()), or straight to a stream: a large model's header
// need not be held in memory whole.
class Writer {
  public:
    Writer() = default;
    explicit Writer(std::ostream& out) : out_(&out) {}
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    void line(const std::string& s) {
        for (int k = 0; k < indent_; ++k)
            *out_ << "    ";
        *out_ << s << '\n';
    }
    void blank() { *out_ << '\n'; }
    void open(const std::string& s) { // "s {", then indent
        line(s.empty() ? "{" : s + " {");
        ++indent_;
    }
    void close(const std::string& tail = "") {
        --indent_;
        line("}" + tail);
    }
    void reopen(const std::string& s) { // "} else {"
        --indent_;
        line("} " + s + " {");
        ++indent_;
    }
    std::string str() const { return own_.str(); } // what went to its own buffer

  private:
    std::ostringstream own_;
    std::ostream* out_ = &own_;
    int indent_ = 0;
};

// Concatenates strings and numbers by appending (also sidesteps GCC 12's false
// -Wrestrict on `"literal" + std::string` temporaries).
template <class... Parts> std::string cat(const Parts&... parts) {
    std::string s;
    auto add = [&s](const auto& p) {
        if constexpr (std::is_arithmetic_v<std::decay_t<decltype(p)>>)
            s += std::to_string(p);
        else
            s += p;
    };
    (add(parts), ...);
    return s;
}

// A C++ double literal that reads back to exactly `v` (NaN and infinities included).
std::string literal(double v);
// `pattern` with {0}, {1}, {2} replaced by the operands.
std::string spell(std::string_view pattern, const std::array<std::string, 3>& operands);
// Op `op` of operands as C++: its entry's spelling, or a call of its helper function (an
// op defined by a formula: emit.cpp prints the helper).
std::string spell_op(Op op, const std::array<std::string, 3>& operands);
std::string helper_name(Op op); // "::symdiff_rt::sigmoid"

} // namespace symdiff::codegen
