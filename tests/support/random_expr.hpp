// A seeded generator of random well-typed expressions for differential tests: it builds
// an expression of any requested shape top-down, each choice fixing its operands' shapes,
// from element-wise ops read from the op table and structural ops of the Expr API.
#pragma once

#include "core/differentiate.hpp"
#include "core/expr.hpp"
#include "core/ops.hpp"
#include "tests/support/eval_helpers.hpp"
#include "tests/support/random.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace symdiff::test {

// Element-wise ops come from the op table, so a new op is generated without changes here;
// an op not known to be total gets its operands squashed into its `test_domain`
// (lo + (hi - lo) sigmoid(e)), so values stay finite. Structural ops use the Expr API
// (NumPy broadcasting, sum/mean/logsumexp over axes, softmax, matmul, slices, stack,
// concat, diag, tril, ...).

struct RandomExprOptions {
    int depth = 4;                 // ops nested at most this deep
    int max_rank = 3;              // of every intermediate shape
    std::int64_t max_dim = 3;      // of every fresh dimension
    bool structural = true;        // reductions, matmul, transpose, reshape, slices, ...
    bool kinks = true;             // relu, abs, max, min, where (FD must skip their kinks)
    bool jacobians = false;        // jacobian(y, x) loops (reverse mode cannot cross them)
    double leaf_probability = 0.2; // stop early at a leaf
};

// Inputs named x0, x1, ... with random shapes of rank <= max_rank.
inline std::vector<Expr> random_inputs(Graph& g, Rng& rng, int count, int max_rank = 2,
                                       std::int64_t max_dim = 3) {
    std::vector<Expr> xs;
    for (int k = 0; k < count; ++k) {
        std::vector<std::int64_t> dims(static_cast<std::size_t>(rng.integer(0, max_rank)));
        for (auto& d : dims)
            d = rng.integer(1, max_dim);
        xs.push_back(input(g, indexed("x", static_cast<std::size_t>(k)), Shape(dims)));
    }
    return xs;
}

class RandomExprGenerator {
  public:
    RandomExprGenerator(std::span<const Expr> inputs, std::uint64_t seed,
                        RandomExprOptions opt = {})
        : inputs_(inputs.begin(), inputs.end()), rng_(seed), opt_(opt) {
        for (int k = 0; k < op_count; ++k) {
            const Op op = static_cast<Op>(k);
            if (!is_elementwise(op) || (!opt_.kinks && is_kink(op)))
                continue;
            if (is_comparison(op))
                comparisons_.push_back(op);
            else if (info(op).arity == 1)
                unary_.push_back(op);
            else if (info(op).arity == 2)
                binary_.push_back(op);
            else if (opt_.kinks)
                ternary_.push_back(op);
        }
    }

    // A random expression of shape `shape` (never a plain number).
    Expr operator()(const Shape& shape) { return make(shape, opt_.depth); }

    Rng& rng() { return rng_; }

    // Ops that are not differentiable everywhere (kinks and branches).
    static bool is_kink(Op op) {
        return op == Op::Relu || op == Op::Abs || op == Op::Max || op == Op::Min ||
               op == Op::Where || is_comparison(op);
    }

  private:
    Graph& graph() { return inputs_.front().graph(); }

    Expr make(const Shape& s, int depth) {
        if (depth <= 0 || rng_.chance(opt_.leaf_probability))
            return leaf(s);
        const double r = rng_.real(0.0, 1.0);
        if (opt_.structural && r < 0.35)
            return structural(s, depth - 1);
        if (r < 0.6)
            return unary(s, depth - 1);
        if (r < 0.9 || ternary_.empty())
            return binary(s, depth - 1);
        return ternary(s, depth - 1);
    }

    // --- shapes

    Shape shape_of(std::vector<std::int64_t> dims) { return Shape(dims); }
    std::vector<std::int64_t> dims_of(const Shape& s) {
        std::vector<std::int64_t> d;
        for (int k = 0; k < s.rank(); ++k)
            d.push_back(s[k]);
        return d;
    }
    std::int64_t fresh_dim() { return rng_.integer(1, opt_.max_dim); }

