// Names at the edge of emission: names the emitter must reject (C++ keywords, names
// ending in '_', `std`, reserved identifiers, generated names that collide) throw
// symdiff::Error with a message naming the culprit; names it accepts must give a header
// that compiles. Headers that might not compile are checked by compile probes at test
// time (never in the build, which they would break).
#include "tests/codegen/test_support.hpp"

#include "codegen/emit.hpp"
#include "core/error.hpp"
#include "core/expr.hpp"

#include <catch2/catch.hpp>

namespace symdiff::test {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::Message;
using Catch::Matchers::Predicate;

// One graph with inputs named as asked, and functions over them.
struct Names {
    Graph g;
    std::vector<Function> fns;

    Expr in(const std::string& name, const Shape& shape = {}) { return input(g, name, shape); }
    void fn(const std::string& name, std::vector<Expr> params,
            std::vector<std::pair<std::string, Expr>> results) {
        Function f;
        f.name = name;
        for (const Expr& p : params)
            f.params.push_back(p.id());
        for (const auto& [n, e] : results)
            f.results.push_back({n, e.id()});
        fns.push_back(std::move(f));
    }
    std::string emit(const std::string& ns = "names") const {
        return codegen::emit_header(g, fns, {ns, "names_test"});
    }
};

// A function `f(x) -> y` whose parameter, result, function and namespace names are
// as given.
std::string emit_one(const std::string& param, const std::string& result = "y",
                     const std::string& function = "f", const std::string& ns = "names") {
    Names n;
    const Expr x = n.in(param, {2});
    n.fn(function, {x}, {{result, sin(x)}});
    return n.emit(ns);
}

TEST_CASE("a C++ keyword as a name is rejected", "[names]") {
    // an input's name is checked where the input is made
    CHECK_THROWS_MATCHES(emit_one("class"), Error, Message("input name 'class' is a C++ keyword"));
    CHECK_THROWS_WITH(emit_one("x", "return"), Contains("'return'") && Contains("keyword"));
    CHECK_THROWS_WITH(emit_one("x", "y", "int"), Contains("'int'") && Contains("keyword"));
    CHECK_THROWS_WITH(emit_one("x", "y", "f", "namespace"),
                      Contains("'namespace'") && Contains("keyword"));
    CHECK_THROWS_WITH(emit_one("and"), Contains("'and'") && Contains("keyword"));
    CHECK_THROWS_WITH(emit_one("co_await"), Contains("'co_await'") && Contains("keyword"));
}

TEST_CASE("a name ending in '_' is rejected", "[names]") {
    CHECK_THROWS_WITH(emit_one("x_"), Contains("'x_'") && Contains("'_'"));
    CHECK_THROWS_WITH(emit_one("x", "work_"), Contains("'work_'"));
    CHECK_THROWS_WITH(emit_one("x", "y", "f_"), Contains("'f_'"));
    CHECK_THROWS_WITH(emit_one("x", "y", "f", "ns_"), Contains("'ns_'"));
}

TEST_CASE("std and the runtime's namespace are rejected as names", "[names]") {
    CHECK_THROWS_WITH(emit_one("std"), Contains("'std'") && Contains("reserved"));
    CHECK_THROWS_WITH(emit_one("x", "std"), Contains("'std'"));
    CHECK_THROWS_WITH(emit_one("x", "y", "std"), Contains("'std'"));
    CHECK_THROWS_WITH(emit_one("x", "y", "f", "std"), Contains("'std'"));
    CHECK_THROWS_WITH(emit_one("symdiff_rt"), Contains("'symdiff_rt'"));
}

TEST_CASE("identifiers reserved by the standard and non-identifiers are rejected", "[names]") {
    CHECK_THROWS_WITH(emit_one("a__b"), Contains("'a__b'") && Contains("reserved"));
    CHECK_THROWS_WITH(emit_one("_X"), Contains("'_X'") && Contains("reserved"));
    CHECK_THROWS_WITH(emit_one("2x"), Contains("'2x'") && Contains("identifier"));
    CHECK_THROWS_WITH(emit_one("x", "y", "f", "a-b"), Contains("'a-b'") && Contains("identifier"));
    CHECK_THROWS_WITH(emit_one("x", "y", "f", ""), Contains("identifier"));
}

TEST_CASE("functions whose generated names collide are rejected", "[names]") {
    for (const std::string second : {"f_info", "f_work_size", "f"}) {
        INFO("functions 'f' and '" << second << "'");
        Names n;
        const Expr x = n.in("x", {2});
        n.fn("f", {x}, {{"y", sin(x)}});
        n.fn(second, {x}, {{"y", cos(x)}});
        CHECK_THROWS_MATCHES(n.emit(), Error,
                             Predicate<std::exception>(
                                 [&](const std::exception& e) {
                                     const std::string m = e.what();
                                     return m.find("'" + second + "'") != std::string::npos &&
                                            m.find("collides") != std::string::npos;
                                 },
                                 "names the colliding generated name"));
    }
    // The same, declared the other way round.
    Names n;
    const Expr x = n.in("x", {2});
    n.fn("g_info", {x}, {{"y", sin(x)}});
    n.fn("g", {x}, {{"y", cos(x)}});
    CHECK_THROWS_WITH(n.emit(), Contains("g_info") && Contains("collides"));
}

TEST_CASE("a result named like a parameter, or twice, is rejected", "[names]") {
    CHECK_THROWS_WITH(emit_one("x", "x"), Contains("'x'"));
    Names n;
    const Expr x = n.in("x", {2});
    n.fn("f", {x}, {{"y", sin(x)}, {"y", cos(x)}});
    CHECK_THROWS_WITH(n.emit(), Contains("'y'"));
}

TEST_CASE("a parameter listed twice is rejected", "[names]") {
    Names n;
    const Expr x = n.in("x", {2});
    n.fn("f", {x, x}, {{"r", sin(x)}});
    CHECK_THROWS_WITH(n.emit(), Contains("'x'"));
}

TEST_CASE("a parameter that is not an input is rejected", "[names]") {
    Names n;
    const Expr x = n.in("x", {2});
    const Expr y = sin(x);
    n.fn("f", {y}, {{"r", cos(x)}});
    CHECK_THROWS_AS(n.emit(), Error);
}

TEST_CASE("a result depending on a missing parameter is rejected, naming the input", "[names]") {
    Names n;
    const Expr x = n.in("x", {2}), w = n.in("w", {2});
    n.fn("f", {x}, {{"r", x * w}});
    CHECK_THROWS_WITH(n.emit(), Contains("'w'") && Contains("'f'"));
}

// --- names that are legal and must compile ------------------------------------------

void require_compiles(const std::string& stem, const std::string& header,
                      const std::string& extra_flags = "") {
    if (!have_probe_compiler()) {
        WARN("no g++ found: compile probe skipped");
        return;
    }
    const ProbeResult r = compile_probe(stem, header, extra_flags);
    INFO("compiler output:\n" << r.output);
    CHECK(r.compiled);
}

TEST_CASE("names the emitter might use itself compile as parameters and results",
          "[names][probe]") {
    // Plain words near the emitter's own vocabulary (which always ends in '_').
    Names n;
    std::vector<Expr> params;
    for (const char* name : {"work",
                             "acc",
                             "max",
                             "sum",
                             "v",
                             "t0",
                             "i0",
                             "exp",
                             "sqrt",
                             "size_t",
                             "ptrdiff_t",
                             "array",
                             "numeric_limits",
                             "isfinite",
                             "unique_ptr",
                             "symdiff",
                             "name",
                             "inputs",
                             "work_size",
                             "info"})
        params.push_back(n.in(name, {2}));
    Expr total = params[0];
    for (std::size_t i = 1; i < params.size(); ++i)
        total = total * params[i] + exp(params[i]);
    n.fn("g", params,
         {{"acc_sum", sum(total)}, {"max_v", logsumexp(total)}, {"inputs_out", total}});
    require_compiles("emitter_words", n.emit("work"));
}

TEST_CASE("a function named like the namespace, or like another function's parameter, compiles",
          "[names][probe]") {
    Names n;
    const Expr x = n.in("x", {3}), g = n.in("g", {3});
    n.fn("names", {x}, {{"y", sin(x)}});
    n.fn("g", {x}, {{"r", sum(x)}});
    n.fn("h", {g, x}, {{"r", sum(g * x)}});
    require_compiles("function_like_namespace", n.emit("names"));
}

TEST_CASE("a parameter named like the namespace compiles", "[names][probe]") {
    require_compiles("param_like_namespace", emit_one("names", "y", "f", "names"));
}

TEST_CASE("a header without functions compiles", "[names][probe]") {
    Names n;
    n.in("x");
    require_compiles("no_functions", n.emit());
}

// The source name is printed into the header's opening comment.
TEST_CASE("a source name with a line break still gives a valid header",
          "[names][probe]") {
    Names n;
    const Expr x = n.in("x", {2});
    n.fn("f", {x}, {{"y", sin(x)}});
    require_compiles("source_name_newline",
                     codegen::emit_header(n.g, n.fns, {"names", "odd\nname.sd"}));
}

// The allocating overload calls its function, which a parameter or result of the same
// name would hide from an unqualified call.
TEST_CASE("a parameter named like its function compiles, or is rejected", "[names][probe]") {
    std::string header;
    try {
        header = emit_one("f", "y", "f");
    } catch (const Error&) {
        SUCCEED("rejected");
        return;
    }
    require_compiles("param_like_function", header);
}

TEST_CASE("a result named like its function compiles, or is rejected", "[names][probe]") {
    std::string header;
    try {
        header = emit_one("x", "f", "f");
    } catch (const Error&) {
        SUCCEED("rejected");
        return;
    }
    require_compiles("result_like_function", header);
}

// The allocating overload names FN_work_size, which a parameter of that name would hide.
TEST_CASE("a parameter named FN_work_size compiles, or is rejected", "[names][probe]") {
    Names n;
    const Expr x = n.in("f_work_size", {5000}); // large: the heap path names f_work_size too
    n.fn("f", {x}, {{"y", sin(x) * 2.0 + cos(x)}, {"z", sum(sin(x)) * x}});
    std::string header;
    try {
        header = n.emit();
    } catch (const Error&) {
        SUCCEED("rejected");
        return;
    }
    require_compiles("param_like_work_size", header);
}

// Emitter bug (reported): the allocating overload calls `::names::nothing(, nullptr)`.
TEST_CASE("a function without parameters or results compiles, or is rejected",
          "[names][probe]") {
    Names n;
    n.in("x");
    n.fn("nothing", {}, {});
    std::string header;
    try {
        header = n.emit();
    } catch (const Error&) {
        SUCCEED("rejected");
        return;
    }
    require_compiles("no_params_no_results", header);
}

// Loop-invariant values hoisted out of two kernels of one function must not share a
// name (fixed in 870c151).
TEST_CASE("temporaries of two hoisting kernels do not clash", "[names][probe]") {
    Names n;
    const Expr s = n.in("s");
    const Expr f = sum(sin(broadcast(s, {3}))) + sum(cos(broadcast(s, {2})));
    n.fn("f", {s}, {{"r", f}});
    require_compiles("hoisted_temporaries", n.emit());
}

// <cmath> and <cstddef>, which every header includes, define these as macros; the
// emitter neither rejects them nor avoids them (reported).
TEST_CASE("macro names of the included standard headers compile as names, or are rejected",
          "[names][probe]") {
    for (const char* name :
         {"NAN", "INFINITY", "HUGE_VAL", "FP_NAN", "math_errhandling", "NULL", "offsetof"}) {
        INFO("parameter named " << name);
        std::string header;
        try {
            header = emit_one(name);
        } catch (const Error&) {
            continue;
        }
        require_compiles(std::string("macro_") + name, header);
    }
}

} // namespace
} // namespace symdiff::test
