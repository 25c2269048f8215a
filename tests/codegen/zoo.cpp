// The model zoo (see zoo.hpp). One builder per model; each states in a line what it
// covers. Shapes are deliberately varied and mostly non-square, so that a transposed
// stride or a swapped extent shows up as a wrong value rather than a lucky match.
#include "tests/codegen/zoo.hpp"

#include "tests/codegen/random_model.hpp"

#include "codegen/emit.hpp"
#include "core/differentiate.hpp"
#include "core/error.hpp"
#include "core/expr.hpp"
#include "core/ops.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <utility>

namespace symdiff::test {

InputDomain Model::domain(const std::string& input) const {
    const auto it = domains.find(input);
    return it == domains.end() ? InputDomain{} : it->second;
}

namespace {

using Results = std::initializer_list<std::pair<const char*, Expr>>;

class ModelBuilder {
  public:
    explicit ModelBuilder(std::string name) { m_.name = std::move(name); }

    Graph& g() { return *m_.graph; }

    Expr in(const std::string& name, const Shape& shape = {}, InputDomain d = {}) {
        m_.domains[name] = d;
        return input(g(), name, shape);
    }

    void fn(const std::string& name, std::initializer_list<Expr> params, Results results) {
        fn(name, params, std::vector<std::pair<std::string, Expr>>(results.begin(), results.end()));
    }

    void fn(const std::string& name, std::initializer_list<Expr> params,
            const std::vector<std::pair<std::string, Expr>>& results) {
        Function f;
        f.name = name;
        for (const Expr& p : params)
            f.params.push_back(p.id());
        for (const auto& [rname, e] : results)
            f.results.push_back({rname, e.is_literal() ? g().constant(e.literal()) : e.id()});
        m_.functions.push_back(std::move(f));
    }

    Model done() { return std::move(m_); }

