// Every element-wise op of the table (found by iterating SYMDIFF_OPS, so a new op is
// tested without edits here, and fails until it has a reference formula below):
// its `eval` against an independent <cmath> formula, each `partials<double>` against
// central differences of `eval`, and the symbolic derivative (grad and jvp on a graph,
// run by the interpreter) against `partials<double>`, on points from its test_domain.
#include "core/differentiate.hpp"
#include "core/ops.hpp"
#include "tests/support/eval_helpers.hpp"
#include "tests/support/finite_diff.hpp"
#include "tests/support/random.hpp"
#include "tests/support/tensor_compare.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <numbers>
#include <functional>
#include <map>
#include <span>
#include <string_view>
#include <tuple>
#include <vector>

using namespace symdiff;
using namespace symdiff::test;

namespace {

using Formula = std::function<double(std::span<const double>)>;

// The test's own definition of each element-wise op, written from the mathematics
// (not from the op table's code).
// clang-format off
const std::map<std::string_view, Formula>& reference_formulas() {
    static const std::map<std::string_view, Formula> table = {
        {"neg",      [](auto x) { return 0.0 - x[0]; }},
        {"exp",      [](auto x) { return std::exp(x[0]); }},
        {"log",      [](auto x) { return std::log(x[0]); }},
        {"sqrt",     [](auto x) { return std::sqrt(x[0]); }},
        {"sin",      [](auto x) { return std::sin(x[0]); }},
        {"cos",      [](auto x) { return std::cos(x[0]); }},
        {"tan",      [](auto x) { return std::sin(x[0]) / std::cos(x[0]); }},
        {"tanh",     [](auto x) { return (std::exp(2 * x[0]) - 1) / (std::exp(2 * x[0]) + 1); }},
        {"sigmoid",  [](auto x) { return 1 / (1 + std::exp(-x[0])); }},
        {"relu",     [](auto x) { return x[0] < 0 ? 0.0 : x[0]; }},
        {"abs",      [](auto x) { return x[0] < 0 ? -x[0] : x[0]; }},
        {"log1p",    [](auto x) { return std::log(1 + x[0]); }},
        {"expm1",    [](auto x) { return std::exp(x[0]) - 1; }},
        {"softplus", [](auto x) { return std::log(1 + std::exp(x[0])); }},
        {"erf",      [](auto x) { return 1 - std::erfc(x[0]); }},
        {"asin",     [](auto x) { return std::atan(x[0] / std::sqrt(1 - x[0] * x[0])); }},
        {"acos",     [](auto x) { return std::numbers::pi / 2 - std::asin(x[0]); }},
        {"atan",     [](auto x) { return std::asin(x[0] / std::sqrt(1 + x[0] * x[0])); }},
        {"sinh",     [](auto x) { return (std::exp(x[0]) - std::exp(-x[0])) / 2; }},
        {"cosh",     [](auto x) { return (std::exp(x[0]) + std::exp(-x[0])) / 2; }},
        {"asinh",    [](auto x) { return std::log(x[0] + std::sqrt(x[0] * x[0] + 1)); }},
        {"acosh",    [](auto x) { return std::log(x[0] + std::sqrt(x[0] * x[0] - 1)); }},
        {"atanh",    [](auto x) { return 0.5 * std::log((1 + x[0]) / (1 - x[0])); }},
        {"erfc",     [](auto x) { return 1 - std::erf(x[0]); }},
        {"log2",     [](auto x) { return std::log(x[0]) / std::log(2.0); }},
        {"log10",    [](auto x) { return std::log(x[0]) / std::log(10.0); }},
        {"cbrt",     [](auto x) { return std::pow(x[0], 1.0 / 3.0); }},
        {"sign",     [](auto x) { return static_cast<double>((x[0] > 0) - (x[0] < 0)); }},
        {"add",      [](auto x) { return x[0] + x[1]; }},
        {"sub",      [](auto x) { return x[0] - x[1]; }},
        {"mul",      [](auto x) { return x[0] * x[1]; }},
        {"strong_mul", [](auto x) { return x[0] == 0 || x[1] == 0 ? 0.0 : x[0] * x[1]; }},
        {"div",      [](auto x) { return x[0] / x[1]; }},
        {"pow",      [](auto x) { return std::exp(x[1] * std::log(x[0])); }},
        {"max",      [](auto x) { return std::fmax(x[0], x[1]); }},
        {"min",      [](auto x) { return std::fmin(x[0], x[1]); }},
        {"lt",       [](auto x) { return x[0] < x[1] ? 1.0 : 0.0; }},
        {"le",       [](auto x) { return x[0] <= x[1] ? 1.0 : 0.0; }},
        {"gt",       [](auto x) { return x[0] > x[1] ? 1.0 : 0.0; }},
        {"ge",       [](auto x) { return x[0] >= x[1] ? 1.0 : 0.0; }},
        {"atan2",    [](auto x) { return 2 * std::atan(x[0] / (std::hypot(x[0], x[1]) + x[1])); }},
        {"hypot",    [](auto x) { return std::sqrt(x[0] * x[0] + x[1] * x[1]); }},
        {"eq",       [](auto x) { return x[0] == x[1] ? 1.0 : 0.0; }},
        {"ne",       [](auto x) { return x[0] != x[1] ? 1.0 : 0.0; }},
        {"where",    [](auto x) { return x[0] != 0 ? x[1] : x[2]; }},
        {"logical_and", [](auto x) { return static_cast<double>((x[0] != 0) * (x[1] != 0)); }},
        {"logical_or",  [](auto x) { return (x[0] != 0) + (x[1] != 0) > 0 ? 1.0 : 0.0; }},
        {"logical_not", [](auto x) { return 1.0 - (x[0] != 0); }},
    };
    return table;
}
// clang-format on

template <class E> using Args = std::array<double, static_cast<std::size_t>(E::arity)>;

template <class E> double eval_of(const Args<E>& x) {
    return std::apply([](auto... v) { return E::eval(v...); }, x);
}

template <class E> Args<E> partials_of(const Args<E>& x) {
    const double f = eval_of<E>(x);
    return std::apply([f](auto... v) { return E::template partials<double>(v..., f); }, x);
}

constexpr int hand_picked_points(int arity) { return arity >= 2 ? 5 : 3; }

// Points of the op's test domain: its corners, ties between operands (where max, min and
// the comparisons switch), zero where the domain holds it (the kinks of relu and abs), and
// `random` uniform points.
template <class E> std::vector<Args<E>> sample_points(Rng& rng, int random) {
    constexpr std::size_t n = static_cast<std::size_t>(E::arity);
    std::vector<Args<E>> pts;
    Args<E> lo{}, hi{}, zero{};
    for (std::size_t k = 0; k < n; ++k) {
        lo[k] = E::test_domain[k].lo;
        hi[k] = E::test_domain[k].hi;
        zero[k] = std::clamp(0.0, lo[k], hi[k]);
    }
    pts.push_back(lo);
    pts.push_back(hi);
    pts.push_back(zero);
    if constexpr (n >= 2) {
        Args<E> tie = lo;
        tie[1] = tie[0] = std::max(lo[0], lo[1]);
        pts.push_back(tie);
        tie[1] = tie[0] = std::clamp(0.7, std::max(lo[0], lo[1]), std::min(hi[0], hi[1]));
        pts.push_back(tie);
    }
    for (int i = 0; i < random; ++i) {
        Args<E> p{};
        for (std::size_t k = 0; k < n; ++k)
            p[k] = rng.real(lo[k], hi[k]);
        pts.push_back(p);
    }
    return pts;
}

// Calls f(entry) for every element-wise op of the table.
template <class F> void for_each_elementwise_op(F&& f) {
    for (int k = 0; k < op_count; ++k)
        visit(static_cast<Op>(k), [&](auto entry) {
            using E = decltype(entry);
            if constexpr (E::kind == OpKind::elementwise)
                f(entry);
        });
}

} // namespace

