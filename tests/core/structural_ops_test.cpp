// Values of the structural ops on small tensors, against tensors computed by hand (and,
// for exhaustive shape patterns, against naive multi-index loops written here): broadcast
// and sum_to for every rank pattern, logsumexp_to with large and -inf entries, reshape,
// transpose of ranks 0-4, the four forms of @, slice with dropped axes, embed, diag,
// diag_part, tril. Each is run by the interpreter on a graph and by `apply` directly.
#include "core/ops.hpp"
#include "core/tensor.hpp"
#include "tests/support/eval_helpers.hpp"
#include "tests/support/tensor_compare.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

using namespace symdiff;
using namespace symdiff::test;

namespace {

const double inf = std::numeric_limits<double>::infinity();

// op(xs) with `payload` and `target`, evaluated by the interpreter; also checks that
// `apply` on the same tensors gives bitwise the same result.
Tensor run(Op op, std::vector<Tensor> xs, const Payload& payload = {}, const Shape& target = {}) {
    Graph g;
    std::vector<NodeId> ids;
    Values values;
    for (std::size_t k = 0; k < xs.size(); ++k) {
        ids.push_back(g.add_input(std::string(1, static_cast<char>('a' + k)), xs[k].shape()));
        values.push_back(xs[k]);
    }
    const Expr y(g, g.make(op, ids, payload, target));
    const Tensor via_graph = eval(y, values);
    std::vector<const Tensor*> args;
    for (const Tensor& x : xs)
        args.push_back(&x);
    const Tensor direct = apply(op, args, payload, target.rank() ? target : via_graph.shape());
    CHECK_THAT(direct, IsExactly(via_graph));
    return via_graph;
}

Tensor iota(const Shape& s, double start = 1.0) {
    Tensor t(s);
    for (std::size_t i = 0; i < t.size(); ++i)
        t[i] = start + static_cast<double>(i);
    return t;
}

// --- naive references over multi-indices

using Index = std::array<std::int64_t, Shape::max_rank>;

Index unravel(std::int64_t flat, const Shape& s) {
    Index idx{};
    for (int k = s.rank() - 1; k >= 0; --k) {
        idx[static_cast<std::size_t>(k)] = flat % s[k];
        flat /= s[k];
    }
    return idx;
}

std::int64_t ravel(const Index& idx, const Shape& s) {
    std::int64_t flat = 0;
    for (int k = 0; k < s.rank(); ++k)
        flat = flat * s[k] + idx[static_cast<std::size_t>(k)];
    return flat;
}

// The element of small (aligned right, extent-1 axes repeat) that big's index reads.
std::int64_t broadcast_source(const Index& big_idx, const Shape& big, const Shape& small) {
    Index idx{};
    for (int k = 0; k < small.rank(); ++k) {
        const int kb = k + big.rank() - small.rank();
        idx[static_cast<std::size_t>(k)] =
            small[k] == 1 ? 0 : big_idx[static_cast<std::size_t>(kb)];
    }
    return ravel(idx, small);
}

Tensor broadcast_ref(const Tensor& x, const Shape& to) {
    Tensor out(to);
    for (std::int64_t i = 0; i < to.size(); ++i)
        out[static_cast<std::size_t>(i)] =
            x[static_cast<std::size_t>(broadcast_source(unravel(i, to), to, x.shape()))];
    return out;
}

Tensor sum_to_ref(const Tensor& x, const Shape& to) {
    Tensor out(to);
    for (std::int64_t i = 0; i < x.shape().size(); ++i)
        out[static_cast<std::size_t>(broadcast_source(unravel(i, x.shape()), x.shape(), to))] +=
            x[static_cast<std::size_t>(i)];
    return out;
}

Tensor transpose_ref(const Tensor& x) {
    const Shape& s = x.shape();
    const int r = s.rank();
    std::vector<std::int64_t> d;
    for (int k = r - 1; k >= 0; --k)
        d.push_back(s[k]);
    const Shape ts(d);
    Tensor out(ts);
    for (std::int64_t i = 0; i < s.size(); ++i) {
        const Index idx = unravel(i, s);
        Index tidx{};
        for (int k = 0; k < r; ++k)
            tidx[static_cast<std::size_t>(k)] = idx[static_cast<std::size_t>(r - 1 - k)];
        out[static_cast<std::size_t>(ravel(tidx, ts))] = x[static_cast<std::size_t>(i)];
    }
    return out;
}

// Every shape of rank `rank` with extents 1 or the matching entry of `dims`.
std::vector<Shape> one_patterns(const std::vector<std::int64_t>& dims) {
    std::vector<Shape> out;
    const std::size_t r = dims.size();
    for (unsigned mask = 0; mask < (1u << r); ++mask) {
        std::vector<std::int64_t> d = dims;
        for (std::size_t k = 0; k < r; ++k)
            if (mask >> k & 1u)
                d[k] = 1;
        out.push_back(Shape(d));
    }
    return out;
}

} // namespace

