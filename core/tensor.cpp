// Numeric evaluation of ops on tensors. Structural ops are evaluated from their index
// plans by one generic loop, so their index semantics are written once (in ops.cpp)
// and shared with the emitter.
#include "core/tensor.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace symdiff {
namespace {

constexpr int max_axes = Shape::max_rank;

// The axis along which the tensors are most contiguous (2 points for a unit stride, 1
// for a tensor that does not move, 0 for a stride); the last axis on ties.
int innermost_axis(const Shape& domain, const std::array<LinearMap, 3>& lin, int tensors) {
    int best = domain.rank() - 1, best_score = -1;
    for (int j = 0; j < domain.rank(); ++j) {
        int score = 0;
        for (int t = 0; t < tensors; ++t) {
            const std::int64_t s = lin[static_cast<std::size_t>(t)].step[static_cast<std::size_t>(j)];
            score += s == 0 ? 1 : (s == 1 || s == -1) ? 2 : 0;
        }
        if (score >= best_score && domain[j] > 1) {
            best = j;
            best_score = score;
        }
    }
    return best;
}

// Plans without guards that assign or sum: an odometer over all axes but one, and a
// tight strided loop over the most contiguous axis (matrix products run i-k-j).
void run_plan_fast(const IndexPlan& p, const std::array<LinearMap, 3>& lin, std::span<const double> x,
                   std::span<const double> y, std::span<double> o) {
    const int tensors = 1 + p.operands;
    const int inner = innermost_axis(p.domain, lin, tensors);
    std::array<std::int64_t, max_axes> outer_dims{};
    std::array<LinearMap, 3> outer = lin;
    int rank = 0;
    for (int j = 0; j < p.domain.rank(); ++j) {
        if (j == inner)
            continue;
        outer_dims[static_cast<std::size_t>(rank)] = p.domain[j];
        for (std::size_t t = 0; t < 3; ++t)
            outer[t].step[static_cast<std::size_t>(rank)] = lin[t].step[static_cast<std::size_t>(j)];
        ++rank;
    }
    for (std::size_t t = 0; t < 3; ++t)
        for (int j = rank; j < max_axes; ++j)
            outer[t].step[static_cast<std::size_t>(j)] = 0;
    const Shape outer_domain(std::span<const std::int64_t>(outer_dims.data(), static_cast<std::size_t>(rank)));
    const bool scalar = p.domain.rank() == 0; // one iteration, no inner axis
    const std::int64_t n = scalar ? 1 : p.domain[inner];
    const auto step = [&](std::size_t t) {
        return scalar ? std::int64_t{0} : lin[t].step[static_cast<std::size_t>(inner)];
    };
    const std::int64_t so = step(0), sx = step(1), sy = step(2);
    const bool product = p.body == Body::product;
    for_each_index(outer_domain, outer, [&](const std::array<std::int64_t, 3>& off, const auto&) {
        const double* xp = x.data() + off[1];
        const double* yp = product ? y.data() + off[2] : nullptr;
        double* op = o.data() + off[0];
        if (p.combine == Combine::assign) {
            for (std::int64_t i = 0; i < n; ++i)
                op[i * so] = product ? xp[i * sx] * yp[i * sy] : xp[i * sx];
        } else if (so == 0) { // a reduction along the inner axis: accumulate in a register
            double acc = 0.0;
            if (product)
                for (std::int64_t i = 0; i < n; ++i)
                    acc += xp[i * sx] * yp[i * sy];
            else
                for (std::int64_t i = 0; i < n; ++i)
                    acc += xp[i * sx];
            *op += acc;
        } else if (product) {
            for (std::int64_t i = 0; i < n; ++i)
                op[i * so] += xp[i * sx] * yp[i * sy];
        } else {
            for (std::int64_t i = 0; i < n; ++i)
                op[i * so] += xp[i * sx];
        }
    });
}

// The value a reduction starts from: nothing combined yet.
double initial(Combine c) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    switch (c) {
    case Combine::logsumexp:
    case Combine::max:
        return -inf;
    case Combine::min:
        return inf;
    case Combine::prod:
        return 1.0;
    case Combine::assign:
    case Combine::sum:
        break;
    }
    return 0.0;
}

