// Random models for the zoo (fuzz_*): from a pinned seed, a chain of random element-wise
// and structural ops over small tensors of random shapes, its gradient by every input,
// and a Hessian-vector product. Only bounded or guarded ops are used, so values stay
// finite on the default input domain and the interpreter is a sound reference.
#include "tests/codegen/random_model.hpp"

#include "core/differentiate.hpp"
#include "core/error.hpp"
#include "core/expr.hpp"

#include <algorithm>
#include <optional>
#include <random>

namespace symdiff::test {
namespace {

class RandomModel {
  public:
    RandomModel(Model& m, std::uint64_t seed) : m_(m), g_(*m.graph), rng_(seed) {}

    void build(int steps) {
        const int n_inputs = between(2, 4);
        for (int i = 0; i < n_inputs; ++i) {
            inputs_.push_back(input(g_, "x" + std::to_string(i), random_shape()));
            pool_.push_back(inputs_.back());
        }
        for (int s = 0; s < steps; ++s)
            if (const auto e = step())
                pool_.push_back(*e);
        Expr total = sum(sin(pool_.back()));
        for (std::size_t i = pool_.size() - std::min<std::size_t>(pool_.size(), 6);
             i + 1 < pool_.size(); ++i)
            total = total + sum(sin(pool_[i])) * (0.25 * static_cast<double>(i % 4 + 1));
        Function values{"values", {}, {}, {}};
        Function grads{"grads", {}, {}, {}};
        for (const Expr& x : inputs_) {
            values.params.push_back(x.id());
            grads.params.push_back(x.id());
        }
        for (std::size_t i = pool_.size() - std::min<std::size_t>(pool_.size(), 5);
             i < pool_.size(); ++i)
            values.results.push_back({"r" + std::to_string(i), pool_[i].id()});
        values.results.push_back({"total", total.id()});
        grads.results.push_back({"total", total.id()});
        const std::vector<Expr> d = grad(total, inputs_);
        for (std::size_t i = 0; i < d.size(); ++i)
            grads.results.push_back({"d" + std::to_string(i), node(d[i])});
        // A Hessian-vector product by the first input, along the second input's values
        // broadcast or summed to its shape.
        const Expr v = fit(inputs_[1], inputs_[0].shape());
        const Expr hvp = grad(sum(grad(total, inputs_[0]) * v), inputs_[0]);
        Function second{"hvp", {}, {{"hvp", node(hvp)}}, {}};
        for (const Expr& x : inputs_)
            second.params.push_back(x.id());
        m_.functions = {values, grads, second};
    }

  private:
    int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    const Expr& any() {
        return pool_[static_cast<std::size_t>(between(0, static_cast<int>(pool_.size()) - 1))];
    }
    NodeId node(const Expr& e) { return e.is_literal() ? g_.constant(e.literal()) : e.id(); }

    Shape random_shape() {
        const int rank = between(0, 3);
        std::vector<std::int64_t> dims;
        for (int k = 0; k < rank; ++k)
            dims.push_back(between(1, 4));
        return Shape(std::span<const std::int64_t>(dims));
    }

    // x made to have shape s: summed over extra axes, then broadcast.
    Expr fit(const Expr& x, const Shape& s) {
        Expr y = sum(x);
        return s.is_scalar() ? y : broadcast(y, s);
    }

    // Two pool values whose shapes broadcast together, if a few tries find them.
    std::optional<std::pair<Expr, Expr>> broadcastable() {
        for (int attempt = 0; attempt < 20; ++attempt) {
            const Expr a = any(), b = any();
            try {
                broadcast_shapes(a.shape(), b.shape());
                return std::make_pair(a, b);
            } catch (const Error&) {
            }
        }
        return std::nullopt;
    }

    Expr unary(const Expr& x) {
        switch (between(0, 11)) {
        case 0:
            return tanh(x);
        case 1:
            return sin(x) * 1.5;
        case 2:
            return cos(x);
        case 3:
            return sigmoid(x * 2.0);
        case 4:
            return softplus(x) - 0.5;
        case 5:
            return exp(tanh(x));
        case 6:
            return log(x * x + 0.5);
        case 7:
            return sqrt(x * x + 0.25);
        case 8:
            return abs(x) - relu(x - 0.3);
        case 9:
            return log1p(sigmoid(x)) + expm1(tanh(x) * 0.5);
        case 10:
            return x / (x * x + 1.0);
        default:
            return -pow(tanh(x) + 1.5, 1.5);
        }
    }