    // A shape that broadcasts to s: leading axes dropped, some dimensions set to 1.
    Shape sub_shape(const Shape& s) {
        if (rng_.chance(0.5))
            return s;
        auto d = dims_of(s);
        d.erase(d.begin(), d.begin() + rng_.integer(0, static_cast<std::int64_t>(d.size())));
        for (auto& x : d)
            if (rng_.chance(0.3))
                x = 1;
        return shape_of(d);
    }

    // A shape that s broadcasts to, different from s, if there is one within max_rank.
    std::optional<Shape> super_shape(const Shape& s) {
        auto d = dims_of(s);
        std::vector<std::size_t> ones;
        for (std::size_t k = 0; k < d.size(); ++k)
            if (d[k] == 1)
                ones.push_back(k);
        const bool can_prepend = s.rank() < opt_.max_rank;
        if (!can_prepend && ones.empty())
            return std::nullopt;
        if (can_prepend && (ones.empty() || rng_.chance(0.5)))
            d.insert(d.begin(), rng_.integer(2, std::max<std::int64_t>(2, opt_.max_dim)));
        else
            d[rng_.pick(ones)] = rng_.integer(2, std::max<std::int64_t>(2, opt_.max_dim));
        return shape_of(d);
    }

    // --- leaves

    Expr leaf(const Shape& s) {
        std::vector<std::function<Expr()>> options;
        for (const Expr& x : inputs_) {
            if (x.shape() == s)
                options.insert(options.end(), 3, [x] { return x; });
            else if (broadcasts_to(x.shape(), s))
                options.push_back([x, s] { return broadcast(x, s); });
            else if (opt_.structural && broadcasts_to(s, x.shape()))
                options.push_back([x, s] { return sum_to(x, s); });
        }
        if (options.empty() || rng_.chance(0.1))
            return constant(graph(), literal(), s);
        return rng_.pick(options)();
    }

    double literal() { return std::round(rng_.real(-2.0, 2.0) * 4) / 4; }

    // --- element-wise

    // The operand of `op` at `pos`: squashed into the op's test domain unless the op is
    // total on the reals (and grows at most linearly), so values stay finite.
    Expr operand(Op op, int pos, const Expr& e) {
        static constexpr std::string_view total[] = {"neg",  "sin", "cos",      "tanh", "sigmoid",
                                                     "relu", "abs", "softplus", "add",  "sub",
                                                     "mul",  "max", "min"};
        if (std::find(std::begin(total), std::end(total), name(op)) != std::end(total))
            return e;
        const Interval d = domain(op, pos);
        return d.lo + (d.hi - d.lo) * sigmoid(e);
    }

    static Interval domain(Op op, int pos) {
        return visit(op, [pos](auto entry) -> Interval {
            using E = decltype(entry);
            if constexpr (E::kind == OpKind::elementwise)
                return E::test_domain[static_cast<std::size_t>(pos)];
            else
                return Interval{-1.0, 1.0};
        });
    }

    Expr unary(const Shape& s, int depth) {
        const Op op = rng_.pick(unary_);
        return elementwise(op, {operand(op, 0, make(s, depth))});
    }

    Expr binary(const Shape& s, int depth) {
        const Op op = rng_.pick(binary_);
        Expr a, b;
        if (rng_.chance(0.15)) { // a plain number takes the shape of the other operand
            a = make(s, depth);
            b = Expr(literal());
        } else {
            a = make(s, depth);
            b = make(sub_shape(s), depth);
        }
        if (rng_.chance(0.5))
            std::swap(a, b);
        return elementwise(op, {operand(op, 0, a), operand(op, 1, b)});
    }

    Expr ternary(const Shape& s, int depth) { // where(a < b, c, d)
        const Op cmp = rng_.pick(comparisons_);
        const Expr cond = elementwise(cmp, {make(sub_shape(s), depth), make(sub_shape(s), depth)});
        Expr c = make(s, depth), d = make(sub_shape(s), depth);
        if (rng_.chance(0.5))
            std::swap(c, d);
        return where(cond, c, d);
    }

    // --- structural

