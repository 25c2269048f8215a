// The shape of every emitted header (README.md, "Calling the generated code"), read as text: one self-contained
// header (#pragma once, standard includes only), no mutable global state, the user's
// namespace, and for every function both overloads, FN_work_size and FN_info as
// constexpr metadata. Macros other than the runtime helpers' include guards are banned.
#include "tests/codegen/zoo.hpp"

#include "core/graph.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <sstream>

namespace symdiff::test {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        lines.push_back(l);
    return lines;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

const std::set<std::string> standard_headers = {"algorithm", "array",   "cmath",  "cstddef",
                                                "cstdint",   "cstring", "limits", "memory"};

TEST_CASE("every header is self-contained, standard C++ and stateless", "[contract]") {
    const std::regex include_line(R"(\s*#\s*include\s*(.*))");
    const std::regex standard_include(R"(<([a-z_]+)>)");
    const std::regex directive(R"(\s*#\s*(\w+)\s*(\w*).*)");
    const std::regex mutable_static(R"(\bstatic\b(?!\s+constexpr\b))");
    for (const ZooEntry& e : zoo()) {
        INFO("model " << e.name);
        const Model m = e.build();
        const std::string text = emit_model(m);
        const auto lines = lines_of(text);
        REQUIRE(!lines.empty());
        CHECK(lines[0].rfind("//", 0) == 0); // opens with a comment saying what it is
        CHECK(count(text, "#pragma once") == 1);
        CHECK(text.find("namespace " + m.name + " {") != std::string::npos);
        CHECK(text.back() == '\n');
        for (const std::string& l : lines) {
            INFO("line: " << l);
            std::smatch match;
            if (std::regex_match(l, match, include_line)) {
                std::smatch header;
                const std::string target = match[1];
                REQUIRE(std::regex_match(target, header, standard_include));
                CHECK(standard_headers.count(header[1]) == 1);
            } else if (std::regex_match(l, match, directive)) {
                const std::string kind = match[1], name = match[2];
                // Macros: the helpers' include guards, and SYMDIFF_RESTRICT, chosen by
                // compiler (empty where __restrict is not known).
                if (kind == "define" || kind == "ifndef" || kind == "ifdef" || kind == "undef")
                    CHECK((name.rfind("SYMDIFF_RT_", 0) == 0 || name == "SYMDIFF_RESTRICT"));
                else if (kind == "if")
                    CHECK(l == "#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)");
                else
                    CHECK((kind == "pragma" || kind == "endif" || kind == "else"));
            }
            CHECK(!std::regex_search(l, mutable_static));
            CHECK(l.find("thread_local") == std::string::npos);
            CHECK(l.find("mutable") == std::string::npos);
            CHECK(l.find('\t') == std::string::npos);
            CHECK(l.find('\r') == std::string::npos);
        }
    }
}

TEST_CASE("every function has both overloads and constexpr metadata", "[contract]") {
    for (const ZooEntry& e : zoo()) {
        const Model m = e.build();
        const std::string text = emit_model(m);
        for (const Function& fn : m.functions) {
            INFO("function " << e.name << "::" << fn.name);
            CHECK(count(text, "inline void " + fn.name + "(") == 2);
            CHECK(count(text, "constexpr std::size_t " + fn.name + "_work_size = ") == 1);
            CHECK(count(text, "struct " + fn.name + "_info {") == 1);
            // The `work` overload takes one more pointer than the allocating one.
            const auto first = text.find("inline void " + fn.name + "(");
            const auto second = text.find("inline void " + fn.name + "(", first + 1);
            const std::string a = text.substr(first, text.find('\n', first) - first);
            const std::string b = text.substr(second, text.find('\n', second) - second);
            const std::size_t pointers = fn.params.size() + fn.results.size();
            CHECK(count(a, "double*") + count(b, "double*") == 2 * pointers + 1);
        }
    }
}

} // namespace
} // namespace symdiff::test
