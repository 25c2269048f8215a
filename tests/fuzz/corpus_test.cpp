// The parser target's promises (parse_target.hpp) on every committed input: the seed corpus
// (tests/fuzz/corpus), the inputs fuzzing found (tests/fuzz/regressions, one file per
// finding, replayed here forever) and the example models; and the fuzzer's dictionary
// (tests/fuzz/sd.dict and the function table) names every function and token of the language.
#include "tests/fuzz/parse_target.hpp"
#include "lang/builtins.hpp"
#include "lang/model.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace symdiff;
namespace fs = std::filesystem;

namespace {

const fs::path source_dir = SYMDIFF_SOURCE_DIR;

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename().string()[0] != '.' &&
            e.path().filename() != "README.md")
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

void replay(const fs::path& dir, std::size_t at_least) {
    const auto files = files_in(dir);
    CHECK(files.size() >= at_least);
    for (const fs::path& p : files) {
        INFO(p.string());
        const auto problem = fuzz::check_model_bytes(read_bytes(p));
        CHECK_FALSE(problem);
        if (problem)
            UNSCOPED_INFO(*problem);
    }
}

} // namespace

TEST_CASE("fuzz corpus: every seed input keeps the parser's promises", "[corpus]") {
    replay(source_dir / "tests/fuzz/corpus", 40);
}

TEST_CASE("fuzz corpus: every input a fuzzer found stays fixed", "[corpus]") {
    replay(source_dir / "tests/fuzz/regressions", 1);
}

TEST_CASE("fuzz corpus: the example models parse and go through every step", "[corpus]") {
    for (const fs::path& p : files_in(source_dir / "examples")) {
        INFO(p.string());
        const std::string text = read_bytes(p);
        CHECK_NOTHROW(parse_model(text, p.string()));
        CHECK_FALSE(fuzz::check_model_bytes(text));
    }
}

TEST_CASE("fuzz corpus: the seed corpus holds models that parse and models that do not",
          "[corpus]") {
    int good = 0, bad = 0;
    for (const fs::path& p : files_in(source_dir / "tests/fuzz/corpus")) {
        try {
            parse_model(read_bytes(p), "m.sd");
            ++good;
        } catch (const Error&) {
            ++bad;
        }
    }
    CHECK(good >= 30);
    CHECK(bad >= 5);
}

// The dictionary's lines for the functions of the language (its function table: the op
// table's functions and the library's), so that a new function is fuzzed without an edit.
std::string function_dictionary() {
    std::string out;
    for (const Builtin& b : builtins())
        out += "fn_" + std::string(b.name) + "=\"" + std::string(b.name) + "(\"\n";
    return out;
}

TEST_CASE("fuzz dictionary: every function, keyword and operator of the language", "[corpus]") {
    std::set<std::string> tokens;
    std::istringstream in(read_bytes(source_dir / "tests/fuzz/sd.dict") + function_dictionary());
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#')
            continue;
        const auto open = line.find('"'), close = line.rfind('"');
        REQUIRE(open != std::string::npos);
        REQUIRE(close > open);
        tokens.insert(line.substr(open + 1, close - open - 1));
    }
    for (const Builtin& b : builtins()) {
        INFO(b.name);
        CHECK(tokens.count(std::string(b.name) + "("));
    }
    for (const char* t : {"input", "export", "def ", "return ", "pi", "inf", " and ", " or ", "not ", "->", "@", "^", "==", "!=", "<=", ">=", "<",
                          ">", "=", ";", ":", ",", "[", "]", "(", ")", "#", "+", "-", "*", "/"}) {
        INFO(t);
        CHECK(tokens.count(t));
    }
}

// Writes the whole dictionary (sd.dict and the functions) to $SYMDIFF_FUZZ_DICT for run.sh.
TEST_CASE("fuzz dictionary: write it for libFuzzer", "[.dictionary]") {
    const char* path = std::getenv("SYMDIFF_FUZZ_DICT");
    REQUIRE(path);
    std::ofstream out(path, std::ios::binary);
    out << read_bytes(source_dir / "tests/fuzz/sd.dict") << function_dictionary();
    REQUIRE(out.good());
}