Tensor run_plan(const IndexPlan& p, const Shape& out_shape, std::span<const Tensor* const> args) {
    Tensor out = Tensor::filled(out_shape, initial(p.combine));
    const std::array<LinearMap, 3> lin = {linearize(p.out, out_shape), linearize(p.in[0], args[0]->shape()),
                                       p.operands > 1 ? linearize(p.in[1], args[1]->shape()) : LinearMap{}};
    if (p.guard_count == 0 && (p.combine == Combine::assign || p.combine == Combine::sum)) {
        run_plan_fast(p, lin, args[0]->data(), p.operands > 1 ? args[1]->data() : args[0]->data(),
                      out.data());
        return out;
    }
    const auto x = args[0]->data();
    const auto y = p.operands > 1 ? args[1]->data() : x;
    auto value = [&](const std::array<std::int64_t, 3>& off) {
        const double v = x[static_cast<std::size_t>(off[1])];
        return p.body == Body::product ? v * y[static_cast<std::size_t>(off[2])] : v;
    };
    auto o = out.data();
    switch (p.combine) {
    case Combine::assign:
        for_each_index(p.domain, lin, [&](const auto& off, const auto& idx) {
            o[static_cast<std::size_t>(off[0])] = guards_hold(p, idx) ? value(off) : 0.0;
        });
        break;
    case Combine::sum:
        for_each_index(p.domain, lin, [&](const auto& off, const auto& idx) {
            if (guards_hold(p, idx))
                o[static_cast<std::size_t>(off[0])] += value(off);
        });
        break;
    case Combine::max: // a NaN wins: once there, nothing compares greater
    case Combine::min:
    case Combine::prod: {
        const Combine c = p.combine;
        for_each_index(p.domain, lin, [&](const auto& off, const auto& idx) {
            double& a = o[static_cast<std::size_t>(off[0])];
            const double v = guards_hold(p, idx) ? value(off) : 0.0;
            if (c == Combine::prod)
                a *= v;
            else if ((c == Combine::max ? v > a : v < a) || std::isnan(v))
                a = v;
        });
        break;
    }
    case Combine::logsumexp: { // max pass, then sum of exp(v - max), then max + log(sum)
        Tensor shift = out;    // running maxima, -inf initially
        auto m = shift.data();
        for_each_index(p.domain, lin, [&](const auto& off, const auto&) {
            const auto k = static_cast<std::size_t>(off[0]);
            const double v = value(off);
            if (v > m[k] || std::isnan(v)) // NaN wins, so it propagates
                m[k] = v;
        });
        std::fill(o.begin(), o.end(), 0.0);
        for_each_index(p.domain, lin, [&](const auto& off, const auto&) {
            const auto k = static_cast<std::size_t>(off[0]);
            if (std::isfinite(m[k]))
                o[k] += std::exp(value(off) - m[k]);
        });
        for (std::size_t k = 0; k < o.size(); ++k)
            o[k] = std::isfinite(m[k]) ? m[k] + std::log(o[k]) : m[k];
        break;
    }
    }
    return out;
}

Tensor elementwise(Op op, std::span<const Tensor* const> args) {
    const Shape& s = args[0]->shape();
    for (const Tensor* a : args)
        if (a->shape() != s)
            throw Error("internal error: element-wise operands of different shapes");
    Tensor out(s);
    std::array<double, 3> v{};
    for (std::size_t i = 0; i < out.size(); ++i) {
        for (std::size_t k = 0; k < args.size(); ++k)
            v[k] = (*args[k])[i];
        out[i] = eval_elementwise(op, std::span<const double>(v.data(), args.size()));
    }
    return out;
}


} // namespace

Tensor::Tensor(const Shape& shape) : Tensor(Fill{}, shape, 0.0) {}

Tensor::Tensor(const Shape& shape, std::vector<double> data) : shape_(shape), data_(std::move(data)) {
    if (data_.size() != static_cast<std::size_t>(shape.size()))
        throw Error("tensor of shape " + shape.str() + " needs " + std::to_string(shape.size()) +
                    " values, got " + std::to_string(data_.size()));
}

double Tensor::item() const {
    if (data_.size() != 1)
        throw Error("expected one value, got a tensor of shape " + shape_.str());
    return data_[0];
}

Tensor apply(Op op, std::span<const Tensor* const> args, const Payload& payload, const Shape& target) {
    const OpInfo& oi = info(op);
    if (oi.kind == OpKind::leaf)
        throw Error("internal error: leaves have no numeric rule");
    if (static_cast<int>(args.size()) != oi.arity)
        throw Error("internal error: wrong operand count for " + std::string(oi.name));
    if (oi.kind == OpKind::elementwise)
        return elementwise(op, args);
    std::array<Shape, 3> shapes;
    for (std::size_t k = 0; k < args.size(); ++k)
        shapes[k] = args[k]->shape();
    const std::span<const Shape> in(shapes.data(), args.size());
    const Shape out = structural_shape(op, in, payload, target);
    if (runs_body(oi.kind) || oi.kind == OpKind::element)
        return OpValue<Tensor>::structural(op, args, payload, target); // throws
    if (oi.kind == OpKind::flat)
        return Tensor(out, std::vector<double>(args[0]->data().begin(), args[0]->data().end()));
    return run_plan(index_plan(op, out, payload, in), out, args);
}

Tensor apply(Op op, std::initializer_list<const Tensor*> args, const Payload& payload, const Shape& target) {
    return apply(op, std::span<const Tensor* const>(args.begin(), args.size()), payload, target);
}

Tensor broadcast_apply(Op op, std::span<const Tensor* const> args) {
    Shape s;
    for (const Tensor* a : args)
        s = broadcast_shapes(s, a->shape());
    std::array<Tensor, 3> wide;
    std::array<const Tensor*, 3> at{};
    for (std::size_t k = 0; k < args.size(); ++k) {
        if (args[k]->shape() == s) {
            at[k] = args[k];
            continue;
        }
        wide[k] = apply(Op::Broadcast, {args[k]}, {}, s);
        at[k] = &wide[k];
    }
    return apply(op, std::span<const Tensor* const>(at.data(), args.size()));
}

Tensor OpValue<Tensor>::structural(Op op, std::span<const Tensor* const> args,
                                   const Payload& payload, const Shape& target) {
    if (runs_body(info(op).kind) || info(op).kind == OpKind::element)
        throw Error("a loop is evaluated by the interpreter, not as a function of numbers");
    if (args.size() == 1) { // an op that returns its operand unchanged copies nothing
        const Shape& in = args[0]->shape();
        if (fold_facts(op, structural_shape(op, {&in, 1}, payload, target), payload, in).identity)
            return *args[0];
    }
    return symdiff::apply(op, args, payload, target);
}

} // namespace symdiff
