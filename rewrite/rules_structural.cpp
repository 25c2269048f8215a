// Rules rooted at structural ops (transpose, reshape, slice, sum_to, matmul, ...) and the
// broadcast hoisting family, generated from the op table: an element-wise op of
// broadcasts is the broadcast of the op (exact, and it runs on the small shape).
// The factory already folds broadcast(broadcast x), reshape(reshape x) and shape no-ops.
#include "rewrite/rule_sets.hpp"

#include "core/ops.hpp"

namespace symdiff::rewrite {
namespace {

using namespace dsl;

// For x broadcast to S and summed to T: the axes of x that survive in T, with the others
// set to 1 and leading axes beyond T's rank dropped. sum_to(x, U) broadcasts to T.
ShapeExpr kept_axes(const Pat& of, const Pat& to) {
    return {[of, to](const Match& m) {
                const Shape& xs = m.shape(of);
                const Shape& ts = m.shape(to);
                std::array<std::int64_t, Shape::max_rank> d{};
                int n = 0;
                for (int k = 0; k < xs.rank(); ++k) {
                    const int kt = k + ts.rank() - xs.rank();
                    if (kt < 0)
                        continue; // an axis T does not have: summed away, and dropped
                    d[static_cast<std::size_t>(n++)] = ts[kt] == xs[k] ? xs[k] : 1;
                }
                return Shape(std::span<const std::int64_t>(d.data(), static_cast<std::size_t>(n)));
            },
            "kept_axes(" + to_string(of) + ", " + to_string(to) + ")",
            {of, to}};
}

// slice(slice(x, inner), outer) = slice(x, composed): offsets add, drops accumulate.
PayloadExpr composed_slices(const Pat& inner, const Pat& outer) {
    return {[inner, outer](const Match& m) -> Payload {
                const Graph& g = m.graph();
                const Node& in = g[m.node(inner)];
                const SliceSpec& a = in.slice();
                const SliceSpec& b = g[m.node(outer)].slice();
                const int rank = g[in.args[0]].shape.rank();
                SliceSpec c;
                int j = 0; // axis of the inner slice's result
                for (int k = 0; k < rank; ++k) {
                    const auto ks = static_cast<std::size_t>(k);
                    if (a.dropped(k)) {
                        c.start[ks] = a.start[ks];
                        c.stop[ks] = a.stop[ks];
                        c.drop = static_cast<std::uint8_t>(c.drop | (1u << k));
                        continue;
                    }
                    const auto js = static_cast<std::size_t>(j);
                    c.start[ks] = a.start[ks] + b.start[js];
                    c.stop[ks] = a.start[ks] + b.stop[js];
                    if (b.dropped(j))
                        c.drop = static_cast<std::uint8_t>(c.drop | (1u << k));
                    ++j;
                }
                return c;
            },
            "compose(" + to_string(inner) + ", " + to_string(outer) + ")",
            {inner, outer}};
}

// f(broadcast x, broadcast y) = broadcast f(x, y), and with a constant operand.
void add_hoisting_rules(std::vector<Rule>& rules) {
    for (int k = 0; k < op_count; ++k) {
        const Op op = static_cast<Op>(k);
        const OpInfo& oi = info(op);
        const std::string n(oi.name);
        if (oi.kind != OpKind::elementwise)
            continue;
        if (oi.arity == 1) {
            rules.emplace_back("hoist-broadcast-" + n, apply(op, {broadcast(x)}),
                               broadcast(apply(op, {x})), last);
        } else if (oi.arity == 2) {
            rules.emplace_back("hoist-broadcast-" + n, apply(op, {broadcast(x), broadcast(y)}),
                               broadcast(apply(op, {x, y})), when(same_shape(x, y)), last);
            rules.emplace_back("hoist-broadcast-" + n + "-const", apply(op, {broadcast(x), c0}),
                               broadcast(apply(op, {x, c0})), last);
            if (!oi.commutative)
                rules.emplace_back("hoist-broadcast-const-" + n, apply(op, {c0, broadcast(x)}),
                                   broadcast(apply(op, {c0, x})), last);
        }
    }
}

} // namespace

std::vector<Rule> structural_rules() {
    std::vector<Rule> rules{
        // clang-format off
        // (x^T)^T = x
        {"transpose-transpose",        transpose(transpose(x)),      x},
        // a view of a broadcast scalar is the broadcast scalar, in the view's shape
        {"transpose-broadcast-scalar", transpose(broadcast(x)),      broadcast(x),  when(is_scalar(x))},
        {"reshape-broadcast-scalar",   reshape(broadcast(x)),        broadcast(x),  when(is_scalar(x))},
        {"slice-broadcast-scalar",     slice(broadcast(x)),          broadcast(x),  when(is_scalar(x))},
        {"diag-part-broadcast-scalar", diag_part(broadcast(x)),      broadcast(x),  when(is_scalar(x))},
        // x[a][b] = x[a + b]
        {"slice-slice",                slice(as(y, slice(x))),       slice(x, composed_slices(y, root))},
        // embed(x, s)[s] = x
        {"slice-embed",                slice(as(y, embed(x))),       x,             when(same_payload(root, y))},
        // diag_part(diag v) = v
        {"diag-part-diag",             diag_part(diag(x)),           x},
        // tril(tril A) = tril A
        {"tril-tril",                  tril(tril(x)),                tril(x)},
        // sum_T(sum_U x) = sum_T x (one summation instead of two, in another order)
        {"sum-sum",                    sum_to(sum_to(x)),            sum_to(x),     real_algebra},
        // sum_T(broadcast_S x) = sum_T(x) |S|/|x| when x sums down to T
        {"sum-broadcast",              sum_to(as(y, broadcast(x))),  sum_to(x) * fold(numel(y) / numel(x)),
                                       real_algebra, when(reducible(x, root))},
        // otherwise: sum the axes of x that T drops, broadcast along the ones T adds, and
        // count the copies that neither has: |S| |U| / (|T| |x|)
        {"sum-broadcast-general",      sum_to(as(y, broadcast(x))),
                                       broadcast(sum_to(x, kept_axes(x, root))) *
                                           fold(numel(y) * numel(kept_axes(x, root)) / (numel(root) * numel(x))),
                                       real_algebra | grows},
        // sum_T(c) = c |c|/|T| for a constant splat c
        {"sum-const",                  sum_to(c0),                   fold(c0 * (numel(c0) / numel(root))),  real_algebra},
        // sum(-x) = -sum(x): every partial sum is negated exactly
        {"sum-neg",                    sum_to(-x),                   -sum_to(x)},
        // sum(x c) = sum(x) c
        {"sum-scale",                  sum_to(x * c0),               sum_to(x) * fold(c0),  real_algebra},
        // 0 @ x = 0, x @ 0 = 0 (inf 0 is NaN)
        {"matmul-zero-left",           matmul(lit(0), x),            lit(0),        real_algebra},
        {"matmul-zero-right",          matmul(x, lit(0)),            lit(0),        real_algebra},
        // (-A) @ B = -(A @ B), A @ (-B) = -(A @ B): every product and sum negates exactly
        {"matmul-neg-left",            matmul(-x, y),                -matmul(x, y)},
        {"matmul-neg-right",           matmul(x, -y),                -matmul(x, y)},
        // clang-format on
    };
    add_hoisting_rules(rules);
    return rules;
}

} // namespace symdiff::rewrite