  private:
    Model m_;
};

constexpr InputDomain positive{0.3, 2.5};
constexpr InputDomain small_ints{-2.0, 2.0, true};

// One axis of an index expression: x[k] (dropped), x[a:b], or x[:].
struct Ix {
    int start = 0;
    int stop = -1; // -1: to the end
    bool drop = false;
};
Ix at(int k) { return {k, k + 1, true}; }
Ix range(int a, int b) { return {a, b, false}; }
constexpr Ix all{};

SliceSpec window(const Shape& shape, std::initializer_list<Ix> ixs) {
    SliceSpec s;
    const Ix* it = ixs.begin();
    for (int k = 0; k < shape.rank(); ++k) {
        const Ix ix = it != ixs.end() ? *it++ : all;
        const auto uk = static_cast<std::size_t>(k);
        s.start[uk] = ix.start;
        s.stop[uk] = ix.stop < 0 ? static_cast<std::int32_t>(shape[k]) : ix.stop;
        if (ix.drop)
            s.drop = static_cast<std::uint8_t>(s.drop | (1u << k));
    }
    return s;
}

Expr index(const Expr& x, std::initializer_list<Ix> ixs) {
    return slice(x, window(x.shape(), ixs));
}

Expr stack_of(std::vector<Expr> xs) { return stack(xs); }
Expr concat_of(std::vector<Expr> xs) { return concat(xs); }

// A scalar that depends on every element of each x with a different weight, so that
// reverse mode sends a non-uniform cotangent (cos x) into every primitive.
Expr sin_total(std::initializer_list<Expr> xs) {
    Expr t;
    bool first = true;
    for (const Expr& x : xs) {
        const Expr term = sum(sin(x));
        t = first ? term : t + term;
        first = false;
    }
    return t;
}

// --- the lecture examples ------------------------------------------------------

// f = (x + y) z and its gradient: scalars only.
Model circuit() {
    ModelBuilder b("circuit");
    const Expr x = b.in("x"), y = b.in("y"), z = b.in("z");
    const Expr q = x + y;
    const Expr f = q * z;
    const auto d = grad(f, std::vector<Expr>{x, y, z});
    b.fn("f", {x, y, z}, {{"f", f}});
    b.fn("f_grad", {x, y, z}, {{"f", f}, {"dx", d[0]}, {"dy", d[1]}, {"dz", d[2]}});
    return b.done();
}

// The sigmoid neuron: w[3] = (weights, bias), x[2].
Model neuron() {
    ModelBuilder b("neuron");
    const Expr w = b.in("w", {3}), x = b.in("x", {2});
    const Expr weighted = dot(index(w, {range(0, 2)}), x);
    const Expr bias = index(w, {at(2)});
    const Expr f = sigmoid(weighted + bias);
    const auto d = grad(f, std::vector<Expr>{w, x});
    b.fn("neuron", {w, x}, {{"f", f}});
    b.fn("neuron_grad", {w, x}, {{"f", f}, {"dw", d[0]}, {"dx", d[1]}});
    return b.done();
}

// ||W x||^2 with its gradient and the Hessian in x.
Model norm_wx() {
    ModelBuilder b("norm_wx");
    const Expr W = b.in("W", {2, 2}), x = b.in("x", {2});
    const Expr q = matmul(W, x);
    const Expr f = sum(pow(q, 2.0));
    const auto d = grad(f, std::vector<Expr>{W, x});
    b.fn("loss", {W, x}, {{"f", f}});
    b.fn("loss_grad", {W, x}, {{"f", f}, {"dW", d[0]}, {"dx", d[1]}});
    b.fn("loss_hess", {W, x}, {{"H", hessian(f, x)}});
    return b.done();
}

// Z = W1 X + b1, A = sigmoid(Z), yhat = w2 A + b2, L = mean((y - yhat)^2); 3 features,
// 4 hidden units, a batch of 5.
Model two_layer() {
    ModelBuilder b("two_layer");
    const Expr W1 = b.in("W1", {4, 3}), b1 = b.in("b1", {4, 1}), w2 = b.in("w2", {1, 4});
    const Expr b2 = b.in("b2"), X = b.in("X", {3, 5}), y = b.in("y", {1, 5});
    const Expr Z = matmul(W1, X) + b1;
    const Expr A = sigmoid(Z);
    const Expr yhat = matmul(w2, A) + b2;
    const Expr L = mean(pow(y - yhat, 2.0));
    const auto d = grad(L, std::vector<Expr>{W1, b1, w2, b2});
    b.fn("predict", {W1, b1, w2, b2, X}, {{"yhat", yhat}});
    b.fn("loss", {W1, b1, w2, b2, X, y}, {{"L", L}});
    b.fn("loss_grad", {W1, b1, w2, b2, X, y},
         {{"L", L}, {"dW1", d[0]}, {"db1", d[1]}, {"dw2", d[2]}, {"db2", d[3]}});
    return b.done();
}

// A deeper tanh network 5 -> 7 -> 4 -> 3 -> 1 on a batch of 2: many intermediates
// whose work-array slots are reused by liveness.
Model mlp() {
    ModelBuilder b("mlp");
    const Expr X = b.in("X", {2, 5});
    const Expr W1 = b.in("W1", {5, 7}), W2 = b.in("W2", {7, 4}), W3 = b.in("W3", {4, 3});
    const Expr w4 = b.in("w4", {3}), c1 = b.in("c1", {7}), c2 = b.in("c2", {4});
    const Expr y = b.in("y", {2});
    const Expr h1 = tanh(matmul(X, W1) + c1);
    const Expr h2 = relu(matmul(h1, W2) + c2);
    const Expr h3 = softplus(matmul(h2, W3));
    const Expr out = matmul(h3, w4);
    const Expr L = mean(abs(out - y)) + 0.01 * sum(W1 * W1);
    const auto d = grad(L, std::vector<Expr>{W1, W2, W3, w4, c1, c2});
    b.fn("loss_grad", {X, W1, W2, W3, w4, c1, c2, y},
         {{"L", L},
          {"dW1", d[0]},
          {"dW2", d[1]},
          {"dW3", d[2]},
          {"dw4", d[3]},
          {"dc1", d[4]},
          {"dc2", d[5]}});
    return b.done();
}

// Softmax cross-entropy of a linear classifier, one sample and a batch.
Model classifier() {
    ModelBuilder b("classifier");
    const Expr W = b.in("W", {3, 4}), c = b.in("c", {3}), x = b.in("x", {4});
    const Expr y = b.in("y", {3}, {0.0, 1.0});
    const Expr X = b.in("X", {5, 4}), Y = b.in("Y", {5, 3}, {0.0, 1.0});
    const Expr logits = matmul(W, x) + c;
    const Expr loss = logsumexp(logits) - dot(y, logits);
    const auto d = grad(loss, std::vector<Expr>{W, c});
    b.fn("sample", {W, c, x, y},
         {{"p", softmax(logits)}, {"loss", loss}, {"dW", d[0]}, {"dc", d[1]}});
    const Expr L = matmul(X, transpose(W)) + c;
    const Expr batch_loss = mean(logsumexp(L, -1) - sum(Y * L, 1));
    const auto db = grad(batch_loss, std::vector<Expr>{W, c});
    b.fn("batch", {W, c, X, Y},
         {{"P", softmax(L, -1)}, {"loss", batch_loss}, {"dW", db[0]}, {"dc", db[1]}});
    return b.done();
}

// Softmax, which a logsumexp's kernel stores as it sums (codegen Kernel::side): the
// gradient of a logsumexp of a vector, of each row and of each column, and a softmax
// whose logsumexp is not itself a result.
Model softmax_side() {
    ModelBuilder b("softmax_side");
    const Expr v = b.in("v", {5}), M = b.in("M", {3, 4});
    const Expr lse = logsumexp(v), rows = sum(logsumexp(M, -1)), cols = sum(logsumexp(M, 0));
    b.fn("grads", {v, M},
         {{"lse", lse}, {"dv", grad(lse, v)}, {"dM_rows", grad(rows, M)}, {"dM_cols", grad(cols, M)}});
    b.fn("softmax_only", {M}, {{"P", softmax(M, 0)}});
    return b.done();
}

// Sigmoid and softplus of one value in one kernel, spelled out around one exp(-|z|)
// (lower.cpp logistic()): the two halves of a logistic loss, and a sigmoid times a
// softplus.
Model logistic() {
    ModelBuilder b("logistic");
    const Expr z = b.in("z", {6}), y = b.in("y", {6}, {0.0, 1.0});
    b.fn("halves", {z, y}, {{"loss", sum(y * softplus(-z) + (1.0 - y) * softplus(z))}});
    b.fn("mixed", {z}, {{"m", sigmoid(z) * softplus(z) + sigmoid(-z)}});
    return b.done();
}

// An objective's sum and its gradient's element-wise kernel over the same loop, which
// the printer fuses (kernel_printer.cpp print_fused): whole blocks, a partial block and
// a remainder; and a kernel that reads the sum, which it must not fuse.
Model fused_sums() {
    ModelBuilder b("fused_sums");
    const Expr x = b.in("x", {600}), y = b.in("y", {301});
    const Expr f = sum(3.0 * x * x + sin(x)), g = sum(exp(0.1 * y) * y);
    b.fn("f_grad", {x}, {{"f", f}, {"dx", grad(f, x)}});
    b.fn("g_grad", {y}, {{"g", g}, {"dy", grad(g, y)}});
    b.fn("reads_sum", {x}, {{"s", sum(x * x)}, {"scaled", x * sum(x * x)}});
    return b.done();
}

// A small tensor model for the golden files: softmax by rows, a column sum, a
// transposed product, and the gradient.
Model small_tensor() {
    ModelBuilder b("small_tensor");
    const Expr X = b.in("X", {2, 3}), v = b.in("v", {2});
    const Expr P = softmax(X, -1);
    const Expr Pv = matmul(transpose(P), v);
    const Expr col_sums = sum(X, 0);
    const Expr f = sum(Pv * col_sums);
    b.fn("f_grad", {X, v}, {{"P", P}, {"f", f}, {"dX", grad(f, X)}});
    return b.done();
}

// --- every element-wise op -----------------------------------------------------

// Every unary op on vectors, and the vector-Jacobian product of each.
Model unary() {
    ModelBuilder b("unary");
    const Expr x = b.in("x", {7}, {-1.2, 1.2}), v = b.in("v", {7});
    const Expr p = b.in("p", {2, 3}, positive), w = b.in("w", {2, 3});
    const Expr neg_x = -x, exp_x = exp(x), sin_x = sin(x), cos_x = cos(x), tan_x = tan(x);
    const Expr tanh_x = tanh(x), sigmoid_x = sigmoid(x), relu_x = relu(x), abs_x = abs(x);
    const Expr expm1_x = expm1(x), softplus_x = softplus(x), neg2_x = neg(x);
    const Expr log_p = log(p), sqrt_p = sqrt(p), log1p_p = log1p(p);
    b.fn("values", {x, p},
         {{"neg_x", neg_x},
          {"exp_x", exp_x},
          {"sin_x", sin_x},
          {"cos_x", cos_x},
          {"tan_x", tan_x},
          {"tanh_x", tanh_x},
          {"sigmoid_x", sigmoid_x},
          {"relu_x", relu_x},
          {"abs_x", abs_x},
          {"expm1_x", expm1_x},
          {"softplus_x", softplus_x},
          {"log_p", log_p},
          {"sqrt_p", sqrt_p},
          {"log1p_p", log1p_p}});
    auto vjp_x = [&](const Expr& y) { return grad(sum(y * v), x); };
    auto vjp_p = [&](const Expr& y) { return grad(sum(y * w), p); };
    b.fn("vjps", {x, v, p, w},
         {{"d_neg", vjp_x(neg2_x)},
          {"d_exp", vjp_x(exp_x)},
          {"d_sin", vjp_x(sin_x)},
          {"d_cos", vjp_x(cos_x)},
          {"d_tan", vjp_x(tan_x)},
          {"d_tanh", vjp_x(tanh_x)},
          {"d_sigmoid", vjp_x(sigmoid_x)},
          {"d_relu", vjp_x(relu_x)},
          {"d_abs", vjp_x(abs_x)},
          {"d_expm1", vjp_x(expm1_x)},
          {"d_softplus", vjp_x(softplus_x)},
          {"d_log", vjp_p(log_p)},
          {"d_sqrt", vjp_p(sqrt_p)},
          {"d_log1p", vjp_p(log1p_p)}});
    return b.done();
}

// Every element-wise op of the table, found by iterating it (so a new op is emitted,
// compiled and compared with the interpreter here without an edit): its value and its
// gradient, each operand mapped from u, w, c in [0, 1] into the op's test domain.
Model every_elementwise_op() {
    ModelBuilder b("every_elementwise_op");
    const InputDomain unit{0.0, 1.0};
    const Expr u = b.in("u", {5}, unit), w = b.in("w", {5}, unit), c = b.in("c", {5}, unit);
    const Expr weights = b.in("weights", {5});
    std::vector<std::pair<std::string, Expr>> values, grads;
    for (int k = 0; k < op_count; ++k)
        visit(static_cast<Op>(k), [&](auto entry) {
            using E = decltype(entry);
            if constexpr (E::kind == OpKind::elementwise) {
                const Expr from[] = {u, w, c};
                std::vector<Expr> args;
                for (std::size_t i = 0; i < static_cast<std::size_t>(E::arity); ++i) {
                    const Interval d = E::test_domain[i];
                    args.push_back(d.lo + (d.hi - d.lo) * from[i]);
                }
                const Expr y = E::arity == 1   ? elementwise(static_cast<Op>(k), {args[0]})
                               : E::arity == 2 ? elementwise(static_cast<Op>(k), {args[0], args[1]})
                                               : elementwise(static_cast<Op>(k), {args[0], args[1], args[2]});
                values.push_back({"v_" + std::string(E::name), y});
                grads.push_back({"d_" + std::string(E::name), grad(sum(y * weights), u)});
            }
        });
    b.fn("values", {u, w, c}, values);
    b.fn("grads", {u, w, c, weights}, grads);
    return b.done();
}

// Second derivatives of every unary op, on a scalar in (0.3, 1.1) where all are smooth.
Model unary_second() {
    ModelBuilder b("unary_second");
    const Expr s = b.in("s", {}, {0.3, 1.1});
    auto d2 = [&](const Expr& f) { return diff(f, s, 2); };
    b.fn("second", {s},
         {{"neg", d2(-s * s)},
          {"exp", d2(exp(s))},
          {"log", d2(log(s))},
          {"sqrt", d2(sqrt(s))},
          {"sin", d2(sin(s))},
          {"cos", d2(cos(s))},
          {"tan", d2(tan(s))},
          {"tanh", d2(tanh(s))},
          {"sigmoid", d2(sigmoid(s))},
          {"relu", d2(relu(s) * s)},
          {"abs", d2(abs(s) * s)},
          {"log1p", d2(log1p(s))},
          {"expm1", d2(expm1(s))},
          {"softplus", d2(softplus(s))}});
    return b.done();
}

// Binary ops with every broadcast of their operands; pow with constant, literal-base,
// scalar and element-wise variable exponents.
Model binary() {
    ModelBuilder b("binary");
    const Expr a = b.in("a", {3, 4}), c = b.in("c", {4}), r = b.in("r", {3, 1});
    const Expr s = b.in("s", {}, {-1.5, 1.5}), e = b.in("e", {3, 4});
    const Expr pa = b.in("pa", {3, 4}, {0.5, 2.5}), pb = b.in("pb", {3, 4}, {0.5, 2.5});
    const Expr add = a + c, sub = r - a, mul = a * r, div = a / pb, rdiv = s / pa;
    const Expr pow3 = pow(a, 3.0), pow_half = pow(pa, 0.5), pow_neg = pow(pa, -1.5);
    const Expr pow_var = pow(pa, e), pow_scalar = pow(pa, s), pow_base = pow(2.0, a);
    const Expr maxv = max(a, e), minv = min(a, c), max_lit = max(a, 0.25), min_s = min(s, a);
    const Expr scaled = 3.0 * a - a / 4.0 + 1.5;
    const Expr total = sin_total({add, sub, mul, div, rdiv, pow3, pow_half, pow_neg, pow_var,
                                  pow_scalar, pow_base, maxv, minv, max_lit, min_s, scaled});
    const auto d = grad(total, std::vector<Expr>{a, c, r, s, e, pa, pb});
    b.fn("values", {a, c, r, s, e, pa, pb},
         {{"add", add},
          {"sub", sub},
          {"mul", mul},
          {"div", div},
          {"rdiv", rdiv},
          {"pow3", pow3},
          {"pow_half", pow_half},
          {"pow_neg", pow_neg},
          {"pow_var", pow_var},
          {"pow_scalar", pow_scalar},
          {"pow_base", pow_base},
          {"maxv", maxv},
          {"minv", minv},
          {"max_lit", max_lit},
          {"min_s", min_s},
          {"scaled", scaled}});
    b.fn("grads", {a, c, r, s, e, pa, pb},
         {{"total", total},
          {"da", d[0]},
          {"dc", d[1]},
          {"dr", d[2]},
          {"ds", d[3]},
          {"de", d[4]},
          {"dpa", d[5]},
          {"dpb", d[6]}});
    return b.done();
}

// Every comparison inside and outside `where`, max/min/relu/abs at ties and kinks
// (integer inputs), and a `where` whose untaken branch is infinite or NaN.
Model compare_where() {
    ModelBuilder b("compare_where");
    const Expr a = b.in("a", {6}, small_ints), k = b.in("k", {6}, small_ints);
    const Expr x = b.in("x", {6}), s = b.in("s", {}, small_ints);
    const Expr w_lt = where(a < k, x, a * x), w_le = where(a <= k, x, a * x);
    const Expr w_gt = where(a > k, x, a * x), w_ge = where(a >= k, x, a * x);
    const Expr w_eq = where(eq(a, k), x, a * x), w_ne = where(ne(a, k), x, a * x);
    const Expr w_scalar = where(s > 0.0, a, x);
    const Expr w_lit = where(x >= 0.5, 1.0, x);
    const Expr maxv = max(a, k), minv = min(a, k), relu_a = relu(a), abs_a = abs(a);
    const Expr safe_sqrt = where(a > 0.0, sqrt(a), 0.0);
    const Expr safe_log = where(a > 0.0, log(a), a);
    b.fn("compare", {a, k},
         {{"lt", lt(a, k)},
          {"le", le(a, k)},
          {"gt", gt(a, k)},
          {"ge", ge(a, k)},
          {"eq", eq(a, k)},
          {"ne", ne(a, k)}});
    b.fn("values", {a, k, x, s},
         {{"w_lt", w_lt},
          {"w_le", w_le},
          {"w_gt", w_gt},
          {"w_ge", w_ge},
          {"w_eq", w_eq},
          {"w_ne", w_ne},
          {"w_scalar", w_scalar},
          {"w_lit", w_lit},
          {"maxv", maxv},
          {"minv", minv},
          {"relu_a", relu_a},
          {"abs_a", abs_a},
          {"safe_sqrt", safe_sqrt},
          {"safe_log", safe_log}});
    const Expr total = sum(x * (w_lt + 2.0 * w_le + 3.0 * w_gt + 4.0 * w_ge + 5.0 * w_eq +
                                6.0 * w_ne + w_scalar + w_lit)) +
                       sum(x * maxv) + sum(x * x * minv) + sum(x * relu_a) +
                       sum(pow(x, 2.0) * abs_a) + sum(x * safe_sqrt) + sum(x * safe_log);
    const auto d = grad(total, std::vector<Expr>{a, k, x, s});
    b.fn("grads", {a, k, x, s},
         {{"total", total}, {"da", d[0]}, {"dk", d[1]}, {"dx", d[2]}, {"ds", d[3]}});
    return b.done();
}

// --- structural primitives -----------------------------------------------------

// Broadcast of every rank pattern, explicit and implied; the gradients sum back.
Model broadcasts() {
    ModelBuilder b("broadcasts");
    const Expr s = b.in("s"), v = b.in("v", {3}), col = b.in("col", {2, 1});
    const Expr row = b.in("row", {1, 3}), m = b.in("m", {2, 1, 3}), one = b.in("one", {1});
    const Expr t4 = b.in("t4", {3, 1, 1, 2}), q = b.in("q", {1, 1});
    const Expr s_v = broadcast(s, {3}), s_m = broadcast(s, {2, 3});
    const Expr v_m = broadcast(v, {2, 3}), col_m = broadcast(col, {2, 3});
    const Expr row_m = broadcast(row, {2, 3}), v_t3 = broadcast(v, {4, 2, 3});
    const Expr m_t3 = broadcast(m, {2, 4, 3}), one_v = broadcast(one, {5});
    const Expr t4_t4 = broadcast(t4, {3, 4, 5, 2}), v_t4 = broadcast(v, {2, 1, 2, 3});
    const Expr s_t4 = broadcast(s, {2, 2, 1, 2}), q_t3 = broadcast(q, {2, 2, 3});
    const Expr implied = v + col, implied3 = m * col;
    const Expr total = sin_total({s_v, s_m, v_m, col_m, row_m, v_t3, m_t3, one_v, t4_t4, v_t4, s_t4,
                                  q_t3, implied, implied3});
    const auto d = grad(total, std::vector<Expr>{s, v, col, row, m, one, t4, q});
    b.fn("values", {s, v, col, row, m, one, t4, q},
         {{"s_v", s_v},
          {"s_m", s_m},
          {"v_m", v_m},
          {"col_m", col_m},
          {"row_m", row_m},
          {"v_t3", v_t3},
          {"m_t3", m_t3},
          {"one_v", one_v},
          {"t4_t4", t4_t4},
          {"v_t4", v_t4},
          {"s_t4", s_t4},
          {"q_t3", q_t3},
          {"implied", implied},
          {"implied3", implied3}});
    b.fn("grads", {s, v, col, row, m, one, t4, q},
         {{"total", total},
          {"ds", d[0]},
          {"dv", d[1]},
          {"dcol", d[2]},
          {"drow", d[3]},
          {"dm", d[4]},
          {"done", d[5]},
          {"dt4", d[6]},
          {"dq", d[7]}});
    return b.done();
}

// sum, mean, logsumexp with and without (negative) axes, sum_to/logsumexp_to to kept
// axes, softmax with and without an axis.
Model reductions() {
    ModelBuilder b("reductions");
    const Expr X = b.in("X", {3, 4, 5}), M = b.in("M", {4, 6}), v = b.in("v", {5});
    const Expr r_sum = sum(X), r_sum0 = sum(X, 0), r_sum1 = sum(X, 1), r_sum2 = sum(X, 2);
    const Expr r_sum_m1 = sum(X, -1), r_sum_m3 = sum(X, -3), r_mean = mean(X);
    const Expr r_mean1 = mean(X, 1), r_mean_m1 = mean(M, -1), r_lse = logsumexp(X);
    const Expr r_lse0 = logsumexp(X, 0), r_lse_m2 = logsumexp(X, -2), r_lse_v = logsumexp(v);
    const Expr r_sum_to = sum_to(X, {3, 1, 5}), r_sum_to2 = sum_to(X, {4, 1});
    const Expr r_lse_to = logsumexp_to(X, {1, 4, 1}), r_sum_v = sum(v);
    const Expr sm_v = softmax(v), sm_v0 = softmax(v, 0), sm_m = softmax(M, -1);
    const Expr sm_m0 = softmax(M, 0), sm_x1 = softmax(X, 1), sm_all = softmax(M);
    const Expr total =
        sin_total({r_sum,       r_sum0,     r_sum1,      r_sum2,      r_sum_m1,    r_sum_m3,
                   r_mean,      r_mean1,    r_mean_m1,   r_lse,       r_lse0,      r_lse_m2,
                   r_lse_v,     r_sum_to,   r_sum_to2,   r_lse_to,    r_sum_v,     3.0 * sm_v,
                   2.0 * sm_v0, 3.0 * sm_m, 2.0 * sm_m0, 4.0 * sm_x1, 5.0 * sm_all});
    const auto d = grad(total, std::vector<Expr>{X, M, v});
    b.fn("sums", {X, M, v},
         {{"r_sum", r_sum},
          {"r_sum0", r_sum0},
          {"r_sum1", r_sum1},
          {"r_sum2", r_sum2},
          {"r_sum_m1", r_sum_m1},
          {"r_sum_m3", r_sum_m3},
          {"r_mean", r_mean},
          {"r_mean1", r_mean1},
          {"r_mean_m1", r_mean_m1},
          {"r_sum_to", r_sum_to},
          {"r_sum_to2", r_sum_to2},
          {"r_sum_v", r_sum_v}});
    b.fn("lses", {X, v},
         {{"r_lse", r_lse},
          {"r_lse0", r_lse0},
          {"r_lse_m2", r_lse_m2},
          {"r_lse_v", r_lse_v},
          {"r_lse_to", r_lse_to}});
    b.fn("softmaxes", {X, M, v},
         {{"sm_v", sm_v},
          {"sm_v0", sm_v0},
          {"sm_m", sm_m},
          {"sm_m0", sm_m0},
          {"sm_x1", sm_x1},
          {"sm_all", sm_all}});
    b.fn("grads", {X, M, v}, {{"total", total}, {"dX", d[0]}, {"dM", d[1]}, {"dv", d[2]}});
    return b.done();
}

// amax, amin, prod over everything, over (negative) axes and to kept axes, with their
// gradients (the first of tied elements: positions made by embeds), a jvp and the
// Hessian of a product (the product of the others, at zeros too).
Model extrema() {
    ModelBuilder b("extrema");
    const Expr X = b.in("X", {3, 4, 5}), M = b.in("M", {4, 6}), v = b.in("v", {5});
    const Expr r_max = amax(X), r_max0 = amax(X, 0), r_max_m1 = amax(M, -1);
    const Expr r_min = amin(v), r_min1 = amin(X, 1), r_min_m2 = amin(M, -2);
    const Expr r_prod = prod(v), r_prod2 = prod(X, 2) * 0.01, r_prod_m2 = prod(M, -2);
    const Expr r_max_to = max_to(X, {3, 1, 5}), r_min_to = min_to(X, {4, 1});
    const Expr r_prod_to = prod_to(M, {1, 6});
    const Expr total = sin_total({r_max,  r_max0,   r_max_m1,  r_min,    r_min1,   r_min_m2,
                                  r_prod, r_prod2,  r_prod_m2, r_max_to, r_min_to, r_prod_to});
    const auto d = grad(total, std::vector<Expr>{X, M, v});
    b.fn("values", {X, M, v},
         {{"r_max", r_max},
          {"r_max0", r_max0},
          {"r_max_m1", r_max_m1},
          {"r_min", r_min},
          {"r_min1", r_min1},
          {"r_min_m2", r_min_m2},
          {"r_prod", r_prod},
          {"r_prod2", r_prod2},
          {"r_prod_m2", r_prod_m2},
          {"r_max_to", r_max_to},
          {"r_min_to", r_min_to},
          {"r_prod_to", r_prod_to}});
    b.fn("grads", {X, M, v}, {{"total", total}, {"dX", d[0]}, {"dM", d[1]}, {"dv", d[2]}});
    const Expr f = prod(v) + amax(v * v) - amin(v);
    b.fn("second", {v}, {{"f", f}, {"t", jvp(f, v, v)}, {"H", hessian(f, v)}});
    return b.done();
}

// transpose of ranks 0 to 4 (rank 0 and 1 are the identity).
Model transposes() {
    ModelBuilder b("transposes");
    const Expr s = b.in("s"), v = b.in("v", {4}), A = b.in("A", {2, 3});
    const Expr T3 = b.in("T3", {2, 3, 4}), T4 = b.in("T4", {2, 3, 4, 5});
    const Expr U4 = b.in("U4", {3, 1, 2, 2});
    const Expr t0 = transpose(s), t1 = transpose(v), t2 = transpose(A), t3 = transpose(T3);
    const Expr t4 = transpose(T4), u4 = transpose(U4), tt = transpose(transpose(T3) * 2.0);
    const Expr total = sin_total({t0, t1, t2 * 2.0, t3 * 3.0, t4 * 0.5, u4 * 1.5, tt});
    const auto d = grad(total, std::vector<Expr>{s, v, A, T3, T4, U4});
    b.fn("values", {s, v, A, T3, T4, U4},
         {{"t0", t0}, {"t1", t1}, {"t2", t2}, {"t3", t3}, {"t4", t4}, {"u4", u4}, {"tt", tt}});
    b.fn("grads", {s, v, A, T3, T4, U4},
         {{"total", total},
          {"ds", d[0]},
          {"dv", d[1]},
          {"dA", d[2]},
          {"dT3", d[3]},
          {"dT4", d[4]},
          {"dU4", d[5]}});
    return b.done();
}

// The four forms of @, dot, chains and outer products.
Model matmuls() {
    ModelBuilder b("matmuls");
    const Expr A = b.in("A", {2, 3}), B = b.in("B", {3, 4}), C = b.in("C", {4, 2});
    const Expr v = b.in("v", {3}), w = b.in("w", {3}), u = b.in("u", {2}), s = b.in("s");
    const Expr mm = matmul(A, B), mv = matmul(A, v), vm = matmul(u, A), vv = matmul(v, w);
    const Expr dot_vv = dot(v, w), dot_mm = dot(B, C), dot_mv = dot(A, w);
    const Expr dot_sv = dot(s, v), chain = matmul(matmul(A, B), C);
    const Expr outer = matmul(reshape(u, {2, 1}), reshape(v, {1, 3}));
    const Expr total = sin_total({mm, mv, vm, vv, dot_vv, dot_mm, dot_mv, dot_sv, chain, outer});
    const auto d = grad(total, std::vector<Expr>{A, B, C, v, w, u, s});
    b.fn("values", {A, B, C, v, w, u, s},
         {{"mm", mm},
          {"mv", mv},
          {"vm", vm},
          {"vv", vv},
          {"dot_vv", dot_vv},
          {"dot_mm", dot_mm},
          {"dot_mv", dot_mv},
          {"dot_sv", dot_sv},
          {"chain", chain},
          {"outer", outer}});
    // Sums of one term, fused into their consumers (lower.cpp single_term).
    const Expr col = b.in("col", {2, 1}), row = b.in("row", {1, 3}), one = b.in("one", {1});
    const Expr D = b.in("D", {2, 3});
    b.fn("single_terms", {col, row, one, D},
         {{"r", tanh(matmul(col, row)) * D}, {"q", sin(matmul(col, one))}});
    b.fn("grads", {A, B, C, v, w, u, s},
         {{"total", total},
          {"dA", d[0]},
          {"dB", d[1]},
          {"dC", d[2]},
          {"dv", d[3]},
          {"dw", d[4]},
          {"du", d[5]},
          {"ds", d[6]}});
    return b.done();
}

// Every indexing form (element, range, row, column, block, mixed), their gradients
// (embed), and embed written directly.
Model indexing() {
    ModelBuilder b("indexing");
    const Expr x = b.in("x", {6}), A = b.in("A", {4, 5}), T = b.in("T", {3, 4, 5});
    const Expr x_el = index(x, {at(2)}), x_rng = index(x, {range(1, 4)});
    const Expr A_row = index(A, {at(1)}), A_col = index(A, {all, at(2)});
    const Expr A_blk = index(A, {range(1, 3), range(2, 5)}), A_el = index(A, {at(2), at(3)});
    const Expr A_part = index(A, {at(3), range(1, 4)}), A_rows = index(A, {range(2, 4)});
    const Expr T_mat = index(T, {at(1)}), T_mix = index(T, {all, range(1, 3), at(2)});
    const Expr T_blk = index(T, {range(0, 2), all, range(1, 4)}), T_vec = index(T, {at(2), at(3)});
    const Expr T_el = index(T, {at(1), at(2), at(3)}), T_last = index(T, {all, all, at(4)});
    const Expr e_vec = embed(x_rng, window(Shape{8}, {range(2, 5)}), Shape{8});
    const Expr e_blk = embed(A_blk, window(Shape{4, 5}, {range(0, 2), range(1, 4)}), Shape{4, 5});
    const Expr e_row = embed(A_row, window(Shape{3, 5}, {at(2)}), Shape{3, 5});
    const Expr e_col = embed(A_col, window(Shape{4, 3}, {all, at(0)}), Shape{4, 3});
    const Expr total =
        sin_total({x_el, x_rng, A_row, A_col, A_blk, A_el, A_part, A_rows, T_mat, T_mix, T_blk,
                   T_vec, T_el, T_last, e_vec * 2.0, e_blk, e_row, e_col});
    const auto d = grad(total, std::vector<Expr>{x, A, T});
    b.fn("slices", {x, A, T},
         {{"x_el", x_el},
          {"x_rng", x_rng},
          {"A_row", A_row},
          {"A_col", A_col},
          {"A_blk", A_blk},
          {"A_el", A_el},
          {"A_part", A_part},
          {"A_rows", A_rows},
          {"T_mat", T_mat},
          {"T_mix", T_mix},
          {"T_blk", T_blk},
          {"T_vec", T_vec},
          {"T_el", T_el},
          {"T_last", T_last}});
    b.fn("embeds", {x, A},
         {{"e_vec", e_vec}, {"e_blk", e_blk}, {"e_row", e_row}, {"e_col", e_col}});
    b.fn("grads", {x, A, T}, {{"total", total}, {"dx", d[0]}, {"dA", d[1]}, {"dT", d[2]}});
    return b.done();
}

// stack, concat, reshape, diag, diag_part, eye, tril, zeros, ones.
Model structure() {
    ModelBuilder b("structure");
    const Expr a = b.in("a", {3}), c = b.in("c", {3}), x2 = b.in("x2", {2});
    const Expr M = b.in("M", {2, 3}), N = b.in("N", {1, 3}), K = b.in("K", {3, 3});
    const Expr s1 = b.in("s1"), s2 = b.in("s2");
    const Expr st_v = stack_of({a, c, a * c}), st_m = stack_of({M, 2.0 * M});
    const Expr st_s = stack_of({s1, s2, s1 * s2}), cat_v = concat_of({a, x2});
    const Expr cat_m = concat_of({M, N}), cat3 = concat_of({M, N, sin(M)});
    const Expr rs_m = reshape(M, {3, 2}), rs_flat = reshape(M, {6}), rs_col = reshape(a, {3, 1});
    const Expr rs_comp = reshape(sin(M) + 1.0, {3, 2}), rs4 = reshape(M, {1, 2, 3, 1});
    const Expr dg = diag(a), dg_comp = diag(a * c), dpart = diag_part(K);
    const Expr eye_k = eye(b.g(), 3) * K, eye4 = eye(b.g(), 4);
    const Expr tr_k = tril(K), tr_m = tril(M), tr_t = tril(transpose(M));
    const Expr z = zeros(b.g(), {2, 3}), o = ones(b.g(), {2, 3}) + M;
    const Expr total = sin_total({st_v, st_m, st_s, cat_v, cat_m, cat3, rs_m, rs_flat, rs_col,
                                  rs_comp, rs4, dg, dg_comp, dpart, eye_k, tr_k, tr_m, tr_t, o});
    const auto d = grad(total, std::vector<Expr>{a, c, x2, M, N, K, s1, s2});
    b.fn("values", {a, c, x2, M, N, K, s1, s2}, {{"st_v", st_v},
                                                 {"st_m", st_m},
                                                 {"st_s", st_s},
                                                 {"cat_v", cat_v},
                                                 {"cat_m", cat_m},
                                                 {"cat3", cat3},
                                                 {"rs_m", rs_m},
                                                 {"rs_flat", rs_flat},
                                                 {"rs_col", rs_col},
                                                 {"rs_comp", rs_comp},
                                                 {"rs4", rs4},
                                                 {"dg", dg},
                                                 {"dg_comp", dg_comp},
                                                 {"dpart", dpart},
                                                 {"eye_k", eye_k},
                                                 {"eye4", eye4},
                                                 {"tr_k", tr_k},
                                                 {"tr_m", tr_m},
                                                 {"tr_t", tr_t},
                                                 {"z", z},
                                                 {"o", o}});
    b.fn("grads", {a, c, x2, M, N, K, s1, s2},
         {{"total", total},
          {"da", d[0]},
          {"dc", d[1]},
          {"dx2", d[2]},
          {"dM", d[3]},
          {"dN", d[4]},
          {"dK", d[5]},
          {"ds1", d[6]},
          {"ds2", d[7]}});
    return b.done();
}

// Rank-4 tensors through element-wise ops, reductions, softmax, transpose, reshape, @.
Model rank4() {
    ModelBuilder b("rank4");
    const Expr X = b.in("X", {2, 3, 2, 4}), Y = b.in("Y", {2, 3, 2, 4});
    const Expr bias = b.in("bias", {4}), c = b.in("c", {3, 1, 1}), W = b.in("W", {8, 2});
    const Expr Z = tanh(X * Y + bias) + c;
    const Expr s1 = sum(Z, 1), m3 = mean(Z, -1), l2 = logsumexp(Z, 2), sm = softmax(Z, 3);
    const Expr tz = transpose(Z), proj = matmul(reshape(Z, {6, 8}), W);
    const Expr sl = index(Z, {at(1), all, at(0)}), st = sum_to(Z, {3, 1, 4});
    const Expr total = sin_total({s1, m3, l2, sm, tz * 0.5, proj, sl, st});
    const auto d = grad(total, std::vector<Expr>{X, Y, bias, c, W});
    b.fn("values", {X, Y, bias, c, W},
         {{"Z", Z},
          {"s1", s1},
          {"m3", m3},
          {"l2", l2},
          {"sm", sm},
          {"tz", tz},
          {"proj", proj},
          {"sl", sl},
          {"st", st}});
    b.fn("grads", {X, Y, bias, c, W},
         {{"total", total},
          {"dX", d[0]},
          {"dY", d[1]},
          {"dbias", d[2]},
          {"dc", d[3]},
          {"dW", d[4]}});
    return b.done();
}

// Views of views: every structural op applied to the result of another, where index
// maps compose (and reshape must read a real buffer).
Model view_chains() {
    ModelBuilder b("view_chains");
    const Expr A = b.in("A", {4, 6}), v = b.in("v", {3}), T = b.in("T", {2, 3, 4});
    const Expr B = b.in("B", {4, 5});
    const Expr rs_t = reshape(transpose(A), {4, 6});             // flat read of a transposed view
    const Expr rs_sl = reshape(index(A, {range(1, 3)}), {3, 4}); // ... of a slice
    const Expr rs_bc = reshape(broadcast(v, {2, 3}), {6});       // ... of a broadcast
    const Expr sl_rs = index(reshape(A, {6, 4}), {range(1, 5), at(2)});
    const Expr sl_t = index(transpose(A), {range(2, 5), range(1, 3)});
    const Expr t_bc = transpose(broadcast(v, {4, 3}));
    const Expr bc_sl = broadcast(index(A, {at(2)}), {3, 6});
    const Expr t_sl3 = transpose(index(T, {all, range(1, 3)}));
    const Expr dg_sl = diag(index(A, {at(1), range(0, 4)}));
    const Expr tr_t = tril(transpose(index(A, {range(0, 3)})));
    const Expr em_t = embed(transpose(index(A, {range(0, 2), range(0, 3)})),
                            window(Shape{5, 4}, {range(1, 4), range(1, 3)}), Shape{5, 4});
    const Expr sum_t = sum(transpose(A), 0), lse_bc = logsumexp(broadcast(v, {5, 3}), 0);
    const Expr mm_t = matmul(transpose(index(A, {all, range(1, 4)})), B);
    const Expr mm_sl = matmul(index(A, {at(3)}), transpose(index(A, {range(0, 2)})));
    const Expr dp_t = diag_part(transpose(index(A, {all, range(2, 6)})));
    const Expr sm_t = softmax(transpose(T), 1);
    const Expr total = sin_total({rs_t, rs_sl, rs_bc, sl_rs, sl_t, t_bc, bc_sl, t_sl3, dg_sl, tr_t,
                                  em_t, sum_t, lse_bc, mm_t, mm_sl, dp_t, sm_t});
    const auto d = grad(total, std::vector<Expr>{A, v, T, B});
    b.fn("values", {A, v, T, B},
         {{"rs_t", rs_t},
          {"rs_sl", rs_sl},
          {"rs_bc", rs_bc},
          {"sl_rs", sl_rs},
          {"sl_t", sl_t},
          {"t_bc", t_bc},
          {"bc_sl", bc_sl},
          {"t_sl3", t_sl3},
          {"dg_sl", dg_sl},
          {"tr_t", tr_t},
          {"em_t", em_t},
          {"sum_t", sum_t},
          {"lse_bc", lse_bc},
          {"mm_t", mm_t},
          {"mm_sl", mm_sl},
          {"dp_t", dp_t},
          {"sm_t", sm_t}});
    b.fn("grads", {A, v, T, B},
         {{"total", total}, {"dA", d[0]}, {"dv", d[1]}, {"dT", d[2]}, {"dB", d[3]}});
    return b.done();
}

// Axes of extent 1 everywhere: they get no loop, so every stride and guard on them must
// vanish consistently.
Model unit_axes() {
    ModelBuilder b("unit_axes");
    const Expr x = b.in("x", {1}), M = b.in("M", {1, 1}), R = b.in("R", {1, 3});
    const Expr C = b.in("C", {3, 1}), T = b.in("T", {1, 3, 1, 2}), W4 = b.in("W4", {1, 4});
    const Expr mm11 = matmul(M, M), mm_rc = matmul(R, C), mm_cr = matmul(C, R);
    const Expr mv = matmul(M, x), sm = softmax(C, 1), lse = logsumexp(T, 2), s0 = sum(T, 0);
    const Expr bc = broadcast(M, {1, 4}), bc_t = broadcast(x, {1, 3, 2, 2});
    const Expr dg = diag(x), tr = tril(M), tr_r = tril(R), tr_c = tril(C), tt = transpose(T);
    const Expr rs = reshape(T, {6}), sl = index(T, {at(0), range(1, 3), at(0)});
    const Expr em = embed(index(R, {at(0)}), window(Shape{3, 3}, {at(1)}), Shape{3, 3});
    const Expr total = sin_total({mm11, mm_rc, mm_cr, mv, sm * 2.0, lse, s0, bc * W4, bc_t * T, dg,
                                  tr, tr_r, tr_c, tt, rs, sl, em});
    const auto d = grad(total, std::vector<Expr>{x, M, R, C, T, W4});
    b.fn("values", {x, M, R, C, T},
         {{"mm11", mm11},
          {"mm_rc", mm_rc},
          {"mm_cr", mm_cr},
          {"mv", mv},
          {"sm", sm},
          {"lse", lse},
          {"s0", s0},
          {"bc", bc},
          {"bc_t", bc_t},
          {"dg", dg},
          {"tr", tr},
          {"tr_r", tr_r},
          {"tr_c", tr_c},
          {"tt", tt},
          {"rs", rs},
          {"sl", sl},
          {"em", em}});
    b.fn("grads", {x, M, R, C, T, W4},
         {{"total", total},
          {"dx", d[0]},
          {"dM", d[1]},
          {"dR", d[2]},
          {"dC", d[3]},
          {"dT", d[4]},
          {"dW4", d[5]}});
    return b.done();
}

// Element-wise chains far deeper than the fusion depth limit, one of them read twice.
Model deep_chain() {
    ModelBuilder b("deep_chain");
    const Expr x = b.in("x", {5}, {-1.0, 1.0}), s = b.in("s", {}, {-1.0, 1.0});
    Expr y = x, z = s;
    for (int i = 0; i < 90; ++i) {
        y = i % 3 == 0 ? sin(y) + 0.5 * x : i % 3 == 1 ? tanh(y * 1.1) : y - 0.1 * y * y;
        z = cos(z) * 0.9 + z * s;
    }
    const Expr f = sum(y * y) + z;
    b.fn("chain", {x, s}, {{"y", y}, {"z", z}, {"f", f}, {"dx", grad(f, x)}, {"ds", grad(f, s)}});
    return b.done();
}

// --- derivatives of derivatives ------------------------------------------------

// Hessian-vector product, full Hessian and Jacobian, jvp, and diff(f, x, k) for k <= 3.
Model derivatives() {
    ModelBuilder b("derivatives");
    const Expr x = b.in("x", {3}), v = b.in("v", {3}), t = b.in("t", {3});
    const Expr A = b.in("A", {4, 3}), s = b.in("s", {}, {-1.5, 1.5});
    const Expr f = logsumexp(matmul(A, x)) + sum(pow(x, 3.0)) / 3.0 + sum(sin(x) * x);
    const Expr gx = grad(f, x);
    const Expr hvp = grad(sum(gx * v), x);
    const Expr y = softmax(matmul(A, x));
    const Expr g2 = grad(sum(grad(f, A) * A), A); // a mixed second derivative by a matrix
    b.fn("hvp", {A, x, v}, {{"f", f}, {"g", gx}, {"hvp", hvp}, {"g2", g2}});
    b.fn("hess", {A, x}, {{"H", hessian(f, x)}, {"J", jacobian(y, x)}, {"JA", jacobian(y, A)}});
    b.fn("forward", {A, x, t},
         {{"jvp_y", jvp(y, x, t)}, {"jvp_f", jvp(f, x, t)}, {"jvp_g", jvp(gx, x, t)}});
    const Expr h = sin(s) * exp(s / 2.0);
    b.fn("diffs", {s},
         {{"d0", diff(h, s, 0)},
          {"d1", diff(h, s, 1)},
          {"d2", diff(h, s, 2)},
          {"d3", diff(h, s, 3)},
          {"p3", diff(pow(s, 5.0), s, 3)},
          {"sp3", diff(sigmoid(s), s, 3)}});
    return b.done();
}

// Banded Jacobians, computed by compressed sweeps (one per colour, not per direction):
// the extended Rosenbrock Hessian (band 1: three colours, forward over reverse), a
// tridiagonal Jacobian in forward mode, and a banded one in reverse mode.
Model banded() {
    ModelBuilder b("banded");
    const Expr x = b.in("x", {10});
    const Expr pairs = reshape(x, Shape{5, 2});
    const Expr a = index(pairs, {all, at(0)}), c = index(pairs, {all, at(1)});
    const Expr f = sum(100.0 * pow(c - a * a, 2.0) + pow(1.0 - a, 2.0));
    const Expr left = index(x, {range(0, 8)}), mid = index(x, {range(1, 9)}),
               right = index(x, {range(2, 10)});
    const Expr tri = concat_of({index(x, {range(0, 1)}), sin(left) * mid + right * right,
                                index(x, {range(9, 10)})});
    const Expr few = index(exp(x * 0.5) * x, {range(0, 4)});
    b.fn("hess", {x}, {{"f", f}, {"H", hessian(f, x)}});
    b.fn("jac", {x}, {{"J", jacobian(tri, x)}, {"R", jacobian(few, x)}});
    return b.done();
}

// Jacobian loops in every combination the lowering must schedule: nested (a loop inside
// a loop's body, three deep), siblings over shared nodes (a Hessian and its directional
// derivative, a Jacobian and its jvp), a loop's result read by another loop and returned
// too, reverse mode through a Jacobian (a planar arm's manipulability sqrt(det(J J^T))).
// Each was wrong in some compiled header while the interpreter was right.
Model loop_combinations() {
    ModelBuilder b("loop_combinations");
    const Expr q = b.in("q", {2}), v = b.in("v", {2}), x = b.in("x", {3}), u = b.in("u", {3});
    const Expr c = sum(pow(stack_of({index(q, {at(0)}) * index(q, {at(1)})}), 2.0));
    const Expr Hc = hessian(c, q);
    b.fn("third", {q}, {{"T", jacobian(Hc, q)}});
    b.fn("third_with_inner", {q}, {{"H", Hc}, {"T", jacobian(Hc, q)}, {"g", grad(c, q)}});
    const Expr f = sum(exp(x) * x) + sum(index(x, {range(1, 3)}) * index(x, {range(0, 2)}));
    const Expr H = hessian(f, x);
    b.fn("hessian_and_jvp", {x, u}, {{"H", H}, {"T", jvp(H, x, u)}});
    const Expr J = jacobian(q * q, q);
    const Expr w = sum(J);
    b.fn("sum_and_jvp", {q, v}, {{"w", w}, {"dw", jvp(w, q, v)}});
    b.fn("jacobian_and_jvp", {q, v}, {{"J", J}, {"dJ", jvp(J, q, v)}});
    const Expr p = stack_of({sin(index(x, {at(0)})) * index(x, {at(1)}), exp(index(x, {at(2)})),
                             index(x, {at(0)}) * index(x, {at(2)})});
    const Expr Jp = jacobian(p, x);
    b.fn("gauss_newton", {x}, {{"J", Jp}, {"dJtJ", jacobian(matmul(transpose(Jp), Jp), x)}});
    b.fn("hessian_vector", {x}, {{"H", H}, {"dHx", jacobian(matmul(H, x), x)}, {"dH", jacobian(H, x)}});
    // reverse mode through jacobians
    const Expr ang1 = index(q, {at(0)}), ang12 = ang1 + index(q, {at(1)});
    const Expr arm = stack_of({cos(ang1) + cos(ang12), sin(ang1) + sin(ang12)});
    const Expr Ja = jacobian(arm, q);
    const Expr M = matmul(Ja, transpose(Ja));
    const Expr det = index(M, {at(0), at(0)}) * index(M, {at(1), at(1)}) -
                     index(M, {at(0), at(1)}) * index(M, {at(1), at(0)});
    const Expr manip = sqrt(det + 1e-3);
    b.fn("manipulability", {q}, {{"w", manip}, {"dw", grad(manip, q)}, {"Hw", hessian(manip, q)}});
    b.fn("regularised", {x}, {{"r", sum(Jp * Jp)}, {"dr", grad(sum(Jp * Jp), x)}, {"dHf", grad(sum(H * H), x)}});
    b.fn("three_deep", {q}, {{"F", jacobian(jacobian(Hc, q), q)}});
    return b.done();
}

// Scalars only: every value lives in a local, and nothing loops (and the literal pi).
Model scalar_only() {
    ModelBuilder b("scalar_only");
    const Expr a = b.in("a", {}, positive), c = b.in("c"), k = b.in("k");
    const Expr f = log1p(exp(a * c)) + tanh(k) / sqrt(a * a + 1.0) + where(a < c, a, c) +
                   max(a, k) * pow(c * c + 1.0, k) + logsumexp(a * k) + softmax(c) * k +
                   std::numbers::pi * a;
    const auto d = grad(f, std::vector<Expr>{a, c, k});
    b.fn("f", {a, c, k}, {{"f", f}});
    b.fn("f_grad", {a, c, k},
         {{"f", f}, {"da", d[0]}, {"dc", d[1]}, {"dk", d[2]}, {"daa", diff(f, a, 2)}});
    return b.done();
}

// --- emission edge cases ---------------------------------------------------------

// Results that are inputs, constants, views of inputs or repeats; unused parameters;
// a function without parameters.
Model edge_results() {
    ModelBuilder b("edge_results");
    const Expr x = b.in("x", {2, 3}), u = b.in("u", {4}), s = b.in("s");
    Graph& g = b.g();
    const Expr y = sin(x) * 2.0;
    b.fn("identity", {x}, {{"x_out", x}});
    b.fn("scalar_identity", {s}, {{"s_out", s}, {"s_again", s}});
    b.fn("consts", {x},
         {{"c", constant(g, 2.5)},
          {"ct", constant(g, -1.25, {2, 3})},
          {"y", y},
          {"z", zeros(g, {4})}});
    b.fn("twice", {x}, {{"a", y}, {"b", y}, {"c", x}, {"d", x}, {"e", sum(y)}, {"f", sum(y)}});
    b.fn("unused", {x, u, s}, {{"r", sum(x) * s}});
    b.fn("all_unused", {x, u}, {{"k", constant(g, 7.0)}});
    b.fn("grad_unused", {x, u}, {{"du", grad(sum(x), u)}, {"dx", grad(sum(x * x), x)}});
    b.fn("no_params", {}, {{"k", constant(g, 3.0)}, {"kt", ones(g, {2, 2})}, {"e", eye(g, 3)}});
    b.fn("views", {x},
         {{"t", transpose(x)},
          {"r", reshape(x, {3, 2})},
          {"row", index(x, {at(1)})},
          {"el", index(x, {at(0), at(2)})},
          {"col", index(x, {all, at(1)})},
          {"big", broadcast(x, {2, 2, 3})}});
    return b.done();
}

// IEEE special values as constants, alone and inside expressions.
Model special_constants() {
    ModelBuilder b("special_constants");
    const Expr x = b.in("x", {3}, {0.5, 2.0});
    Graph& g = b.g();
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    b.fn("alone", {},
         {{"nan", constant(g, nan)},
          {"pinf", constant(g, inf)},
          {"ninf", constant(g, -inf)},
          {"nzero", constant(g, -0.0)},
          {"pzero", constant(g, 0.0)},
          {"nzeros", constant(g, -0.0, {3})},
          {"tiny", constant(g, 4.9406564584124654e-324)},
          {"huge", constant(g, std::numeric_limits<double>::max())},
          {"third", constant(g, 1.0 / 3.0)},
          {"neg_tenth", constant(g, -0.1)},
          {"big_int", constant(g, 9007199254740993.0)}});
    b.fn("inside", {x},
         {{"times_nzero", x * -0.0},
          {"plus_nan", x + nan},
          {"signed_inf", where(x > 1.0, inf, -inf)},
          {"min_inf", min(x, inf)},
          {"scaled_tiny", x * 1e-300 * 1e-10},
          {"plus_nzero", x + -0.0},
          {"inf_minus", inf - x}});
    return b.done();
}

// Large enough that the allocating overload takes its work array from the heap.
Model large() {
    ModelBuilder b("large");
    const Expr A = b.in("A", {72, 72}, {-0.2, 0.2}), v = b.in("v", {72});
    const Expr B = matmul(A, A);
    const Expr f = sum(matmul(tanh(B), v)) + sum(matmul(transpose(B), A) * A);
    b.fn("f", {A, v}, {{"f", f}});
    b.fn("f_grad", {A, v}, {{"f", f}, {"dA", grad(f, A)}, {"dv", grad(f, v)}});
    return b.done();
}

} // namespace

const std::vector<ZooEntry>& zoo() {
    static const std::vector<ZooEntry> entries = {
        {"circuit", circuit},
        {"neuron", neuron},
        {"norm_wx", norm_wx},
        {"two_layer", two_layer},
        {"mlp", mlp},
        {"classifier", classifier},
        {"softmax_side", softmax_side},
        {"logistic", logistic},
        {"fused_sums", fused_sums},
        {"small_tensor", small_tensor},
        {"unary", unary},
        {"every_elementwise_op", every_elementwise_op},
        {"unary_second", unary_second},
        {"binary", binary},
        {"compare_where", compare_where},
        {"broadcasts", broadcasts},
        {"reductions", reductions},
        {"extrema", extrema},
        {"transposes", transposes},
        {"matmuls", matmuls},
        {"indexing", indexing},
        {"structure", structure},
        {"rank4", rank4},
        {"view_chains", view_chains},
        {"unit_axes", unit_axes},
        {"deep_chain", deep_chain},
        {"derivatives", derivatives},
        {"banded", banded},
        {"loop_combinations", loop_combinations},
        {"scalar_only", scalar_only},
        {"edge_results", edge_results},
        {"special_constants", special_constants},
        {"large", large},
        {"fuzz_1", [] { return random_model("fuzz_1", 1); }},
        {"fuzz_2", [] { return random_model("fuzz_2", 2); }},
        {"fuzz_3", [] { return random_model("fuzz_3", 3); }},
        {"fuzz_4", [] { return random_model("fuzz_4", 4); }},
        {"fuzz_5", [] { return random_model("fuzz_5", 5); }},
        {"fuzz_6", [] { return random_model("fuzz_6", 6); }},
        {"fuzz_7", [] { return random_model("fuzz_7", 7); }},
        {"fuzz_8", [] { return random_model("fuzz_8", 8); }},
    };
    return entries;
}

Model build_model(std::string_view name) {
    for (const ZooEntry& e : zoo())
        if (e.name == name)
            return e.build();
    throw Error("no zoo model named '" + std::string(name) + "'");
}

Model build_scalable(std::int64_t n) {
    ModelBuilder b("scalable");
    const Expr x = b.in("x", {n}), A = b.in("A", {3, n}), c = b.in("c", {3});
    const Expr h = tanh(matmul(A, x) + c);
    const Expr inner = index(x, {range(1, static_cast<int>(n) - 1)});
    const Expr f =
        logsumexp(h) + sum(softmax(x) * x) + mean(inner * inner) + sum(matmul(transpose(A), h) * x);
    const auto d = grad(f, std::vector<Expr>{x, A, c});
    b.fn("f", {x, A, c}, {{"f", f}});
    b.fn("f_grad", {x, A, c}, {{"f", f}, {"dx", d[0]}, {"dA", d[1]}, {"dc", d[2]}});
    return b.done();
}

const std::vector<std::string_view>& golden_models() {
    static const std::vector<std::string_view> names = {"circuit", "neuron", "norm_wx",
                                                        "small_tensor"};
    return names;
}

std::string emit_model(const Model& m) {
    codegen::EmitOptions options;
    options.ns = m.name;
    options.source_name = "the codegen test zoo (" + m.name + ")";
    return codegen::emit_header(*m.graph, m.functions, options);
}

} // namespace symdiff::test