TEST_CASE("every element-wise op has a reference formula in this test", "[ops]") {
    for_each_elementwise_op([](auto entry) {
        using E = decltype(entry);
        INFO("op " << E::name << ": add its formula to reference_formulas()");
        CHECK(reference_formulas().count(E::name) == 1);
    });
}

TEST_CASE("eval of every element-wise op matches its reference formula", "[ops]") {
    Rng rng(101);
    for_each_elementwise_op([&](auto entry) {
        using E = decltype(entry);
        const auto it = reference_formulas().find(E::name);
        if (it == reference_formulas().end())
            return; // reported by the test above
        for (const auto& x : sample_points<E>(rng, 200)) {
            const double want = it->second(x), got = eval_of<E>(x);
            INFO(E::name << " at (" << x[0] << (E::arity > 1 ? ", ..." : "") << "): " << got
                         << " vs " << want);
            // The formulas differ from the table's in rounding only (tan = sin/cos, pow via
            // exp/log, log(1 + x) for log1p away from 0): a few ulps, 1e-13 relative.
            CHECK(close(got, want, {1e-13, 1e-15}));
            // The dispatcher used by the interpreter and folding gives the same numbers.
            CHECK(eval_elementwise(*op_named(E::name), x) == got);
        }
    });
}

TEST_CASE("each partial of every element-wise op matches central differences of eval", "[ops]") {
    Rng rng(202);
    for_each_elementwise_op([&](auto entry) {
        using E = decltype(entry);
        FdTally tally;
        for (const auto& x : sample_points<E>(rng, 100)) {
            const Args<E> p = partials_of<E>(x);
            for (std::size_t i = 0; i < x.size(); ++i) {
                Args<E> y = x;
                const FdEstimate fd = derivative(
                    [&](double t) {
                        y[i] = x[i] + t;
                        return eval_of<E>(y);
                    },
                    fd_step(x[i]))[0];
                if (!fd.reliable) { // a kink or a switch inside the stencil
                    ++tally.skipped;
                    continue;
                }
                ++tally.compared;
                INFO(E::name << ": d/d operand " << i << " at (" << x[0]
                             << (E::arity > 1 ? ", " + std::to_string(x[1]) : "") << "): partial "
                             << p[i] << ", fd " << fd.value);
                // FD error here: truncation O(h^4 f^(5)) < 1e-12 and rounding
                // ~eps |f| / h < 1e-10 for |f| < 100 on these domains; 1e-8 leaves margin.
                CHECK(close(p[i], fd.value, {1e-8, 1e-8}));
            }
        }
        INFO(E::name << ": compared " << tally.compared << ", skipped " << tally.skipped);
        // Only the hand-picked points (corners, zero, ties) may be skipped.
        CHECK(tally.skipped <= hand_picked_points(E::arity) * E::arity);
    });
}