    Expr structural(const Shape& s, int depth) {
        std::vector<std::function<Expr()>> options;
        const int r = s.rank();
        if (r < opt_.max_rank)
            options.push_back([&] { return reduce_axis(s, depth); });
        if (super_shape(s))
            options.push_back([&] { return reduce_to(s, depth); });
        if (r >= 1)
            options.push_back([&] { return softmax_of(s, depth); });
        if (r >= 2)
            options.push_back([&] {
                auto d = dims_of(s);
                std::reverse(d.begin(), d.end());
                return transpose(make(shape_of(d), depth));
            });
        if (s.size() > 1 || r > 0)
            options.push_back([&] { return reshape(make(reshaped(s), depth), s); });
        if (r <= 2)
            options.push_back([&] { return product(s, depth); });
        options.push_back([&] { return slice_of(s, depth); });
        if (r >= 1 && s[0] >= 2)
            options.push_back([&] {
                const std::int64_t p = rng_.integer(1, s[0] - 1);
                const std::vector<Expr> parts{make(s.with(0, p), depth),
                                              make(s.with(0, s[0] - p), depth)};
                return concat(parts);
            });
        if (r >= 1 && s[0] <= 3) {
            options.push_back([&] {
                std::vector<Expr> parts;
                for (std::int64_t k = 0; k < s[0]; ++k)
                    parts.push_back(make(s.without(0), depth));
                return stack(parts);
            });
        }
        if (r == 2 && s[0] == s[1]) {
            options.push_back([&] { return diag(make(Shape{s[0]}, depth)); });
            options.push_back([&] { return tril(make(s, depth)); });
            options.push_back([&] { return eye(graph(), s[0]) * make(s, depth); });
        }
        if (r == 1)
            options.push_back([&] { return diag_part(make(Shape{s[0], s[0]}, depth)); });
        if (r >= 1)
            options.push_back([&] {
                const Shape small = sub_shape(s);
                return small == s ? make(s, depth) : broadcast(make(small, depth), s);
            });
        for (int k = 0; k < r; ++k)
            if (s[k] >= 2) {
                options.push_back([&] { return embed_of(s, depth); });
                break;
            }
        if (opt_.jacobians)
            for (const Expr& x : inputs_) // s = y's shape followed by x's shape
                if (x.shape().rank() <= r && !x.shape().is_scalar() && ends_with(s, x.shape())) {
                    const Expr v = x;
                    options.push_back([&, v] {
                        return jacobian(make(leading(s, v.shape().rank()), depth), v);
                    });
                }
        return rng_.pick(options)();
    }

    static bool ends_with(const Shape& s, const Shape& tail) {
        for (int k = 0; k < tail.rank(); ++k)
            if (s[s.rank() - tail.rank() + k] != tail[k])
                return false;
        return true;
    }

    // s without its last `count` axes.
    static Shape leading(const Shape& s, int count) {
        Shape out = s;
        for (int k = 0; k < count; ++k)
            out = out.without(out.rank() - 1);
        return out;
    }

    int maybe_negative(int axis, int rank) { return rng_.chance(0.5) ? axis - rank : axis; }

    Expr reduce_axis(const Shape& s, int depth) { // sum / mean / logsumexp / ... over a new axis
        const int axis = static_cast<int>(rng_.integer(0, s.rank()));
        const Expr x =
            make(s.inserted(axis, rng_.integer(2, std::max<std::int64_t>(2, opt_.max_dim))), depth);
        const int a = maybe_negative(axis, s.rank() + 1);
        switch (rng_.integer(0, 5)) {
        case 0:
            return sum(x, a);
        case 1:
            return mean(x, a);
        case 2:
            return amax(x, a);
        case 3:
            return amin(x, a);
        case 4:
            return prod(x, a);
        default:
            return logsumexp(x, a);
        }
    }

    Expr reduce_to(const Shape& s, int depth) { // sum_to / logsumexp_to from a larger shape
        const Expr x = make(*super_shape(s), depth);
        if (s.is_scalar() && rng_.chance(0.5))
            return rng_.chance(0.5) ? mean(x) : logsumexp(x);
        switch (rng_.integer(0, 5)) {
        case 0:
        case 1:
            return sum_to(x, s);
        case 2:
            return max_to(x, s);
        case 3:
            return min_to(x, s);
        case 4:
            return prod_to(x, s);
        default:
            return logsumexp_to(x, s);
        }
    }

