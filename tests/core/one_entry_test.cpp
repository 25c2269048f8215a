// An op is one entry: its facts live in the op table (core/ops_*.hpp) and every pass reads
// them there. These tests read the sources: no pass dispatches on ops by hand (a `switch`
// whose cases name ops, outside the one dispatcher in core/ops.hpp), and the facts that
// once lived in side tables come from the entries.
#include "core/ops.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

using namespace symdiff;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("no switch over ops outside the dispatcher", "[ops]") {
    const fs::path root = SYMDIFF_SOURCE_DIR;
    const std::regex op_case(R"(case\s+Op::)");
    int files = 0;
    for (const char* folder : {"core", "rewrite", "codegen", "lang", "tools"}) {
        if (!fs::exists(root / folder))
            continue;
        for (const auto& e : fs::recursive_directory_iterator(root / folder)) {
            const std::string ext = e.path().extension().string();
            if (ext != ".cpp" && ext != ".hpp")
                continue;
            ++files;
            if (e.path() == root / "core" / "ops.hpp")
                continue; // the dispatcher, `visit`
            INFO(e.path().string() << " dispatches on ops by hand: read the entry's facts instead "
                                      "(visit in core/ops.hpp, or a field of the entries)");
            CHECK_FALSE(std::regex_search(read(e.path()), op_case));
        }
    }
    CHECK(files > 50);
}

TEST_CASE("the facts passes read come from the entries", "[ops]") {
    // Comparisons, infix spellings and the language's functions are fields of entries.
    CHECK(is_comparison(Op::Lt));
    CHECK(is_comparison(Op::Ne));
    CHECK_FALSE(is_comparison(Op::Sub));
    CHECK(info(Op::Add).syntax.symbol == "+");
    CHECK(info(Op::Pow).syntax.symbol == "^");
    CHECK(info(Op::Pow).syntax.call);
    CHECK(info(Op::MatMul).syntax.symbol == "@");
    CHECK_FALSE(info(Op::StrongMul).syntax.call);
    CHECK(info(Op::Where).syntax.takes_condition);
    // An op defined by a formula has no C++ spelling of its own: its helper is printed
    // from the formula, and its value is the formula's.
    CHECK(info(Op::Sigmoid).formula);
    CHECK(info(Op::Sigmoid).cpp.empty());
    CHECK(ops::Sigmoid::eval(0.3) == ops::Sigmoid::formula(0.3));
    CHECK_FALSE(info(Op::Exp).formula);
}