TEST_CASE("broadcast repeats along new and extent-1 axes", "[structural]") {
    CHECK_THAT(run(Op::Broadcast, {Tensor(5.0)}, {}, {2, 3}),
               IsExactly(tensor({2, 3}, {5, 5, 5, 5, 5, 5})));
    CHECK_THAT(run(Op::Broadcast, {tensor({3}, {1, 2, 3})}, {}, {2, 3}),
               IsExactly(tensor({2, 3}, {1, 2, 3, 1, 2, 3})));
    CHECK_THAT(run(Op::Broadcast, {tensor({2, 1}, {1, 2})}, {}, {2, 3}),
               IsExactly(tensor({2, 3}, {1, 1, 1, 2, 2, 2})));
    CHECK_THAT(run(Op::Broadcast, {tensor({1, 3}, {1, 2, 3})}, {}, {2, 3}),
               IsExactly(tensor({2, 3}, {1, 2, 3, 1, 2, 3})));
    CHECK_THAT(run(Op::Broadcast, {iota({2, 1, 3})}, {}, {2, 2, 3}),
               IsExactly(tensor({2, 2, 3}, {1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6})));
    CHECK_THAT(run(Op::Broadcast, {tensor({1}, {7})}, {}, {1, 1, 2}),
               IsExactly(tensor({1, 1, 2}, {7, 7})));
}

TEST_CASE("broadcast of every rank pattern up to rank 4 matches the reference", "[structural]") {
    const std::vector<std::int64_t> full{2, 3, 2, 3};
    int patterns = 0;
    for (std::size_t out_rank = 0; out_rank <= 4; ++out_rank) {
        const std::vector<std::int64_t> out_dims(full.begin(), full.begin() + out_rank);
        const Shape to(out_dims);
        for (std::size_t in_rank = 0; in_rank <= out_rank; ++in_rank)
            for (const Shape& from : one_patterns(std::vector<std::int64_t>(
                     out_dims.end() - static_cast<std::ptrdiff_t>(in_rank), out_dims.end()))) {
                INFO(from.str() << " to " << to.str());
                const Tensor x = iota(from);
                CHECK_THAT(run(Op::Broadcast, {x}, {}, to), IsExactly(broadcast_ref(x, to)));
                ++patterns;
            }
    }
    CHECK(patterns == 1 + 3 + 7 + 15 + 31);
}

TEST_CASE("sum_to adds over the axes a broadcast would repeat", "[structural]") {
    const Tensor x = iota({2, 3}); // 1 2 3 / 4 5 6
    CHECK_THAT(run(Op::SumTo, {x}, {}, {}), IsExactly(Tensor(21.0)));
    CHECK_THAT(run(Op::SumTo, {x}, {}, {3}), IsExactly(tensor({3}, {5, 7, 9})));
    CHECK_THAT(run(Op::SumTo, {x}, {}, {1, 3}), IsExactly(tensor({1, 3}, {5, 7, 9})));
    CHECK_THAT(run(Op::SumTo, {x}, {}, {2, 1}), IsExactly(tensor({2, 1}, {6, 15})));
    CHECK_THAT(run(Op::SumTo, {x}, {}, {1}), IsExactly(tensor({1}, {21})));
}