    Expr softmax_of(const Shape& s, int depth) {
        const Expr x = make(s, depth);
        if (s.rank() == 1 && rng_.chance(0.5))
            return softmax(x);
        const int axis = static_cast<int>(rng_.integer(0, s.rank() - 1));
        return softmax(x, maybe_negative(axis, s.rank()));
    }

    // Another shape with as many elements as s.
    Shape reshaped(const Shape& s) {
        const std::int64_t n = s.size();
        std::vector<Shape> options{Shape{n}};
        if (opt_.max_rank >= 2) {
            options.push_back(Shape{1, n});
            options.push_back(Shape{n, 1});
            for (std::int64_t a = 2; a < n; ++a)
                if (n % a == 0)
                    options.push_back(Shape{a, n / a});
        }
        if (n == 1)
            options.push_back(Shape{});
        return rng_.pick(options);
    }

    Expr product(const Shape& s, int depth) { // the four forms of @
        const std::int64_t k = fresh_dim();
        if (s.rank() == 2)
            return matmul(make(Shape{s[0], k}, depth), make(Shape{k, s[1]}, depth));
        if (s.rank() == 1)
            return rng_.chance(0.5) ? matmul(make(Shape{s[0], k}, depth), make(Shape{k}, depth))
                                    : matmul(make(Shape{k}, depth), make(Shape{k, s[0]}, depth));
        return dot(make(Shape{k}, depth), make(Shape{k}, depth));
    }

    Expr slice_of(const Shape& s, int depth) { // a window of a longer axis, or an index
        SliceSpec spec;
        Shape source = s;
        const bool index = s.rank() < opt_.max_rank && (s.rank() == 0 || rng_.chance(0.4));
        if (index) {
            const int axis = static_cast<int>(rng_.integer(0, s.rank()));
            source = s.inserted(axis, rng_.integer(1, opt_.max_dim));
            for (int k = 0; k < source.rank(); ++k)
                spec.stop[static_cast<std::size_t>(k)] = static_cast<std::int32_t>(source[k]);
            const auto i = static_cast<std::int32_t>(rng_.integer(0, source[axis] - 1));
            spec.start[static_cast<std::size_t>(axis)] = i;
            spec.stop[static_cast<std::size_t>(axis)] = i + 1;
            spec.drop = static_cast<std::uint8_t>(1u << axis);
        } else {
            const int axis = static_cast<int>(rng_.integer(0, s.rank() - 1));
            const std::int64_t extra = rng_.integer(1, 2);
            source = s.with(axis, s[axis] + extra);
            for (int k = 0; k < s.rank(); ++k)
                spec.stop[static_cast<std::size_t>(k)] = static_cast<std::int32_t>(s[k]);
            const auto lo = static_cast<std::int32_t>(rng_.integer(0, extra));
            spec.start[static_cast<std::size_t>(axis)] = lo;
            spec.stop[static_cast<std::size_t>(axis)] = lo + static_cast<std::int32_t>(s[axis]);
        }
        return slice(make(source, depth), spec);
    }

    Expr embed_of(const Shape& s, int depth) { // zeros of s around a smaller window
        std::vector<int> axes;
        for (int k = 0; k < s.rank(); ++k)
            if (s[k] >= 2)
                axes.push_back(k);
        const int axis = rng_.pick(axes);
        const std::int64_t w = rng_.integer(1, s[axis] - 1);
        const auto lo = static_cast<std::int32_t>(rng_.integer(0, s[axis] - w));
        SliceSpec spec;
        for (int k = 0; k < s.rank(); ++k)
            spec.stop[static_cast<std::size_t>(k)] = static_cast<std::int32_t>(s[k]);
        spec.start[static_cast<std::size_t>(axis)] = lo;
        spec.stop[static_cast<std::size_t>(axis)] = lo + static_cast<std::int32_t>(w);
        return embed(make(s.with(axis, w), depth), spec, s);
    }

    std::vector<Expr> inputs_;
    Rng rng_;
    RandomExprOptions opt_;
    std::vector<Op> unary_, binary_, comparisons_, ternary_;
};

} // namespace symdiff::test