    std::optional<Expr> step() {
        switch (between(0, 12)) {
        case 0:
        case 1:
            return unary(any());
        case 2:
        case 3: { // binary element-wise, broadcasting
            const auto ab = broadcastable();
            if (!ab)
                return std::nullopt;
            const auto& [a, b] = *ab;
            switch (between(0, 5)) {
            case 0:
                return a + b;
            case 1:
                return a - 0.5 * b;
            case 2:
                return tanh(a * b);
            case 3:
                return max(a, b);
            case 4:
                return min(a, b * 0.5);
            default:
                return a / (b * b + 1.0);
            }
        }
        case 4: { // where, with a comparison of broadcast operands
            const auto ab = broadcastable();
            if (!ab)
                return std::nullopt;
            const auto& [a, b] = *ab;
            const Expr c = between(0, 1) ? a > b : a <= b * 0.5;
            return where(c, tanh(a), b);
        }
        case 5: { // reductions over one axis or all
            const Expr x = any();
            if (x.shape().rank() == 0)
                return std::nullopt;
            const int axis = between(-x.shape().rank(), x.shape().rank() - 1);
            switch (between(0, 4)) {
            case 0:
                return sum(x, axis);
            case 1:
                return mean(x, axis);
            case 2:
                return logsumexp(x, axis);
            case 3:
                return softmax(x, axis);
            default:
                return between(0, 1) ? sum(x) : logsumexp(x);
            }
        }
        case 6:
            return transpose(any());
        case 7: { // matrix products of any fitting pair
            for (int attempt = 0; attempt < 30; ++attempt) {
                const Expr a = any(), b = any();
                const int ra = a.shape().rank(), rb = b.shape().rank();
                if (ra >= 1 && ra <= 2 && rb >= 1 && rb <= 2 && a.shape()[ra - 1] == b.shape()[0])
                    return tanh(matmul(a, b) * 0.5);
            }
            return std::nullopt;
        }
        case 8: { // a random window, some axes indexed by an integer
            const Expr x = any();
            const Shape& s = x.shape();
            if (s.rank() == 0)
                return std::nullopt;
            SliceSpec spec;
            for (int k = 0; k < s.rank(); ++k) {
                const auto uk = static_cast<std::size_t>(k);
                const int lo = between(0, static_cast<int>(s[k]) - 1);
                const int hi = between(lo + 1, static_cast<int>(s[k]));
                spec.start[uk] = lo;
                spec.stop[uk] = hi;
                if (hi == lo + 1 && between(0, 1))
                    spec.drop = static_cast<std::uint8_t>(spec.drop | (1u << k));
            }
            return slice(x, spec);
        }
        case 9: { // reshape to another factorisation of the size
            const Expr x = any();
            const std::int64_t n = x.shape().size();
            std::vector<std::int64_t> dims;
            std::int64_t rest = n;
            for (std::int64_t f = 2; f <= rest && dims.size() < 2; ++f)
                if (rest % f == 0 && between(0, 1)) {
                    dims.push_back(f);
                    rest /= f;
                }
            dims.push_back(rest);
            return reshape(x * 1.0 + 0.25, Shape(std::span<const std::int64_t>(dims)));
        }
        case 10: { // a new leading axis by broadcasting, or stacking
            const Expr x = any();
            if (x.shape().rank() >= 3)
                return std::nullopt;
            if (between(0, 1))
                return broadcast(x, x.shape().inserted(0, between(2, 3)));
            const std::vector<Expr> parts = {x, cos(x), x * x};
            return stack(parts);
        }
        case 11: { // concat along axis 0 with a piece of itself
            const Expr x = any();
            if (x.shape().rank() == 0)
                return std::nullopt;
            const std::vector<Expr> parts = {x, sin(x) * 0.5};
            return concat(parts);
        }
        default: { // diag, tril or the diagonal
            const Expr x = any();
            if (x.shape().rank() == 1)
                return diag(x);
            if (x.shape().rank() == 2)
                return x.shape()[0] == x.shape()[1] && between(0, 1) ? diag_part(x) : tril(x);
            return std::nullopt;
        }
        }
    }

    Model& m_;
    Graph& g_;
    std::mt19937_64 rng_;
    std::vector<Expr> inputs_;
    std::vector<Expr> pool_;
};

} // namespace

Model random_model(const std::string& name, std::uint64_t seed, int steps) {
    Model m;
    m.name = name;
    RandomModel(m, seed).build(steps);
    return m;
}

} // namespace symdiff::test
