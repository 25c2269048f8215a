// The nested-derivative model writer. Every value carries its shape, its derivative order by
// the variable, how deep the Jacobian loops in it nest, the inputs it reads and the derivative
// values it reads by name; a derivative, or an expression around one, is chosen among those
// the shapes, the order bound and the element bound admit. Exports list the inputs their
// results read; a parameter the graph turns out not to use is dropped after a trial parse.
#include "tests/fuzz/nested_gen.hpp"

#include "tests/support/random.hpp"
#include "lang/model.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

namespace symdiff::fuzz {
namespace {

using Dims = std::vector<std::int64_t>;
using Names = std::set<std::string>;

struct Value {
    std::string text;
    Dims shape;
    int order = 0;      // derivative order by the variable
    int loops = 0;      // how deep the jacobian and hessian loops in it nest
    Names deps;         // inputs read
    Names uses;         // derivative values read by name (definitions and earlier results)
    bool atomic = true; // a name or a call: needs no parentheses as an operand
};

struct Result {
    std::string name; // the value's own name when it is returned bare
    Value value;
};

struct Export {
    std::string name;
    std::vector<std::string> params;
    std::vector<Result> results;
};

std::int64_t numel(const Dims& d) {
    std::int64_t n = 1;
    for (auto x : d)
        n *= x;
    return n;
}

Names merge(Names a, const Names& b) {
    a.insert(b.begin(), b.end());
    return a;
}

std::string paren(const Value& v) { return v.atomic ? v.text : "(" + v.text + ")"; }

// A name for a derivative value: T of third order, else w, g, H or J by its shape.
std::string stem(const Value& v) {
    if (v.order >= 3)
        return "T";
    if (v.shape.size() <= 1)
        return v.shape.empty() ? "w" : "g";
    return v.text.starts_with("hessian") ? "H" : "J";
}

class Writer {
  public:
    Writer(std::uint64_t seed, const NestedGenOptions& o) : rng_(seed), o_(o) {}

    NestedModel model();

  private:
    // --- values of the variable (order 0)
    Value scalar_of_q(int depth);
    Value vector_of_q(std::int64_t m, int depth);
    Value objective();
    Value tangent();

    // --- derivatives, and expressions around them
    std::optional<Value> derivative(const Value& x);
    std::optional<Value> around(const Value& x);
    const Value& pick_source();
    const Value* pick_derived();

    std::string index(std::int64_t d) { return std::to_string(rng_.integer(0, d - 1)); }
    std::string fresh_name(const std::string& stem) {
        for (int k = 1;; ++k) {
            std::string n = stem + std::to_string(k);
            if (used_.insert(n).second)
                return n;
        }
    }
    Value of_q(std::string text, bool atomic = true) const {
        return {std::move(text), {}, 0, 0, {q_}, {}, atomic};
    }
    template <class Options> auto choose(const Options& options) {
        return options[static_cast<std::size_t>(
            rng_.integer(0, static_cast<std::int64_t>(options.size()) - 1))]();
    }
    void define(const std::string& name, const Value& v);

