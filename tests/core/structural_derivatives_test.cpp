// Derivative rules of every structural op of the table (iterated, so a new op fails until
// it has examples below): vjp against central differences of a random projection
// <g, op(x)>, jvp against central differences of op(x + t v), the adjoint identity
// <vjp(g), v> = <g, jvp(v)>, and the numeric instantiation of the same rules (T = Tensor,
// what a tape runs) against the symbolic one (T = Expr).
#include "core/differentiate.hpp"
#include "core/ops.hpp"
#include "tests/support/eval_helpers.hpp"
#include "tests/support/finite_diff.hpp"
#include "tests/support/random.hpp"
#include "tests/support/tensor_compare.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string_view>
#include <vector>

using namespace symdiff;
using namespace symdiff::test;

namespace {

struct Example {
    const char* label;
    std::vector<Shape> operands;
    Payload payload;
    Shape target;
};

// clang-format off
const std::map<std::string_view, std::vector<Example>>& examples() {
    static const std::map<std::string_view, std::vector<Example>> table = {
        {"broadcast", {{"[] to [2,3]", {{}}, {}, {2, 3}},
                       {"[3] to [2,3]", {{3}}, {}, {2, 3}},
                       {"[2,1] to [2,2,3]", {{2, 1}}, {}, {2, 2, 3}}}},
        {"sum_to", {{"[2,3] to []", {{2, 3}}, {}, {}},
                    {"[2,3] to [3]", {{2, 3}}, {}, {3}},
                    {"[2,2,3] to [2,1,1]", {{2, 2, 3}}, {}, {2, 1, 1}}}},
        {"logsumexp_to", {{"[4] to []", {{4}}, {}, {}},
                          {"[2,3] to [2,1]", {{2, 3}}, {}, {2, 1}},
                          {"[2,3] to [3]", {{2, 3}}, {}, {3}}}},
        {"max_to", {{"[4] to []", {{4}}, {}, {}},
                    {"[2,3] to [2,1]", {{2, 3}}, {}, {2, 1}},
                    {"[2,3] to [3]", {{2, 3}}, {}, {3}}}},
        {"min_to", {{"[4] to []", {{4}}, {}, {}},
                    {"[2,2,3] to [2,1,1]", {{2, 2, 3}}, {}, {2, 1, 1}}}},
        {"prod_to", {{"[4] to []", {{4}}, {}, {}},
                     {"[2,3] to [2,1]", {{2, 3}}, {}, {2, 1}},
                     {"[2,3] to [3]", {{2, 3}}, {}, {3}}}},
        {"reshape", {{"[2,3] to [3,2]", {{2, 3}}, {}, {3, 2}},
                     {"[6] to [1,2,3]", {{6}}, {}, {1, 2, 3}}}},
        {"transpose", {{"rank 2", {{2, 3}}, {}, {}},
                       {"rank 3", {{2, 3, 4}}, {}, {}},
                       {"rank 4", {{2, 1, 3, 2}}, {}, {}}}},
        {"matmul", {{"(m,k)@(k,n)", {{2, 3}, {3, 4}}, {}, {}},
                    {"(m,k)@(k)", {{2, 3}, {3}}, {}, {}},
                    {"(k)@(k,n)", {{3}, {3, 2}}, {}, {}},
                    {"(k)@(k)", {{3}, {3}}, {}, {}}}},
        {"slice", {{"window", {{3, 4}}, window({{1, 3}, {0, 2}}), {}},
                   {"row, dropped", {{3, 4}}, window({{1, 2}, {0, 4}}, 0b01), {}},
                   {"element, both dropped", {{3, 4}}, window({{2, 3}, {1, 2}}, 0b11), {}}}},
        {"embed", {{"window", {{2, 2}}, window({{1, 3}, {1, 3}}), {3, 4}},
                   {"row, dropped", {{4}}, window({{1, 2}, {0, 4}}, 0b01), {3, 4}}}},
        {"diag", {{"[3]", {{3}}, {}, {}}}},
        {"diag_part", {{"[3,3]", {{3, 3}}, {}, {}}}},
        {"tril", {{"[3,3]", {{3, 3}}, {}, {}}, {"[2,3]", {{2, 3}}, {}, {}}}},
    };
    return table;
}
// clang-format on

// A structural node with its operands, a cotangent and tangents as graph inputs.
struct Setup {
    Graph g;
    std::vector<Expr> xs, ts;
    Expr cot, y;
    Values at;

