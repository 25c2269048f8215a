// The random expression generator (see random_expr.hpp). Recursion is over the requested
// depth (at most a handful of levels), not over a graph.
#include "random_expr.hpp"

#include "core/ops.hpp"

namespace symdiff::rewrite::testing {
namespace {

const Shape s_scalar{}, s2{2}, s3{3}, s23{2, 3}, s32{3, 2};

} // namespace

RandomExprs::RandomExprs(Graph& g, std::uint64_t seed) : g_(g), rng_(seed) {
    inputs_ = {input(g, "x"),     input(g, "y"),     input(g, "a", s3),
               input(g, "b", s3), input(g, "p", s2), input(g, "M", s23)};
}

int RandomExprs::below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

double RandomExprs::constant() {
    static const double special[] = {0.0, 1.0, -1.0, 2.0, 0.5, 3.0, -2.0, 0.25};
    return special[below(8)];
}

Expr RandomExprs::leaf(const Shape& shape) {
    std::vector<Expr> fits;
    for (const Expr& e : inputs_)
        if (e.shape() == shape)
            fits.push_back(e);
    const int pick = below(6);
    if (pick == 0)
        return symdiff::constant(g_, constant(), shape);
    if (pick == 1 || fits.empty()) // a scalar input, broadcast
        return shape.is_scalar() ? inputs_[static_cast<std::size_t>(below(2))]
                                 : broadcast(inputs_[static_cast<std::size_t>(below(2))], shape);
    if (shape == s32 && pick == 2)
        return transpose(inputs_[5]);
    return fits[static_cast<std::size_t>(below(static_cast<int>(fits.size())))];
}

Expr RandomExprs::bait(const Shape& s, int depth) {
    const Expr e = make(s, depth - 1);
    switch (below(16)) { // a choice among patterns, not a dispatch over ops
    case 0:
        return log(sigmoid(e));
    case 1:
        return log(1.0 + e);
    case 2:
        return exp(e) - 1.0;
    case 3:
        return 1.0 / (1.0 + exp(-e));
    case 4:
        return log(1.0 + exp(e));
    case 5:
        return sqrt(e * e);
    case 6:
        return pow(e, constant());
    case 7:
        return e - e;
    case 8:
        return e + e;
    case 9:
        return -(-e);
    case 10:
        return e * constant();
    case 11:
        return constant() + (constant() + e);
    case 12:
        return where(e > make(s, depth - 1), e, 0.0) * make(s, depth - 1);
    case 13:
        return -e * make(s, depth - 1);
    case 14:
        return e * make(s, depth - 1) + e * make(s, depth - 1);
    default:
        return make(s, depth - 1) / (-e);
    }
}

Expr RandomExprs::structural(const Shape& s, int depth) {
    const int d = depth - 1;
    if (s.is_scalar()) {
        switch (below(4)) {
        case 0:
            return sum(make(s3, d));
        case 1:
            return sum(make(s23, d));
        case 2:
            return matmul(make(s3, d), make(s3, d));
        default:
            return sum(broadcast(make(s_scalar, d), s23));
        }
    }
    if (s == s3) {
        switch (below(3)) {
        case 0:
            return sum(make(s23, d), 0);
        case 1:
            return matmul(transpose(make(s23, d)), make(s2, d));
        default:
            return broadcast(make(s_scalar, d), s3);
        }
    }
    if (s == s2)
        return below(2) ? matmul(make(s23, d), make(s3, d)) : sum(make(s23, d), 1);
    if (s == s23)
        return below(2) ? transpose(make(s32, d)) : broadcast(make(s3, d), s23);
    return transpose(make(s23, d)); // [3,2]
}

Expr RandomExprs::make(const Shape& s, int depth) {
    if (depth <= 0)
        return leaf(s);
    const int kind = below(10);
    if (kind < 2)
        return bait(s, depth);
    if (kind < 4)
        return structural(s, depth);
    if (kind < 6) { // a unary element-wise op, from the op table
        std::vector<Op> unary;
        for (int k = 0; k < op_count; ++k)
            if (info(static_cast<Op>(k)).kind == OpKind::elementwise &&
                info(static_cast<Op>(k)).arity == 1)
                unary.push_back(static_cast<Op>(k));
        return elementwise(unary[static_cast<std::size_t>(below(static_cast<int>(unary.size())))],
                           {make(s, depth - 1)});
    }
    if (kind < 8) {
        static const Op binary[] = {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Max, Op::Min, Op::Pow};
        const Op op = binary[below(7)];
        const Expr l = make(s, depth - 1);
        const Expr r = below(3) == 0 ? Expr(constant()) : make(s, depth - 1);
        return below(2) ? elementwise(op, {l, r}) : elementwise(op, {r, l});
    }
    if (kind == 8)
        return where(make(s, depth - 1) > make(s, depth - 1), make(s, depth - 1),
                     make(s, depth - 1));
    return leaf(s);
}

} // namespace symdiff::rewrite::testing