TEST_CASE("the symbolic derivative of every element-wise op equals partials<double>",
          "[ops][diff]") {
    Rng rng(303);
    for_each_elementwise_op([&](auto entry) {
        using E = decltype(entry);
        constexpr std::size_t n = static_cast<std::size_t>(E::arity);
        const auto pts = sample_points<E>(rng, 50);
        const auto count = static_cast<std::int64_t>(pts.size());
        // One graph per op: operand k is a vector input holding coordinate k of every point.
        Graph g;
        std::vector<Expr> xs;
        Values at;
        for (std::size_t k = 0; k < n; ++k) {
            xs.push_back(input(g, std::string(1, static_cast<char>('a' + k)), Shape{count}));
            Tensor t(Shape{count});
            for (std::size_t i = 0; i < pts.size(); ++i)
                t[i] = pts[i][k];
            at.push_back(t);
        }
        Expr y;
        if constexpr (n == 1)
            y = elementwise(*op_named(E::name), {xs[0]});
        else if constexpr (n == 2)
            y = elementwise(*op_named(E::name), {xs[0], xs[1]});
        else
            y = elementwise(*op_named(E::name), {xs[0], xs[1], xs[2]});
        const std::vector<Expr> d = grad(sum(y), xs); // d sum(y) / d x_k = partial k
        std::vector<Expr> roots{y};
        roots.insert(roots.end(), d.begin(), d.end());
        for (std::size_t k = 0; k < n; ++k)
            roots.push_back(jvp(y, xs[k], ones(g, xs[k].shape())));
        const auto v = eval_all(g, roots, at);
        for (std::size_t i = 0; i < pts.size(); ++i) {
            const Args<E> p = partials_of<E>(pts[i]);
            INFO(E::name << " at point " << i << " (" << pts[i][0] << ", ...)");
            CHECK(v[0][i] == eval_of<E>(pts[i]));
            for (std::size_t k = 0; k < n; ++k) {
                INFO("operand " << k << ": partial " << p[k] << ", grad " << v[1 + k][i] << ", jvp "
                                << v[1 + n + k][i]);
                // The graph applies the same rule, times a seed of exactly 1.
                CHECK(close(v[1 + k][i], p[k], {1e-15, 0.0}));
                CHECK(close(v[1 + n + k][i], p[k], {1e-15, 0.0}));
            }
        }
    });
}