TEST_CASE("sum_to of every rank pattern up to rank 4 matches the reference", "[structural]") {
    const std::vector<std::int64_t> full{2, 3, 2, 3};
    for (std::size_t in_rank = 0; in_rank <= 4; ++in_rank) {
        const std::vector<std::int64_t> in_dims(full.begin(), full.begin() + in_rank);
        const Shape from(in_dims);
        const Tensor x = iota(from);
        for (std::size_t out_rank = 0; out_rank <= in_rank; ++out_rank)
            for (const Shape& to : one_patterns(std::vector<std::int64_t>(
                     in_dims.end() - static_cast<std::ptrdiff_t>(out_rank), in_dims.end()))) {
                INFO(from.str() << " to " << to.str());
                CHECK_THAT(run(Op::SumTo, {x}, {}, to), IsExactly(sum_to_ref(x, to)));
            }
    }
}

TEST_CASE("logsumexp_to is log(sum(exp)) computed without overflow", "[structural]") {
    SECTION("small values") {
        CHECK_THAT(run(Op::LogSumExpTo, {tensor({2}, {0, 0})}, {}, {}),
                   IsClose(Tensor(std::log(2.0))));
        CHECK_THAT(run(Op::LogSumExpTo, {tensor({2, 2}, {1, 2, 3, 4})}, {}, {2, 1}),
                   IsClose(tensor({2, 1}, {std::log(std::exp(1.0) + std::exp(2.0)),
                                           std::log(std::exp(3.0) + std::exp(4.0))})));
        CHECK_THAT(run(Op::LogSumExpTo, {tensor({2, 2}, {1, 2, 3, 4})}, {}, {2}),
                   IsClose(tensor({2}, {std::log(std::exp(1.0) + std::exp(3.0)),
                                        std::log(std::exp(2.0) + std::exp(4.0))})));
    }
    SECTION("values near 1000 where exp overflows") {
        CHECK_THAT(run(Op::LogSumExpTo, {tensor({4}, {1000, 1000, 1000, 1000})}, {}, {}),
                   IsClose(Tensor(1000 + std::log(4.0))));
        CHECK_THAT(run(Op::LogSumExpTo, {tensor({2}, {1000, 999})}, {}, {}),
                   IsClose(Tensor(1000 + std::log1p(std::exp(-1.0)))));
        CHECK_THAT(run(Op::LogSumExpTo, {tensor({3}, {-1000, -1000, -1000})}, {}, {}),
                   IsClose(Tensor(-1000 + std::log(3.0))));
    }
    SECTION("-inf entries contribute nothing; all -inf gives -inf") {
        CHECK_THAT(run(Op::LogSumExpTo, {tensor({2, 2}, {0, -inf, -inf, -inf})}, {}, {2, 1}),
                   IsExactly(tensor({2, 1}, {0, -inf})));
        CHECK_THAT(
            run(Op::LogSumExpTo, {tensor({3}, {-inf, std::log(2.0), std::log(3.0)})}, {}, {}),
            IsClose(Tensor(std::log(5.0))));
    }
    SECTION("+inf and NaN propagate") {
        CHECK_THAT(run(Op::LogSumExpTo, {tensor({2}, {inf, 1})}, {}, {}), IsExactly(Tensor(inf)));
        CHECK(std::isnan(run(Op::LogSumExpTo, {tensor({2}, {std::nan(""), 1})}, {}, {})[0]));
    }
}

TEST_CASE("reshape keeps the elements in row-major order", "[structural]") {
    const Tensor x = iota({2, 3});
    CHECK_THAT(run(Op::Reshape, {x}, {}, {3, 2}), IsExactly(tensor({3, 2}, {1, 2, 3, 4, 5, 6})));
    CHECK_THAT(run(Op::Reshape, {x}, {}, {6}), IsExactly(tensor({6}, {1, 2, 3, 4, 5, 6})));
    CHECK_THAT(run(Op::Reshape, {x}, {}, {1, 2, 1, 3}),
               IsExactly(tensor({1, 2, 1, 3}, {1, 2, 3, 4, 5, 6})));
    CHECK_THAT(run(Op::Reshape, {tensor({1, 1}, {4})}, {}, {}), IsExactly(Tensor(4.0)));
}

