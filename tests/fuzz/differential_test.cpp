// The differential fuzzer as a test: random models (tests/fuzz/model_gen) through every
// mode (tests/fuzz/differential), with a pinned seed. SYMDIFF_FUZZ_MODELS, _SEED, _BATCH
// and _CXX set the model count, first seed, models per compiler run and the compiler, so
// CI runs a longer campaign with the same binary; SYMDIFF_FUZZ_KEEP keeps each compiled
// batch's folder (driver, headers, output) under $TMPDIR. A finding prints its seed and model.
#include "tests/fuzz/differential.hpp"
#include "tests/fuzz/model_gen.hpp"
#include "lang/model.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <regex>
#include <string>

using namespace symdiff;
using namespace symdiff::fuzz;

namespace {

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// The compiler of the emitted code: SYMDIFF_FUZZ_CXX, else the one that built this test.
DifferentialOptions options() {
    DifferentialOptions o;
    const char* cxx = std::getenv("SYMDIFF_FUZZ_CXX");
    o.cxx = cxx && *cxx ? cxx : SYMDIFF_FUZZ_CXX;
    return o;
}

void report(const std::vector<Finding>& findings) {
    for (const Finding& f : findings)
        FAIL_CHECK("seed " << f.seed << ": " << f.what << "\n--- model ---\n" << f.model);
}

} // namespace

TEST_CASE("fuzz: the model generator is deterministic and every model it writes parses",
          "[differential]") {
    CHECK(random_model(42) == random_model(42));
    CHECK(random_model(42) != random_model(43));
    int exports = 0, one_line = 0, blocks = 0, conditions = 0, folds = 0, scans = 0, over = 0, checkpoints = 0;
    std::map<DerivativeSpec::Kind, int> kinds;
    for (std::uint64_t seed = 1000; seed < 1300; ++seed) {
        std::string text;
        REQUIRE_NOTHROW(text = random_model(seed)); // throws with the text when it does not parse
        const Model m = parse_model(text, "random.sd");
        exports += static_cast<int>(m.exports.size());
        // functions of both forms, and conditions combined by words
        one_line += text.find(") = ") != std::string::npos;
        blocks += text.find("):") != std::string::npos;
        // loops: fold and scan, by a count and over a tensor (a count is a digit then ')')
        folds += text.find("fold(") != std::string::npos;
        scans += text.find("scan(") != std::string::npos;
        checkpoints += text.find(", checkpoint = ") != std::string::npos;
        const std::string plain = std::regex_replace(text, std::regex(", checkpoint = [0-9]+"), "");
        over += std::regex_search(plain, std::regex(R"((fold|scan)\([a-z0-9_]+, [^\n]*, [^0-9][^\n]*\))"));
        conditions += text.find(" and ") != std::string::npos ||
                      text.find(" or ") != std::string::npos || text.find("not ") != std::string::npos;
        for (const auto& specs : m.result_specs)
            for (const auto& s : specs)
                if (s)
                    ++kinds[s->kind];
    }
    CHECK(exports >= 600);
    CHECK(one_line >= 50);
    CHECK(blocks >= 50);
    CHECK(conditions >= 50);
    CHECK(folds >= 30);
    CHECK(scans >= 10);
    CHECK(over >= 10);
    CHECK(checkpoints >= 10);
    UNSCOPED_INFO("of 300 models, " << one_line << " define a function by one expression, "
                                     << blocks << " by a block, " << conditions
                                     << " combine conditions, " << folds << " fold, " << scans
                                     << " scan, " << over << " run a loop over a tensor, " << checkpoints
                                     << " checkpoint a fold");
    using K = DerivativeSpec::Kind;
    for (const K k : {K::grad, K::jvp, K::diff, K::jacobian, K::hessian}) {
        INFO("derivative kind " << static_cast<int>(k));
        CHECK(kinds[k] >= 30); // every kind of derivative result is generated
    }
}

TEST_CASE("fuzz: random models agree in every mode", "[differential]") {
    const auto count = env_number("SYMDIFF_FUZZ_MODELS", 24);
    const auto first = env_number("SYMDIFF_FUZZ_SEED", 20240601);
    const auto batch = std::max<std::uint64_t>(1, env_number("SYMDIFF_FUZZ_BATCH", 24));
    DifferentialChecker checker(options());
    std::vector<std::string> unwritten;
    const double seconds = check_seeds(checker, first, count, batch,
                                       [&](std::uint64_t seed) { return random_model(seed); }, unwritten);
    for (const std::string& e : unwritten)
        FAIL_CHECK(e);
    const DifferentialStats& s = checker.stats();
    WARN(s.models << " models (seeds " << first << ".." << first + count - 1 << "), " << s.exports
                  << " exports, " << s.points << " points (" << s.skipped_points
                  << " skipped), comparisons: " << s.simplified << " simplified, " << s.tape
                  << " tape, " << s.forward << " forward, " << s.fd_compared
                  << " finite differences (" << s.fd_skipped << " unreliable), " << s.compiled
                  << " compiled in " << s.compiler_runs << " compiler runs; " << seconds << " s");
    report(checker.findings());
    // Not vacuous: every mode compared something.
    CHECK(s.points >= static_cast<int>(count));
    CHECK(s.tape >= static_cast<int>(count));
    CHECK(s.forward > 0);
    CHECK(s.fd_compared > 10 * s.fd_skipped);
    CHECK(s.compiled >= s.points);
}

TEST_CASE("fuzz: the differential checker reports a mode that disagrees", "[differential]") {
    DifferentialOptions o = options();
    o.tape_offset = 1e-6;
    o.compiled = false;
    DifferentialChecker checker(o);
    checker.check("input x[2]\nf = sum(exp(x))\nexport e(x) -> f, d = grad(f, x)\n", 1);
    REQUIRE(checker.findings().size() >= 1);
    CHECK(checker.findings()[0].what.find("tape (reverse) vs symbolic") != std::string::npos);
    CHECK(checker.findings()[0].seed == 1);

    DifferentialChecker unparsable(options());
    unparsable.check("input x\nf = x +\n", 7);
    REQUIRE(unparsable.findings().size() == 1);
    CHECK(unparsable.findings()[0].what.starts_with("the model does not parse"));
}

TEST_CASE("fuzz: the compiled batch compares every result of every export",
          "[differential]") {
    DifferentialChecker checker(options());
    checker.check("input x[2], y\nf = sum(x * y) + log1p(y * y)\n"
                  "export e0(x, y) -> f, dx = grad(f, x), dy = grad(f, y)\n"
                  "export e1(x, y) -> H = hessian(f, x), v = jvp(x * y, x, x)\n",
                  3);
    checker.run_compiled();
    report(checker.findings());
    CHECK(checker.stats().compiler_runs == 1);
    CHECK(checker.stats().compiled == 3 * 5); // two random points and one grid point, five results
}