    Setup(Op op, const Example& ex, Rng& rng) {
        std::vector<NodeId> ids;
        for (std::size_t k = 0; k < ex.operands.size(); ++k) {
            xs.push_back(input(g, indexed("x", k), ex.operands[k]));
            ids.push_back(xs.back().id());
        }
        y = Expr(g, g.make(op, ids, ex.payload, ex.target));
        REQUIRE(y.node().op == op); // no fold: the example tests the op itself
        for (std::size_t k = 0; k < ex.operands.size(); ++k)
            ts.push_back(input(g, indexed("t", k), ex.operands[k]));
        cot = input(g, "g", y.shape());
        at = random_values(g, rng, -2.0, 2.0);
    }
    const Tensor& value(const Expr& e) const {
        return at[static_cast<std::size_t>(e.node().input_index())];
    }
};

template <class F> void for_each_structural_op(F&& f) {
    for (int k = 0; k < op_count; ++k)
        visit(static_cast<Op>(k), [&](auto entry) {
            using E = decltype(entry);
            // Jacobian loops have their own tests (jacobian_test.cpp), and the model's
            // loops theirs (tests/tools/loops_test.cpp): their operand is a body evaluated
            // per direction or step, not a value these examples could perturb.
            if constexpr (E::kind != OpKind::leaf && E::kind != OpKind::elementwise &&
                          E::kind != OpKind::loop && E::kind != OpKind::fold && E::kind != OpKind::element)
                f(entry, static_cast<Op>(k));
        });
}

// FD error for these (mostly linear) ops is rounding only, ~eps |f| / h ~ 1e-11.
constexpr Tolerance fd_tol{1e-8, 1e-9};

} // namespace

TEST_CASE("every structural op has derivative examples in this test", "[structural][diff]") {
    for_each_structural_op([](auto entry, Op) {
        using E = decltype(entry);
        INFO("op " << E::name << ": add examples to examples()");
        CHECK(examples().count(E::name) == 1);
    });
}

TEST_CASE("vjp of every structural op matches central differences of <g, op(x)>",
          "[structural][diff]") {
    Rng rng(404);
    for_each_structural_op([&](auto entry, Op op) {
        using E = decltype(entry);
        if (!examples().count(E::name))
            return;
        for (const Example& ex : examples().at(E::name)) {
            Setup s(op, ex, rng);
            const std::vector<Expr> d = vjp(s.y, s.xs, s.cot);
            const auto v = eval_all(s.g, d, s.at);
            const auto projection = [&](const Values& at) {
                return inner(s.value(s.cot), eval(s.y, at));
            };
            for (std::size_t k = 0; k < s.xs.size(); ++k) {
                REQUIRE(v[k].shape() == s.xs[k].shape());
                for (std::size_t i = 0; i < v[k].size(); ++i) {
                    const FdEstimate fd = partial(projection, s.at, static_cast<int>(k), i)[0];
                    INFO(E::name << " " << ex.label << ", operand " << k << "[" << i << "]: vjp "
                                 << v[k][i] << ", fd " << fd.value);
                    REQUIRE(fd.reliable);
                    CHECK(close(v[k][i], fd.value, fd_tol));
                }
            }
        }
    });
}