TEST_CASE("transpose reverses the axes, for ranks 0 to 4", "[structural]") {
    SECTION("ranks 0 and 1 are unchanged") {
        CHECK_THAT(run(Op::Transpose, {Tensor(5.0)}), IsExactly(Tensor(5.0)));
        CHECK_THAT(run(Op::Transpose, {tensor({3}, {1, 2, 3})}), IsExactly(tensor({3}, {1, 2, 3})));
    }
    SECTION("rank 2") {
        CHECK_THAT(run(Op::Transpose, {iota({2, 3})}),
                   IsExactly(tensor({3, 2}, {1, 4, 2, 5, 3, 6})));
    }
    SECTION("rank 3: out[a,b,c] = x[c,b,a]") {
        CHECK_THAT(run(Op::Transpose, {iota({2, 2, 2}, 0)}),
                   IsExactly(tensor({2, 2, 2}, {0, 4, 2, 6, 1, 5, 3, 7})));
        CHECK_THAT(run(Op::Transpose, {iota({1, 2, 3}, 0)}),
                   IsExactly(tensor({3, 2, 1}, {0, 3, 1, 4, 2, 5})));
    }
    SECTION("rank 4") {
        CHECK_THAT(run(Op::Transpose, {iota({2, 1, 1, 2}, 0)}),
                   IsExactly(tensor({2, 1, 1, 2}, {0, 2, 1, 3})));
        const Tensor x = iota({2, 3, 1, 4});
        CHECK_THAT(run(Op::Transpose, {x}), IsExactly(transpose_ref(x)));
    }
}

TEST_CASE("matmul in its four forms", "[structural]") {
    SECTION("(m,k) @ (k,n)") {
        CHECK_THAT(run(Op::MatMul, {tensor({2, 2}, {1, 2, 3, 4}), tensor({2, 2}, {5, 6, 7, 8})}),
                   IsExactly(tensor({2, 2}, {19, 22, 43, 50})));
        CHECK_THAT(run(Op::MatMul, {iota({2, 3}), iota({3, 2}, 7)}),
                   IsExactly(tensor({2, 2}, {58, 64, 139, 154})));
    }
    SECTION("(m,k) @ (k)") {
        CHECK_THAT(run(Op::MatMul, {iota({2, 3}), tensor({3}, {1, 0, -1})}),
                   IsExactly(tensor({2}, {-2, -2})));
    }
    SECTION("(k) @ (k,n)") {
        CHECK_THAT(run(Op::MatMul, {tensor({3}, {1, 2, 3}), iota({3, 2})}),
                   IsExactly(tensor({2}, {22, 28})));
    }
    SECTION("(k) @ (k)") {
        CHECK_THAT(run(Op::MatMul, {tensor({3}, {1, 2, 3}), tensor({3}, {4, 5, 6})}),
                   IsExactly(Tensor(32.0)));
    }
}

TEST_CASE("slice selects windows and drops integer-indexed axes", "[structural]") {
    const Tensor x = iota({3, 4}, 0); // row r holds 4r .. 4r+3
    CHECK_THAT(run(Op::Slice, {x}, window({{1, 3}, {1, 3}})),
               IsExactly(tensor({2, 2}, {5, 6, 9, 10})));
    CHECK_THAT(run(Op::Slice, {x}, window({{1, 2}, {0, 4}}, 0b01)),
               IsExactly(tensor({4}, {4, 5, 6, 7})));
    CHECK_THAT(run(Op::Slice, {x}, window({{0, 3}, {2, 3}}, 0b10)),
               IsExactly(tensor({3}, {2, 6, 10})));
    CHECK_THAT(run(Op::Slice, {x}, window({{2, 3}, {3, 4}}, 0b11)), IsExactly(Tensor(11.0)));
    CHECK_THAT(run(Op::Slice, {x}, window({{0, 3}, {1, 2}})), IsExactly(tensor({3, 1}, {1, 5, 9})));
    CHECK_THAT(run(Op::Slice, {iota({5}, 0)}, window({{1, 4}})), IsExactly(tensor({3}, {1, 2, 3})));
    CHECK_THAT(run(Op::Slice, {iota({2, 2, 2}, 0)}, window({{1, 2}, {0, 2}, {1, 2}}, 0b101)),
               IsExactly(tensor({2}, {5, 7})));
}

