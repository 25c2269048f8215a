// The differential fuzzer on nested derivatives (tests/fuzz/nested_gen): the models found
// wrong in emitted code (tests/fuzz/nested_regressions, one file per finding, replayed
// forever), the generator's own promises, and random nested models through every mode.
// SYMDIFF_FUZZ_NESTED_MODELS, SYMDIFF_FUZZ_SEED and SYMDIFF_FUZZ_BATCH set the campaign
// (tests/fuzz/run.sh runs a longer one in CI); SYMDIFF_FUZZ_NESTED_REVERSE=0 keeps grad and
// hessian of Jacobians out of the models (NestedGenOptions::reverse_through_jacobian).
#include "tests/fuzz/differential.hpp"
#include "tests/fuzz/nested_gen.hpp"
#include "lang/model.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace symdiff;
using namespace symdiff::fuzz;
namespace fs = std::filesystem;

namespace {

// Models with grad and hessian of values holding a jacobian or hessian (reverse mode through
// a Jacobian loop): the generator's test tries both settings, and the campaigns make such
// models, unless SYMDIFF_FUZZ_NESTED_REVERSE=0.
constexpr bool reverse_through_jacobian_by_default = true;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

NestedGenOptions generator_options() {
    NestedGenOptions o;
    o.reverse_through_jacobian =
        env_number("SYMDIFF_FUZZ_NESTED_REVERSE", reverse_through_jacobian_by_default) != 0;
    return o;
}

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

bool in_compiled_code(const std::string& what) {
    return what.starts_with("compiled") || what.starts_with("the emitted code") ||
           what.starts_with("the compiled driver");
}

// Which check a finding comes from, and for compiled code what went wrong.
std::string finding_class(const std::string& what) {
    if (what.starts_with("compiled")) {
        if (what.find("[never written") != std::string::npos)
            return "compiled: never written";
        if (what.find("[NaN where") != std::string::npos)
            return "compiled: NaN (garbage read)";
        if (what.find("other bits") != std::string::npos)
            return "compiled: the two overloads differ";
        if (what.find("missing from") != std::string::npos)
            return "compiled: missing";
        return "compiled: wrong value";
    }
    if (what.starts_with("the emitted code does not compile")) { // by its first error
        const std::size_t at = what.find(": error");
        const std::string line = what.substr(at, what.find('\n', at) - at);
        return line.find("[-Werror") != std::string::npos ? "compiled: a warning (-Werror)"
                                                          : "compiled: does not compile";
    }
    for (const char* mode : {"driver failed", "does not parse", "simplified vs as built",
                             "finite differences", "symbolic forward", "tape"})
        if (what.find(mode) != std::string::npos)
            return mode;
    return what.substr(0, what.find(':'));
}

// "export e1, ..." or "compiled export e1, ...": the export's name; "" for a finding about
// the whole model.
std::string export_of(const std::string& what) {
    const std::string head = what.starts_with("compiled ") ? "compiled export " : "export ";
    if (!what.starts_with(head))
        return "";
    return what.substr(head.size(), what.find(',') - head.size());
}

// Failing models and exports, in all and by class, for the campaign's log (and the
// closing note of issue 12).
std::string summary(const std::vector<Finding>& findings) {
    using Key = std::pair<std::uint64_t, std::string>;
    struct Tally {
        std::set<std::uint64_t> models;
        std::set<Key> exports;
        void add(const Finding& f, const std::string& e) {
            models.insert(f.seed);
            if (!e.empty())
                exports.insert({f.seed, e});
        }
        std::string str() const {
            return std::to_string(models.size()) + " models, " + std::to_string(exports.size()) +
                   " exports";
        }
    };
    Tally all, compiled;
    std::map<std::string, Tally> classes;
    for (const Finding& f : findings) {
        const std::string e = export_of(f.what);
        all.add(f, e);
        if (in_compiled_code(f.what))
            compiled.add(f, e);
        classes[finding_class(f.what)].add(f, e);
    }
    std::ostringstream os;
    os << "findings in " << all.str() << " (compiled code: " << compiled.str() << "); by class:";
    for (const auto& [name, tally] : classes)
        os << "\n  " << name << ": " << tally.str();
    return os.str();
}

// One failure per model: its findings (the first few) and its text.
void report(const std::vector<Finding>& findings) {
    std::map<std::uint64_t, std::vector<const Finding*>> by_model;
    for (const Finding& f : findings)
        by_model[f.seed].push_back(&f);
    for (const auto& [seed, list] : by_model) {
        std::ostringstream os;
        os << "seed " << seed << ": " << list.size() << " findings";
        for (std::size_t k = 0; k < list.size() && k < 4; ++k)
            os << "\n- " << list[k]->what.substr(0, 600);
        os << "\n--- model ---\n" << list.front()->model;
        FAIL_CHECK(os.str());
    }
}

} // namespace

TEST_CASE("fuzz: nested-derivative regressions agree in every mode", "[differential][nested]") {
    const fs::path dir = fs::path(SYMDIFF_SOURCE_DIR) / "tests/fuzz/nested_regressions";
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".sd")
            files.push_back(e.path());
    std::sort(files.begin(), files.end());
    CHECK(files.size() >= 14);
    DifferentialChecker checker(options());
    for (std::size_t k = 0; k < files.size(); ++k)
        checker.check(read_text(files[k]), k);
    checker.run_compiled();
    for (const Finding& f : checker.findings())
        FAIL_CHECK(files[f.seed].filename().string() << ": " << f.what);
    CHECK(checker.stats().compiled >= static_cast<int>(files.size()));
}

