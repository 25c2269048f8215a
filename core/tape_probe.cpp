// Probes of the op table's rules: stand-in values that run a rule without numbers and
// report which of its inputs it reads, so the tape keeps only what its reverse sweep
// needs (a partial of exp reads its result, of log its operand, of add nothing).
#include "core/tape_impl.hpp"

namespace symdiff {
namespace tape_detail {

// Stand-ins for double (Sym) and Tensor (Shadow). They are op values
// (core/op_functions.hpp), so every function a rule may call exists for them.

struct Sym {
    Sym(double v = 0.0) : value(v) {} // NOLINT: rules write 1.0 / x, T(0.0), ...
    static Sym read(unsigned k) {
        Sym s;
        s.reads = bit(k);
        s.constant = false;
        return s;
    }
    std::uint8_t reads = 0; // which inputs the value depends on
    bool constant = true;   // it depends on none, and equals `value`
    double value = 0.0;
};

// A tensor whose shape is known and whose values are not: shape() is free, using the
// values is a read.
struct Shadow {
    Shape s;
    std::uint8_t reads = 0;
    const Shape& shape() const { return s; }
};

} // namespace tape_detail

// An op of constants is a constant (its entry's eval); otherwise it reads what any of
// its operands reads.
template <> struct OpValue<tape_detail::Sym> {
    using Sym = tape_detail::Sym;
    static constexpr bool is_op_value = true;
    template <Op op, class... A> static Sym apply(const A&... args) {
        if ((args.constant && ...))
            return Sym(Entry<op>::eval(args.value...));
        Sym r;
        r.reads = static_cast<std::uint8_t>((args.reads | ...));
        r.constant = false;
        return r;
    }
    static Sym literal(double v, const Sym&) { return Sym(v); }
};

template <> struct OpValue<tape_detail::Shadow> {
    using Shadow = tape_detail::Shadow;
    static constexpr bool is_op_value = true;
    template <Op op, class... A> static Shadow apply(const A&... args) {
        Shape s;
        ((s = broadcast_shapes(s, args.s)), ...);
        return {s, static_cast<std::uint8_t>((args.reads | ...))};
    }
    static Shadow literal(double, const Shadow&) { return {}; }
    static Shadow structural(Op op, std::span<const Shadow* const> xs, const Payload& p,
                             const Shape& target) {
        std::array<Shape, 3> shapes;
        std::uint8_t reads = 0;
        for (std::size_t k = 0; k < xs.size(); ++k) {
            shapes[k] = xs[k]->s;
            reads = static_cast<std::uint8_t>(reads | xs[k]->reads);
        }
        return {structural_shape(op, std::span<const Shape>(shapes.data(), xs.size()), p, target), reads};
    }
};

namespace tape_detail {



PartialFacts partial_facts(Op op) {
    return visit(op, [](auto entry) -> PartialFacts {
        using E = decltype(entry);
        if constexpr (E::kind != OpKind::elementwise) {
            throw Error("internal error: " + std::string(E::name) + " has no partials");
        } else {
            std::array<Sym, 3> p;
            if constexpr (E::arity == 1) {
                const auto q = E::template partials<Sym>(Sym::read(0), Sym::read(result_bit));
                std::copy(q.begin(), q.end(), p.begin());
            } else if constexpr (E::arity == 2) {
                const auto q =
                    E::template partials<Sym>(Sym::read(0), Sym::read(1), Sym::read(result_bit));
                std::copy(q.begin(), q.end(), p.begin());
            } else {
                const auto q = E::template partials<Sym>(Sym::read(0), Sym::read(1), Sym::read(2),
                                                         Sym::read(result_bit));
                std::copy(q.begin(), q.end(), p.begin());
            }
            PartialFacts f;
            for (unsigned k = 0; k < E::arity; ++k) {
                f.reads[k] = p[k].reads;
                if (p[k].constant && p[k].value == 0.0)
                    f.zero = static_cast<std::uint8_t>(f.zero | bit(k));
            }
            return f;
        }
    });
}

// What a structural op's vjp rule for operand k reads (bits 0-2 operands, bit 3 result).
std::uint8_t vjp_reads(Op op, unsigned k, std::span<const Shape> operands, const Shape& result,
                       const Payload& payload) {
    return visit(op, [&](auto entry) -> std::uint8_t {
        using E = decltype(entry);
        if constexpr (E::kind == OpKind::leaf || E::kind == OpKind::elementwise) {
            throw Error("internal error: " + std::string(E::name) + " has no vjp rule");
        } else {
            std::array<Shadow, 3> x;
            for (std::size_t j = 0; j < operands.size(); ++j)
                x[j] = Shadow{operands[j], bit(static_cast<unsigned>(j))};
            const Shadow f{result, bit(result_bit)};
            const Shadow g{result, 0}; // the adjoint is always at hand
            const Shadow r = E::template vjp<Shadow>(
                static_cast<int>(k), std::span<const Shadow>(x.data(), operands.size()), f, g,
                payload);
            return r.reads;
        }
    });
}


} // namespace tape_detail
} // namespace symdiff