TEST_CASE("embed writes its operand into a window of zeros", "[structural]") {
    CHECK_THAT(run(Op::Embed, {tensor({2}, {1, 2})}, window({{1, 3}}), {4}),
               IsExactly(tensor({4}, {0, 1, 2, 0})));
    CHECK_THAT(run(Op::Embed, {tensor({3}, {1, 2, 3})}, window({{1, 2}, {0, 3}}, 0b01), {2, 3}),
               IsExactly(tensor({2, 3}, {0, 0, 0, 1, 2, 3})));
    CHECK_THAT(run(Op::Embed, {tensor({2}, {1, 2})}, window({{0, 2}, {2, 3}}, 0b10), {2, 3}),
               IsExactly(tensor({2, 3}, {0, 0, 1, 0, 0, 2})));
    CHECK_THAT(run(Op::Embed, {tensor({2, 2}, {1, 2, 3, 4})}, window({{1, 3}, {0, 2}}), {3, 3}),
               IsExactly(tensor({3, 3}, {0, 0, 0, 1, 2, 0, 3, 4, 0})));
    CHECK_THAT(run(Op::Embed, {Tensor(7.0)}, window({{1, 2}, {2, 3}}, 0b11), {2, 3}),
               IsExactly(tensor({2, 3}, {0, 0, 0, 0, 0, 7})));
}

TEST_CASE("diag, diag_part and tril", "[structural]") {
    CHECK_THAT(run(Op::Diag, {tensor({3}, {1, 2, 3})}),
               IsExactly(tensor({3, 3}, {1, 0, 0, 0, 2, 0, 0, 0, 3})));
    CHECK_THAT(run(Op::Diag, {tensor({1}, {4})}), IsExactly(tensor({1, 1}, {4})));
    CHECK_THAT(run(Op::DiagPart, {iota({3, 3})}), IsExactly(tensor({3}, {1, 5, 9})));
    CHECK_THAT(run(Op::Tril, {iota({3, 3})}),
               IsExactly(tensor({3, 3}, {1, 0, 0, 4, 5, 0, 7, 8, 9})));
    CHECK_THAT(run(Op::Tril, {iota({2, 3})}), IsExactly(tensor({2, 3}, {1, 0, 0, 4, 5, 0})));
    CHECK_THAT(run(Op::Tril, {iota({3, 2})}), IsExactly(tensor({3, 2}, {1, 0, 3, 4, 5, 6})));
}

TEST_CASE("max_to, min_to and prod_to combine the axes a broadcast would repeat", "[structural]") {
    const Tensor x = iota({2, 3}); // 1 2 3 / 4 5 6
    CHECK_THAT(run(Op::MaxTo, {x}, {}, {}), IsExactly(Tensor(6.0)));
    CHECK_THAT(run(Op::MaxTo, {x}, {}, {3}), IsExactly(tensor({3}, {4, 5, 6})));
    CHECK_THAT(run(Op::MaxTo, {x}, {}, {2, 1}), IsExactly(tensor({2, 1}, {3, 6})));
    CHECK_THAT(run(Op::MinTo, {x}, {}, {}), IsExactly(Tensor(1.0)));
    CHECK_THAT(run(Op::MinTo, {x}, {}, {1, 3}), IsExactly(tensor({1, 3}, {1, 2, 3})));
    CHECK_THAT(run(Op::MinTo, {x}, {}, {2, 1}), IsExactly(tensor({2, 1}, {1, 4})));
    CHECK_THAT(run(Op::ProdTo, {x}, {}, {}), IsExactly(Tensor(720.0)));
    CHECK_THAT(run(Op::ProdTo, {x}, {}, {3}), IsExactly(tensor({3}, {4, 10, 18})));
    CHECK_THAT(run(Op::ProdTo, {x}, {}, {2, 1}), IsExactly(tensor({2, 1}, {6, 120})));
    SECTION("a NaN wins wherever it is; infinities are values") {
        const double nan = std::nan("");
        for (const Tensor& v : {tensor({3}, {nan, 1, 2}), tensor({3}, {1, nan, 2}),
                                tensor({3}, {1, 2, nan})}) {
            CHECK(std::isnan(run(Op::MaxTo, {v}, {}, {})[0]));
            CHECK(std::isnan(run(Op::MinTo, {v}, {}, {})[0]));
        }
        CHECK_THAT(run(Op::MaxTo, {tensor({2}, {-inf, -inf})}, {}, {}), IsExactly(Tensor(-inf)));
        CHECK_THAT(run(Op::MinTo, {tensor({2}, {inf, 3})}, {}, {}), IsExactly(Tensor(3.0)));
        CHECK_THAT(run(Op::ProdTo, {tensor({2}, {inf, -2})}, {}, {}), IsExactly(Tensor(-inf)));
    }
}