TEST_CASE("jvp of every structural op matches central differences of op(x + t v)",
          "[structural][diff]") {
    Rng rng(505);
    for_each_structural_op([&](auto entry, Op op) {
        using E = decltype(entry);
        if (!examples().count(E::name))
            return;
        for (const Example& ex : examples().at(E::name)) {
            Setup s(op, ex, rng);
            for (std::size_t k = 0; k < s.xs.size(); ++k) {
                const Tensor jv = eval(jvp(s.y, s.xs[k], s.ts[k]), s.at);
                const auto fd = directional([&](const Values& at) { return eval(s.y, at); }, s.at,
                                            static_cast<int>(k), s.value(s.ts[k]));
                REQUIRE(jv.shape() == s.y.shape());
                for (std::size_t i = 0; i < jv.size(); ++i) {
                    INFO(E::name << " " << ex.label << ", along operand " << k << ", element " << i
                                 << ": jvp " << jv[i] << ", fd " << fd[i].value);
                    REQUIRE(fd[i].reliable);
                    CHECK(close(jv[i], fd[i].value, fd_tol));
                }
            }
        }
    });
}

TEST_CASE("vjp and jvp of every structural op are adjoint: <vjp(g), v> = <g, jvp(v)>",
          "[structural][diff]") {
    Rng rng(606);
    for_each_structural_op([&](auto entry, Op op) {
        using E = decltype(entry);
        if (!examples().count(E::name))
            return;
        for (const Example& ex : examples().at(E::name)) {
            Setup s(op, ex, rng);
            const std::vector<Expr> back = vjp(s.y, s.xs, s.cot);
            for (std::size_t k = 0; k < s.xs.size(); ++k) {
                const std::vector<Expr> roots{back[k], jvp(s.y, s.xs[k], s.ts[k])};
                const auto v = eval_all(s.g, roots, s.at);
                const double lhs = inner(v[0], s.value(s.ts[k]));
                const double rhs = inner(s.value(s.cot), v[1]);
                INFO(E::name << " " << ex.label << ", operand " << k);
                CHECK(close(lhs, rhs, {1e-12, 1e-12}));
            }
        }
    });
}

TEST_CASE("the numeric rules (T = Tensor) agree with the symbolic ones (T = Expr)",
          "[structural][diff]") {
    Rng rng(707);
    for_each_structural_op([&](auto entry, Op op) {
        using E = decltype(entry);
        if (!examples().count(E::name))
            return;
        for (const Example& ex : examples().at(E::name)) {
            Setup s(op, ex, rng);
            std::vector<Tensor> x;
            for (const Expr& e : s.xs)
                x.push_back(s.value(e));
            const Tensor f = eval(s.y, s.at);
            const std::vector<Expr> back = vjp(s.y, s.xs, s.cot);
            for (std::size_t k = 0; k < s.xs.size(); ++k) {
                INFO(E::name << " " << ex.label << ", operand " << k);
                const Tensor numeric_vjp =
                    E::template vjp<Tensor>(static_cast<int>(k), x, f, s.value(s.cot), ex.payload);
                CHECK_THAT(numeric_vjp, IsClose(eval(back[k], s.at), {1e-14, 1e-14}));
                std::vector<std::optional<Tensor>> t(x.size());
                t[k] = s.value(s.ts[k]);
                const Tensor numeric_jvp = E::template jvp<Tensor>(x, f, t, ex.payload);
                CHECK_THAT(numeric_jvp,
                           IsClose(eval(jvp(s.y, s.xs[k], s.ts[k]), s.at), {1e-14, 1e-14}));
            }
        }
    });
}

TEST_CASE("jvp of a product whose operands share the variable adds both terms",
          "[structural][diff]") {
    Graph g;
    const Expr a = input(g, "a", {2, 2}), t = input(g, "t", {2, 2});
    const Expr y = matmul(a, a);
    const Values at{tensor({2, 2}, {1, 2, 3, 4}), tensor({2, 2}, {0.5, -1, 2, 0.25})};
    // d(A A) = T A + A T = [[-2.5, -3], [2.75, 5]] + [[4.5, -0.5], [9.5, -2]] (by hand)
    const Tensor want = tensor({2, 2}, {2, -3.5, 12.25, 3});
    CHECK_THAT(eval(jvp(y, a, t), at), IsClose(want, {1e-15, 0}));
    const auto fd = directional([&](const Values& v) { return eval(y, v); }, at, 0, at[1]);
    for (std::size_t i = 0; i < 4; ++i)
        CHECK(close(want[i], fd[i].value, fd_tol));
}
