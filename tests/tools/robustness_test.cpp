// Hostile input: NUL bytes, binary garbage, random token soup, 10^5-deep nesting and a
// 10^6-term line. The parser must answer with a located Error (or a model), never crash,
// overflow the stack or take long. Random inputs use pinned seeds.
#include "tools/tools_test_util.hpp"

#include <ctime>
#include <random>

// The time bound of the 10^6-term line holds for optimised builds; sanitizers and
// debug builds are an order of magnitude slower and only check it finishes.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SYMDIFF_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SYMDIFF_TEST_SANITIZED 1
#endif
#if defined(NDEBUG) && !defined(SYMDIFF_TEST_SANITIZED)
constexpr double long_line_cpu_seconds = 1.0;
#else
constexpr double long_line_cpu_seconds = 120.0;
#endif

using namespace symdiff;
using namespace symdiff::test;

namespace {

// Parses; only symdiff::Error may escape, and it must carry a location.
void parse_or_located_error(const std::string& source) {
    try {
        parse_model(source, "fuzz.sd");
    } catch (const Error& e) {
        INFO(e.what());
        CHECK(e.loc().known());
        CHECK_FALSE(format_error(e, "fuzz.sd", source).empty());
    }
}

} // namespace

TEST_CASE("robustness: NUL bytes are located errors") {
    require_error(std::string("\0", 1), "unexpected byte \\x00", 1, 1);
    require_error(std::string("input x\n\0\0\0", 11), "unexpected byte \\x00", 2, 1);
    require_error(std::string("input x # \0 in a comment\n", 24), "unexpected byte \\x00", 1, 11);
}

TEST_CASE("robustness: binary files fail at their first bad byte") {
    require_error(std::string("\x7F"
                              "ELF\x02\x01\x01\0\0\0",
                              10),
                  "unexpected byte \\x7F", 1, 1);
    require_error(std::string("PK\x03\x04\x14\0", 6), "unexpected byte \\x03", 1, 3);
    require_error("\x89PNG\r\n\x1A\n", "non-ASCII byte \\x89 (only comments may hold UTF-8 text)",
                  1, 1);
}

TEST_CASE("robustness: a leading UTF-8 byte-order mark is skipped") {
    const std::string bom = "\xEF\xBB\xBF";
    CHECK(eval_model(bom + "input x\nexport e(x) -> r = 2 * x\n", "e", {{"x", Tensor(2.0)}})[0]
              .item() == 4);
    try {
        parse_model(bom + "input x y\n", "m.sd");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(
            format_error(e, "m.sd", bom + "input x y\n") ==
            "m.sd:1:9: error: expected the end of the statement, got 'y'\ninput x y\n        ^\n");
    }
    require_error("input x\n" + bom, "non-ASCII byte \\xEF (only comments may hold UTF-8 text)", 2,
                  1);
}

TEST_CASE("robustness: random bytes never crash the parser") {
    std::mt19937 rng(12345);
    for (int i = 0; i < 2000; ++i) {
        std::string s(rng() % 64, '\0');
        for (char& c : s)
            c = static_cast<char>(rng() % 256);
        parse_or_located_error(s);
    }
}

TEST_CASE("robustness: random token soup never crashes the parser") {
    const std::vector<std::string> vocabulary = {
        "input ", "export ", "x",    "y",      "A",     "f",    "=",    "->",       "(",
        ")",      "[",       "]",    ",",      ":",     ";",    "\n",   "+",        "-",
        "*",      "/",       "@",    "^",      "<",     "==",   "1",    "-1",       "2.5",
        "pi",     "grad(",   "sum(", "where(", "diff(", "jvp(", "exp(", "reshape(", "stack(",
        "[2,2]",  "[3]",     "0:1",  "#c\n",   " "};
    std::mt19937 rng(777);
    for (int i = 0; i < 3000; ++i) {
        std::string s = rng() % 2 ? "input x, y[2], A[2,2]\n" : "";
        const int n = static_cast<int>(rng() % 40);
        for (int k = 0; k < n; ++k)
            s += vocabulary[rng() % vocabulary.size()];
        INFO(s);
        parse_or_located_error(s);
    }
}

TEST_CASE("robustness: 10^5-deep parentheses are an error, not a stack overflow") {
    const std::string deep = "input x\nf = " + std::string(100000, '(') + "x" +
                             std::string(100000, ')') + "\nexport e(x) -> f\n";
    require_error(deep, "expression nested too deeply (more than 256 levels)", 2, 4 + 257);
    const std::string calls = "input x\nf = ";
    std::string nested = calls;
    for (int i = 0; i < 100000; ++i)
        nested += "exp(";
    require_error(nested + "x\n", "expression nested too deeply (more than 256 levels)", 2,
                  4 + 256 * 4 + 1);
    require_error("input x\nf = " + std::string(100000, '-') + "x\n",
                  "expression nested too deeply (more than 256 levels)", 2, 4 + 257);
    std::string powers = "input x\nf = x";
    for (int i = 0; i < 100000; ++i)
        powers += "^x";
    powers += "\nexport e(x) -> f\n";
    CHECK_THROWS_AS(parse_model(powers, "m.sd"), Error);
}

TEST_CASE("robustness: nesting up to the limit is fine") {
    const std::string src = "input x\nf = " + std::string(200, '(') + "x" + std::string(200, ')') +
                            "\nexport e(x) -> f\n";
    CHECK(eval_model(src, "e", {{"x", Tensor(2.0)}})[0].item() == 2);
}

TEST_CASE("robustness: a 10^6-term line parses quickly and evaluates") {
    std::string src = "input x\nf = x";
    src.reserve(4'000'100);
    for (int i = 1; i < 1'000'000; ++i)
        src += " + x";
    src += "\nexport e(x) -> f\n";
    const std::clock_t start = std::clock(); // CPU time: other processes do not count
    const Model m = parse_model(src, "long.sd");
    const double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    WARN("10^6-term line parsed in " << seconds << " s of CPU time");
    CHECK(seconds < long_line_cpu_seconds);
    Bindings b(*m.graph);
    b.set("x", Tensor(1.0));
    const NodeId root = m.exports[0].results[0].node;
    CHECK(evaluate(*m.graph, std::span<const NodeId>(&root, 1), b)[0].item() == 1e6);
}

TEST_CASE("robustness: the CLI survives binary input and reports one error") {
    TempDir dir;
    const std::string m = dir.write("bin.sd", std::string("\x7F"
                                                          "ELF\0\0",
                                                          6));
    const CliResult r = run_cli({"eval", m, "f"});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == m + ":1:1: error: unexpected byte \\x7F\n?ELF??\n^\n");
}