namespace {

// Same seed, same text; every model parses, and the kinds this generator is for are made.
void check_generator(const NestedGenOptions& o) {
    CHECK(random_nested_model(42, o).text == random_nested_model(42, o).text);
    CHECK(random_nested_model(42, o).text != random_nested_model(43, o).text);
    constexpr int count = 200;
    NestedModel total;
    std::map<DerivativeSpec::Kind, int> kinds;
    std::set<std::string> texts;
    for (std::uint64_t seed = 1000; seed < 1000 + count; ++seed) {
        NestedModel m;
        REQUIRE_NOTHROW(m = random_nested_model(seed, o)); // throws with the text if unparsable
        texts.insert(m.text);
        const Model parsed = parse_model(m.text, "nested.sd");
        std::size_t results = 0;
        for (const Function& f : parsed.exports)
            results += f.results.size();
        CHECK(parsed.exports.size() == static_cast<std::size_t>(m.exports));
        CHECK(results == static_cast<std::size_t>(m.results));
        for (const auto& specs : parsed.result_specs)
            for (const auto& s : specs)
                if (s)
                    ++kinds[s->kind];
        total.exports += m.exports;
        total.results += m.results;
        total.third_order += m.third_order;
        total.with_inner += m.with_inner;
        total.shared += m.shared;
        total.reverse_through += m.reverse_through;
    }
    WARN(count << " nested models: " << total.exports << " exports, " << total.results
               << " results, " << total.third_order << " of third order; " << total.with_inner
               << " exports return an inner derivative with an outer one, " << total.shared
               << " share a derivative between two results; " << total.reverse_through
               << " reverse derivatives through a Jacobian; result kinds: "
               << kinds[DerivativeSpec::Kind::jacobian] << " jacobian, "
               << kinds[DerivativeSpec::Kind::jvp] << " jvp, "
               << kinds[DerivativeSpec::Kind::hessian] << " hessian, "
               << kinds[DerivativeSpec::Kind::grad] << " grad");
    CHECK(texts.size() == count);
    CHECK(total.exports >= 2 * count);
    // (seeds 1000..1199: 478 third-order results, 311 and 214 exports, kinds 442, 439, 81, 28)
    CHECK(total.third_order >= 2 * count);
    CHECK(total.with_inner >= count);
    CHECK(total.shared >= count / 2);
    using K = DerivativeSpec::Kind;
    CHECK(kinds[K::jacobian] >= count);
    CHECK(kinds[K::jvp] >= count);
    CHECK(kinds[K::hessian] >= count / 4);
    CHECK(kinds[K::grad] >= count / 20);
    if (o.reverse_through_jacobian)
        CHECK(total.reverse_through >= count / 10);
    else
        CHECK(total.reverse_through == 0);
}

} // namespace

TEST_CASE("fuzz: the nested model generator is deterministic and covers its kinds",
          "[differential][nested]") {
    for (const bool reverse : {false, true}) {
        if (reverse && !generator_options().reverse_through_jacobian)
            continue;
        INFO("reverse_through_jacobian " << reverse);
        NestedGenOptions o;
        o.reverse_through_jacobian = reverse;
        check_generator(o);
    }
}

TEST_CASE("fuzz: random nested-derivative models agree in every mode", "[differential][nested]") {
    const auto count = env_number("SYMDIFF_FUZZ_NESTED_MODELS", 12);
    const auto first = env_number("SYMDIFF_FUZZ_SEED", 20240601);
    const auto batch = std::max<std::uint64_t>(1, env_number("SYMDIFF_FUZZ_BATCH", 24));
    const NestedGenOptions o = generator_options();
    DifferentialChecker checker(options());
    std::vector<std::string> unwritten;
    const double seconds = check_seeds(checker, first, count, batch,
                                       [&](std::uint64_t seed) { return random_nested_model(seed, o).text; }, unwritten);
    for (const std::string& e : unwritten)
        FAIL_CHECK(e);
    const DifferentialStats& s = checker.stats();
    WARN(s.models << " nested models (seeds " << first << ".." << first + count - 1 << "), "
                  << s.exports << " exports, " << s.points << " points (" << s.skipped_points
                  << " skipped), comparisons: " << s.simplified << " simplified, " << s.tape
                  << " tape (" << s.untaped << " derivatives of loops not taped), " << s.fd_compared
                  << " finite differences (" << s.fd_skipped << " unreliable), " << s.compiled
                  << " compiled in " << s.compiler_runs << " compiler runs; " << seconds
                  << " s (building drivers " << s.compile_seconds
                  << " s, checking headers that did not build " << s.check_seconds << " s)\n"
                  << summary(checker.findings()));
    report(checker.findings());
    CHECK(s.points >= static_cast<int>(count));
    CHECK(s.untaped > 0);
    CHECK(s.fd_compared > 10 * s.fd_skipped);
    CHECK(s.compiled >= s.points);
}
