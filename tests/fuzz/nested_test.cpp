// The differential fuzzer on nested derivatives (tests/fuzz/nested_gen): the models found
// wrong in emitted code (tests/fuzz/nested_regressions, one file per finding, replayed
// forever), the generator's own promises, and random nested models through every mode.
// SYMDIFF_FUZZ_NESTED_MODELS, _SEED and _BATCH set the campaign, as for the general
// fuzzer (differential_test.cpp); tests/fuzz/run.sh runs a longer one in CI.
#include "tests/fuzz/differential.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace symdiff;
using namespace symdiff::fuzz;
namespace fs = std::filesystem;

namespace {

DifferentialOptions options() {
    DifferentialOptions o;
    const char* cxx = std::getenv("SYMDIFF_FUZZ_CXX");
    o.cxx = cxx && *cxx ? cxx : SYMDIFF_FUZZ_CXX;
    return o;
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("fuzz: nested-derivative regressions agree in every mode", "[differential][nested]") {
    const fs::path dir = fs::path(SYMDIFF_SOURCE_DIR) / "tests/fuzz/nested_regressions";
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".sd")
            files.push_back(e.path());
    std::sort(files.begin(), files.end());
    CHECK(files.size() >= 3);
    DifferentialChecker checker(options());
    for (std::size_t k = 0; k < files.size(); ++k)
        checker.check(read_text(files[k]), k);
    checker.run_compiled();
    for (const Finding& f : checker.findings())
        FAIL_CHECK(files[f.seed].filename().string() << ": " << f.what);
    CHECK(checker.stats().compiled >= static_cast<int>(files.size()));
}