    symdiff::test::Rng rng_;
    NestedGenOptions o_;
    std::string q_, v_, w_; // the variable, the tangent, a matrix input (w_ empty: none)
    std::int64_t n_ = 1, w_rows_ = 0;
    std::vector<Value> pool_; // named values: y and s, then derivative values
    std::vector<std::string> statements_;
    std::set<std::string> used_;
    std::map<std::string, int> returned_;     // how many exports return each named value
    std::map<std::string, std::string> from_; // a named derivative: the named value it is of
    int reverse_through_ = 0;
};

Value Writer::scalar_of_q(int depth) {
    const std::string& q = q_;
    if (depth <= 0 || rng_.chance(0.4)) {
        const std::string i = q + "[" + index(n_) + "]", j = q + "[" + index(n_) + "]";
        const std::vector<std::function<Value()>> leaves = {
            [&] { return of_q(i); },
            [&] { return of_q(i + " * " + j, false); },
            [&] { return of_q("sin(" + i + ")"); },
            [&] { return of_q("cos(" + i + " + " + j + ")"); },
            [&] { return of_q("exp(0.5 * " + i + ")"); },
            [&] { return of_q(i + " ^ 3", false); },
            [&] { return of_q("tanh(" + i + " * " + j + ")"); },
            [&] { return of_q("sum(" + q + " * " + q + ")"); },
            [&] { return of_q(q + " @ sin(" + q + ")", false); },
        };
        return choose(leaves);
    }
    const Value a = scalar_of_q(depth - 1), b = scalar_of_q(depth - 1);
    const std::vector<std::function<Value()>> nodes = {
        [&] { return of_q(paren(a) + " + " + paren(b), false); },
        [&] { return of_q(paren(a) + " * " + paren(b), false); },
        [&] { return of_q(paren(a) + " - " + paren(b), false); },
        [&] { return of_q("sin(" + a.text + ")"); },
        [&] { return of_q(paren(a) + " ^ 2", false); },
    };
    return choose(nodes);
}

Value Writer::vector_of_q(std::int64_t m, int depth) {
    const std::string& q = q_;
    auto shaped = [m](Value v) {
        v.shape = {m};
        return v;
    };
    if (depth > 0 && rng_.chance(0.5)) {
        const Value a = vector_of_q(m, depth - 1), b = vector_of_q(m, depth - 1);
        const std::vector<std::function<Value()>> nodes = {
            [&] { return of_q(paren(a) + " + " + paren(b), false); },
            [&] { return of_q(paren(a) + " * " + paren(b), false); },
            [&] { return of_q(paren(a) + " - " + paren(b), false); },
            [&] { return of_q("tanh(" + a.text + ")"); },
            [&] { return of_q("sin(" + a.text + ")"); },
            [&] { return of_q(paren(a) + " ^ 2", false); },
        };
        Value v = shaped(choose(nodes));
        v.deps = merge(merge(v.deps, a.deps), b.deps);
        return v;
    }
    std::vector<std::function<Value()>> leaves;
    if (m == n_) {
        leaves.push_back([&] {
            struct Form {
                const char* text; // Q stands for the variable
                bool atomic;
            };
            static const Form forms[] = {
                {"sin(Q)", true},     {"cos(Q)", true},      {"tanh(Q)", true},
                {"Q ^ 2", false},     {"Q ^ 3", false},      {"exp(0.5 * Q)", true},
                {"sigmoid(Q)", true}, {"Q * sin(Q)", false}, {"Q * Q[0]", false},
            };
            const Form& f = forms[rng_.integer(0, 8)];
            std::string text;
            for (const char* c = f.text; *c; ++c)
                text += *c == 'Q' ? q : std::string(1, *c);
            return of_q(text, f.atomic);
        });
    }
    if (m < n_ || (m == n_ && n_ > 1)) { // windows of the variable
        leaves.push_back([&] {
            const auto a = rng_.integer(0, n_ - m), b = rng_.integer(0, n_ - m);
            const std::string wa = q + "[" + std::to_string(a) + ":" + std::to_string(a + m) + "]";
            const std::string wb = q + "[" + std::to_string(b) + ":" + std::to_string(b + m) + "]";
            return rng_.chance(0.5) ? of_q(wa + " * " + wb, false) : of_q("sin(" + wa + ")");
        });
    }
    leaves.push_back([&] { // a stack of scalars
        std::string text = "stack(";
        for (std::int64_t k = 0; k < m; ++k)
            text += (k ? ", " : "") + scalar_of_q(1).text;
        return of_q(text + ")");
    });
    if (!w_.empty() && w_rows_ == m) { // a matrix input times a vector of the variable
        leaves.push_back([&] {
            Value v = rng_.chance(0.3) ? of_q(q) : vector_of_q(n_, 0);
            return Value{w_ + " @ " + paren(v), {m}, 0, 0, {q_, w_}, {}, false};
        });
    }
    if (m == 2 && n_ >= 2) { // the tip of a planar arm with joint angles q
        leaves.push_back([&] {
            std::string angle, x, y;
            for (std::int64_t k = 0; k < std::min<std::int64_t>(n_, 3); ++k) {
                angle += (k ? " + " : "") + q + "[" + std::to_string(k) + "]";
                const std::string link = k == 0 ? "" : std::to_string(k + 1) + " * ";
                x += (k ? " + " : "") + link + "cos(" + angle + ")";
                y += (k ? " + " : "") + link + "sin(" + angle + ")";
            }
            return of_q("stack(" + x + ", " + y + ")");
        });
    }
    return shaped(choose(leaves));
}

// The scalar s that Hessians and gradients start from.
Value Writer::objective() {
    const Value& y = pool_.front();
    const std::string& q = q_;
    auto reads_y = [&](std::string text, bool atomic = true) {
        Value v = of_q(std::move(text), atomic);
        v.deps = merge(v.deps, y.deps);
        return v;
    };
    const std::vector<std::function<Value()>> forms = {
        [&] { return reads_y("sum(" + y.text + " ^ 2)"); },
        [&] { return reads_y(y.text + " @ sin(" + y.text + ")", false); },
        [&] { return reads_y("logsumexp(" + y.text + ")"); },
        [&] {
            return reads_y("prod(cos(" + y.text + ")) + amax(" + y.text + ") * amin(" + y.text + ")",
                           false);
        },
        [&] { return reads_y("sum(sin(" + y.text + ")) * " + q + "[" + index(n_) + "]", false); },
        [&] { // one rng call per statement: operands of + are evaluated in either order
            const std::string i = index(n_), j = index(n_);
            return of_q("sum(stack(" + q + "[" + i + "] * " + q + "[" + j + "]) ^ 2)");
        },
        [&] {
            return n_ >= 2 ? of_q("sum(exp(" + q + ") * " + q + ") + sum(" + q + "[1:] * " + q +
                                      "[:-1])",
                                  false)
                           : of_q("sum(exp(" + q + ") * " + q + ")");
        },
        [&] { return scalar_of_q(2); },
    };
    return choose(forms);
}

Value Writer::tangent() {
    const double r = rng_.real(0, 1);
    if (r < 0.7)
        return {v_, {n_}, 0, 0, {v_}, {}, true};
    if (r < 0.85)
        return {q_, {n_}, 0, 0, {q_}, {}, true};
    return vector_of_q(n_, 0);
}

// One derivative by the variable: jacobian, jvp, hessian or grad, as x's shape and order
// allow (reverse mode through a value holding a loop only with reverse_through_jacobian:
// its grad and hessian, and its jacobian when it has fewer elements than the variable).
std::optional<Value> Writer::derivative(const Value& x) {
    std::vector<std::function<Value()>> options;
    const auto rank = static_cast<int>(x.shape.size());
    const Names deps = merge(x.deps, {q_});
    // a jacobian with fewer rows than columns is taken in reverse mode, row by row
    const bool reverse_jacobian = x.loops && numel(x.shape) < n_;
    const bool deeper = x.loops + 1 <= o_.max_loop_depth;
    if (x.order + 1 <= o_.max_order && rank < 4 && numel(x.shape) * n_ <= o_.max_elements &&
        deeper && (!reverse_jacobian || o_.reverse_through_jacobian))
        options.insert(options.end(), 4, [&] {
            reverse_through_ += reverse_jacobian;
            Dims s = x.shape;
            s.push_back(n_);
            return Value{
                "jacobian(" + x.text + ", " + q_ + ")", s, x.order + 1, x.loops + 1, deps, x.uses};
        });
    if (x.order + 1 <= o_.max_order)
        options.insert(options.end(), 3, [&] {
            const Value t = tangent();
            return Value{"jvp(" + x.text + ", " + q_ + ", " + t.text + ")",
                         x.shape,
                         x.order + 1,
                         x.loops,
                         merge(deps, t.deps),
                         merge(x.uses, t.uses)};
        });
    if (rank == 0 && (!x.loops || o_.reverse_through_jacobian)) {
        if (x.order + 2 <= o_.max_order && n_ * n_ <= o_.max_elements && deeper)
            options.insert(options.end(), 3, [&] {
                reverse_through_ += x.loops > 0;
                return Value{"hessian(" + x.text + ", " + q_ + ")",
                             {n_, n_},
                             x.order + 2,
                             x.loops + 1,
                             deps,
                             x.uses};
            });
        if (x.order + 1 <= o_.max_order)
            options.push_back([&] {
                reverse_through_ += x.loops > 0;
                return Value{
                    "grad(" + x.text + ", " + q_ + ")", {n_}, x.order + 1, x.loops, deps, x.uses};
            });
    }
    if (options.empty())
        return std::nullopt;
    return choose(options);
}

// An expression around x of the same order: products with the variable, transposes,
// Gram matrices, reductions, indexing, a manipulability, or x times another value.
std::optional<Value> Writer::around(const Value& x) {
    std::vector<std::function<Value()>> options;
    const Dims& s = x.shape;
    const auto rank = s.size();
    const std::string p = paren(x), q = q_;
    auto make = [&](std::string text, Dims shape, bool atomic = true, Names more = {}) {
        Value r = x;
        r.text = std::move(text);
        r.shape = std::move(shape);
        r.atomic = atomic;
        r.deps = merge(r.deps, more);
        return r;
    };
    auto rest = [&](std::size_t from) {
        return Dims(s.begin() + static_cast<std::ptrdiff_t>(from), s.end());
    };
    if (rank == 0) {
        options.push_back([&] { return make(p + " ^ 2", {}, false); });
        options.push_back([&] { return make("sin(" + x.text + ")", {}); });
        options.push_back(
            [&] { return make(p + " * " + q + "[" + index(n_) + "]", {}, false, {q}); });
        options.push_back([&] { return make(p + " * sin(" + q + ")", {n_}, false, {q}); });
    }
    if (rank >= 1) {
        options.push_back([&] { return make("sum(" + p + " ^ 2)", {}); });
        options.push_back([&] { return make(p + "[" + index(s[0]) + "]", rest(1)); });
        options.push_back([&] { return make("sum(" + x.text + ", 0)", rest(1)); });
        options.push_back([&] { return make("tanh(" + x.text + ")", s); });
        options.push_back([&] { return make(p + " * " + p, s, false); });
        if (rank <= 2 && s.back() == n_) {
            options.push_back(
                [&] { return make(p + " @ " + q, Dims(s.begin(), s.end() - 1), false, {q}); });
            options.push_back(
                [&] { return make(p + " @ " + v_, Dims(s.begin(), s.end() - 1), false, {v_}); });
        }
    }
    if (rank == 1 && s[0] == n_)
        options.push_back([&] { return make(p + " * " + q, s, false, {q}); });
    // a matrix's rows and columns, here because the options run after this function's blocks end
    const std::int64_t a = rank == 2 ? s[0] : 0, b = rank == 2 ? s[1] : 0;
    if (rank == 2) {
        options.push_back([&] { return make("transpose(" + x.text + ") @ " + p, {b, b}, false); });
        options.push_back([&] { return make(p + " @ transpose(" + x.text + ")", {a, a}, false); });
        options.push_back([&] { return make(p + "[:, " + index(b) + "]", {a}); });
        if (a == n_)
            options.push_back([&] { return make(q + " @ " + p, {b}, false, {q}); });
        if (a == b) {
            options.push_back([&] { return make(p + " + transpose(" + x.text + ")", s, false); });
            options.push_back([&] { return make(p + " @ " + p, s, false); });
        }
        if (a <= 2 && x.text.size() <= 24) { // sqrt(det(X X^T) + 0.1), a robot's manipulability
            options.push_back([&] {
                const std::string r0 = p + "[0]", r1 = p + "[1]";
                const std::string det = a == 1 ? r0 + " @ " + r0
                                               : "(" + r0 + " @ " + r0 + ") * (" + r1 + " @ " + r1 +
                                                     ") - (" + r0 + " @ " + r1 + ") ^ 2";
                return make("sqrt(" + det + " + 0.1)", {});
            });
        }
    }
    // x times another derivative value of its shape: two uses of shared nodes
    for (const Value& other : pool_)
        if (other.shape == s && other.order >= 1 && other.text != x.text)
            options.push_back([&] {
                Value r = make(p + " * " + paren(other), s, false, other.deps);
                r.order = std::max(x.order, other.order);
                r.loops = std::max(x.loops, other.loops);
                r.uses = merge(r.uses, other.uses);
                return r;
            });
    if (options.empty())
        return std::nullopt;
    return choose(options);
}

// A named value to differentiate, the likelier the higher its order (it stays below the
// bound so that a derivative exists) and if it is a scalar (which has a hessian).
const Value& Writer::pick_source() {
    std::vector<const Value*> weighted;
    for (const Value& v : pool_)
        if (v.order < o_.max_order)
            weighted.insert(weighted.end(),
                            static_cast<std::size_t>(1 + 2 * v.order + 2 * v.shape.empty()), &v);
    return *rng_.pick(weighted);
}

// A named derivative value to return, the likelier if no export returns it yet.
const Value* Writer::pick_derived() {
    std::vector<const Value*> weighted;
    for (const Value& v : pool_)
        if (v.order >= 1)
            weighted.insert(weighted.end(),
                            static_cast<std::size_t>(1 + v.order + 3 * !returned_[v.text]), &v);
    return weighted.empty() ? nullptr : rng_.pick(weighted);
}

void Writer::define(const std::string& name, const Value& v) {
    statements_.push_back(name + " = " + v.text);
    Value named = v;
    named.text = name;
    named.atomic = true;
    if (v.order >= 1)
        named.uses.insert(name);
    pool_.push_back(named);
}

NestedModel Writer::model() {
    static const char* variables[] = {"q", "x", "theta"};
    static const char* tangents[] = {"v", "dq", "u"};
    const auto which = rng_.integer(0, 2);
    q_ = variables[which];
    v_ = tangents[which];
    n_ = rng_.integer(1, o_.max_dim);
    used_ = {q_, v_, "W", "y", "s"};
    const std::int64_t m = rng_.integer(1, o_.max_dim);
    if (rng_.chance(0.3)) {
        w_ = "W";
        w_rows_ = m;
    }
    {
        const Value y = vector_of_q(m, 2);
        define("y", y);
        define("s", objective());
    }

    const auto n_defs = rng_.integer(2, std::max(2, o_.max_definitions));
    for (std::int64_t k = 0; k < n_defs; ++k) {
        if (rng_.chance(0.15)) { // of an unnamed value, as in sum(jacobian(q * q, q))
            const Value x = vector_of_q(rng_.integer(1, o_.max_dim), 0);
            if (auto d = derivative(x)) {
                const Value w = around(*d).value_or(*d);
                define(fresh_name(stem(w)), w);
            }
            continue;
        }
        const Value x = pick_source();
        const Value pre = x.order >= 1 && rng_.chance(0.35) ? around(x).value_or(x) : x;
        std::optional<Value> d = derivative(pre);
        if (!d)
            d = derivative(x);
        if (d && rng_.chance(0.25)) // nested in the text, as in jacobian(hessian(s, q), q)
            d = derivative(*d).value_or(*d);
        if (d && rng_.chance(0.2))
            d = around(*d).value_or(*d);
        if (!d)
            continue;
        const std::string name = fresh_name(stem(*d));
        define(name, *d);
        from_[name] = x.text;
    }

    // Exports: outer derivatives returned with the inner ones they are built on.
    std::vector<Export> exports;
    const auto n_exports = rng_.integer(2, std::max(2, o_.max_exports));
    for (std::int64_t e = 0; e < n_exports; ++e) {
        Export ex{"e" + std::to_string(e), {}, {}};
        auto returned = [&](const std::string& name) {
            return std::any_of(ex.results.begin(), ex.results.end(),
                               [&](const Result& r) { return r.name == name; });
        };
        auto add_named = [&](const Value& v) {
            if (!returned(v.text)) {
                ex.results.push_back({v.text, v});
                ++returned_[v.text];
            }
        };
        // `name = EXPR`; what later results read to use it
        auto add_inline = [&](const Value& v) {
            const std::string name = fresh_name(v.order >= 3 ? "t" : "d");
            Value r = v;
            r.text = name + " = " + v.text;
            ex.results.push_back({name, r});
            Value ref = v;
            ref.text = name;
            ref.atomic = true;
            ref.uses.insert(name);
            return ref;
        };
        auto outer = [&](const Value& v) -> std::optional<Value> {
            const Value pre = rng_.chance(0.5) ? around(v).value_or(v) : v;
            if (auto d = derivative(pre))
                return d;
            return derivative(v);
        };
        const Value* inner = pick_derived();
        switch (rng_.integer(0, 4)) {
        case 0: // a named derivative, one built on it, maybe one more on that
            if (inner && inner->order < o_.max_order) {
                add_named(*inner);
                if (auto d = outer(*inner)) {
                    const Value r = add_inline(*d);
                    if (rng_.chance(0.4))
                        if (auto d2 = outer(r))
                            add_inline(*d2);
                }
            }
            break;
        case 1: { // a chain of results, the later reading the earlier by name
            const Value& base = rng_.pick(pool_);
            if (auto d = outer(base)) {
                const Value r = add_inline(*d);
                if (auto d2 = outer(r))
                    add_inline(*d2);
            }
            break;
        }
        case 2: // siblings: two derivatives of one derivative value
            if (inner) {
                if (rng_.chance(0.5))
                    add_named(*inner);
                for (int k = 0; k < 2; ++k)
                    if (auto d = outer(*inner))
                        add_inline(*d);
                    else if (auto a = around(*inner))
                        add_inline(*a);
            }
            break;
        case 3: { // a named derivative with the named one it differentiates, and maybe more
            std::vector<const Value*> built;
            for (const Value& v : pool_)
                if (from_.count(v.text))
                    built.push_back(&v);
            if (built.empty())
                break;
            const Value& d = *rng_.pick(built);
            for (const Value& v : pool_)
                if (v.text == from_[d.text])
                    add_named(v);
            add_named(d);
            if (rng_.chance(0.5))
                if (auto d2 = outer(d))
                    add_inline(*d2);
            break;
        }
        default: // named values, the model's own y or s among them, and a derivative
            for (int k = 0; k < 2; ++k)
                add_named(rng_.pick(pool_));
            if (auto d = outer(pick_source()))
                add_inline(*d);
            break;
        }
        if (ex.results.empty())
            add_named(inner ? *inner : pool_.front());
        exports.push_back(std::move(ex));
    }

    // What it covers.
    NestedModel out;
    out.exports = static_cast<int>(exports.size());
    out.reverse_through = reverse_through_;
    for (const Export& ex : exports) {
        bool with_inner = false, shared = false;
        for (const Result& a : ex.results) {
            ++out.results;
            out.third_order += a.value.order >= 3;
            for (const Result& b : ex.results) {
                if (&a == &b)
                    continue;
                with_inner = with_inner || (a.value.order >= 1 && b.value.uses.count(a.name) &&
                                            b.value.order > a.value.order);
                // both read a derivative value that is neither of them
                for (const std::string& u : a.value.uses)
                    shared = shared || (u != a.name && u != b.name && b.value.uses.count(u));
            }
        }
        out.with_inner += with_inner;
        out.shared += shared;
    }

    // Parameters: every input a result reads, in random order; the trial parse below drops
    // those the graph does not use.
    for (Export& ex : exports) {
        Names deps;
        for (const Result& r : ex.results)
            deps = merge(deps, r.value.deps);
        ex.params.assign(deps.begin(), deps.end());
        for (std::size_t k = ex.params.size(); k > 1; --k)
            std::swap(ex.params[k - 1], ex.params[static_cast<std::size_t>(
                                            rng_.integer(0, static_cast<std::int64_t>(k) - 1))]);
    }
    std::string inputs =
        "input " + q_ + "[" + std::to_string(n_) + "], " + v_ + "[" + std::to_string(n_) + "]";
    if (!w_.empty())
        inputs += ", " + w_ + "[" + std::to_string(w_rows_) + ", " + std::to_string(n_) + "]";
    for (int attempt = 0;; ++attempt) {
        std::string text = "# nested derivatives\n" + inputs + "\n";
        for (const std::string& s : statements_)
            text += s + "\n";
        for (const Export& ex : exports) {
            text += "export " + ex.name + "(";
            for (std::size_t k = 0; k < ex.params.size(); ++k)
                text += (k ? ", " : "") + ex.params[k];
            text += ") -> ";
            for (std::size_t k = 0; k < ex.results.size(); ++k)
                text += (k ? ", " : "") + ex.results[k].value.text;
            text += "\n";
        }
        try {
            parse_model(text, "nested.sd");
            out.text = text;
            return out;
        } catch (const Error& err) {
            // "parameter 'P' is not used by any result of 'E'": drop P from E and retry
            const std::string msg = err.what();
            const std::string head = "parameter '", mid = "' is not used by any result of '";
            const std::size_t a = msg.find(mid);
            if (attempt > 16 || !msg.starts_with(head) || a == std::string::npos)
                throw std::runtime_error(
                    "the nested model generator wrote a model that does not parse (" + msg +
                    " at " + std::to_string(err.loc().line) + ":" + std::to_string(err.loc().col) +
                    "):\n" + text);
            const std::string p = msg.substr(head.size(), a - head.size());
            const std::string fn = msg.substr(a + mid.size(), msg.size() - a - mid.size() - 1);
            for (Export& ex : exports)
                if (ex.name == fn)
                    ex.params.erase(std::remove(ex.params.begin(), ex.params.end(), p),
                                    ex.params.end());
        }
    }
}

} // namespace

NestedModel random_nested_model(std::uint64_t seed, const NestedGenOptions& options) {
    return Writer(seed, options).model();
}

} // namespace symdiff::fuzz
