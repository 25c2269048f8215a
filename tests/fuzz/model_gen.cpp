// The random model writer: expressions are generated top-down for a requested shape, so
// every choice fixes its operands' shapes; each value remembers which inputs it reads, so
// an export lists exactly the parameters it needs (a parameter that the graph turns out not
// to use - a derivative that no longer reads it - is dropped after a trial parse).
#include "tests/fuzz/model_gen.hpp"

#include "core/ops.hpp"
#include "lang/model.hpp"
#include "tests/support/random.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

namespace symdiff::fuzz {
namespace {

using Dims = std::vector<std::int64_t>;
using Deps = std::set<std::string>;

struct Val {
    std::string text;
    Deps deps;
    bool atomic = false; // a name, number or call: needs no parentheses as an operand
};

struct Named {
    std::string name;
    Dims shape;
    bool input = false;
    Deps deps;
};

// A function of the model: its parameters' shapes (its calls pass arguments of those
// shapes), its result's, and the inputs its body reads besides its parameters.
struct Fn {
    std::string name;
    std::vector<Dims> params;
    Dims result;
    Deps deps;
};

struct Export {
    std::string name;
    std::vector<std::string> params;
    std::vector<std::string> results; // "f" or "NAME = EXPR"
};

std::int64_t numel(const Dims& d) {
    std::int64_t n = 1;
    for (auto x : d)
        n *= x;
    return n;
}

bool broadcasts_to(const Dims& a, const Dims& s) {
    if (a.size() > s.size())
        return false;
    const std::size_t off = s.size() - a.size();
    for (std::size_t k = 0; k < a.size(); ++k)
        if (a[k] != 1 && a[k] != s[off + k])
            return false;
    return true;
}

std::string dims_text(const Dims& d) {
    std::string s;
    for (std::size_t k = 0; k < d.size(); ++k)
        s += (k ? ", " : "") + std::to_string(d[k]);
    return s;
}

Deps merge(const Deps& a, const Deps& b) {
    Deps d = a;
    d.insert(b.begin(), b.end());
    return d;
}

std::string paren(const Val& v) { return v.atomic ? v.text : "(" + v.text + ")"; }

class Writer {
  public:
    Writer(std::uint64_t seed, const ModelGenOptions& o) : rng_(seed), o_(o) {}

    std::string model();

  private:
    // --- shapes
    Dims random_shape(int max_rank) {
        Dims d(static_cast<std::size_t>(rng_.integer(0, max_rank)));
        for (auto& x : d)
            x = rng_.integer(1, o_.max_dim);
        return d;
    }
    Dims sub_shape(const Dims& s) {
        if (rng_.chance(0.6))
            return s;
        Dims d(s.begin() + rng_.integer(0, static_cast<std::int64_t>(s.size())), s.end());
        for (auto& x : d)
            if (rng_.chance(0.3))
                x = 1;
        return d;
    }
    int inner_rank() const { return o_.max_rank + 1; }

    // --- text pieces
    std::string number() {
        static const char* forms[] = {"2",   "3",    "0.5", "1.5", ".75", "1e-1",
                                      "2.5", "0.25", "1E0", "4",   "0.1", "1.25e+0"};
        return forms[rng_.integer(0, 11)];
    }
    std::string op_space(const char* op) {
        if (!o_.layout || rng_.chance(0.8))
            return std::string(" ") + op + " ";
        if (rng_.chance(0.3))
            return op;
        if (rng_.chance(0.5))
            return std::string(" ") + op + " # continued\n    ";
        return std::string(" ") + op + "\n\t";
    }
    // A reduction of the language; amax and amin (kinks at ties) only where kinks are allowed.
    std::string reduction() {
        static const char* f[] = {"sum", "mean", "logsumexp", "prod", "amax", "amin"};
        return f[rng_.integer(0, o_.kinks ? 5 : 3)];
    }
    Val squash(const Val& e, double lo, double hi) {
        // lo + (hi - lo) sigmoid(e): inside [lo, hi] whatever e is
        return {"(" + fmt(lo) + " + " + fmt(hi - lo) + " * sigmoid(" + e.text + "))", e.deps, true};
    }
    static std::string fmt(double v) {
        std::string s = std::to_string(v);
        while (s.size() > 1 && s.back() == '0')
            s.pop_back();
        if (s.back() == '.')
            s.pop_back();
        return s;
    }

    // --- expressions
    Val expr(const Dims& s, int depth);
    Val leaf(const Dims& s);
    Val unary(const Dims& s, int depth);
    Val binary(const Dims& s, int depth);
    Val branch(const Dims& s, int depth);
    std::optional<Val> structural(const Dims& s, int depth);
    std::optional<Val> derivative(const Dims& s, int depth);
    Val objective(int depth);
    std::string function_def();
    Val loop(const Fn& fn, bool scan, std::int64_t steps = 0);
    Val call(const Fn& fn);

    std::string fresh_name(const std::string& stem) {
        for (int k = 0;; ++k) {
            std::string n = stem + (k ? std::to_string(k) : "");
            if (!used_.count(n)) {
                used_.insert(n);
                return n;
            }
        }
    }

    std::vector<const Named*> inputs() const {
        std::vector<const Named*> v;
        for (const Named& n : names_)
            if (n.input)
                v.push_back(&n);
        return v;
    }

    symdiff::test::Rng rng_;
    ModelGenOptions o_;
    std::vector<Named> names_;
    std::vector<Fn> fns_;
    int calls_open_ = 0; // calls whose arguments are being written
    std::set<std::string> used_;
};

Val Writer::expr(const Dims& s, int depth) {
    if (depth <= 0 || rng_.chance(0.2))
        return leaf(s);
    const double r = rng_.real(0.0, 1.0);
    if (r < 0.35)
        if (auto v = structural(s, depth - 1))
            return *v;
    if (r < 0.6)
        return unary(s, depth - 1);
    if (r < 0.88 || !o_.kinks)
        return binary(s, depth - 1);
    return branch(s, depth - 1);
}

Val Writer::leaf(const Dims& s) {
    std::vector<std::function<Val()>> options;
    for (const Named& n : names_) {
        const Val v{n.name, n.deps, true};
        if (n.shape == s) {
            options.insert(options.end(), 4, [v] { return v; });
            continue;
        }
        if (!s.empty() && broadcasts_to(n.shape, s)) {
            options.push_back([this, v, s] {
                return rng_.chance(0.5)
                           ? Val{"(" + v.text + " * ones(" + dims_text(s) + "))", v.deps}
                           : Val{"(zeros(" + dims_text(s) + ") + " + v.text + ")", v.deps};
            });
        }
        // (d, s...) -> s: an index of the first axis, or a reduction over it
        if (n.shape.size() == s.size() + 1 && Dims(n.shape.begin() + 1, n.shape.end()) == s) {
            const std::int64_t d = n.shape[0];
            options.push_back([this, v, d] {
                const std::int64_t i = rng_.integer(-d, d - 1);
                return Val{v.text + "[" + std::to_string(i) + "]", v.deps, true};
            });
            options.push_back([this, v] {
                return Val{reduction() + "(" + v.text + ", 0)", v.deps, true};
            });
        }
        if (s.empty() && !n.shape.empty()) {
            options.push_back([this, v, n] {
                if (rng_.integer(0, 6) < 6)
                    return Val{reduction() + "(" + v.text + ")", v.deps, true};
                std::string idx;
                for (std::size_t a = 0; a < n.shape.size(); ++a)
                    idx += (a ? ", " : "") + std::to_string(rng_.integer(0, n.shape[a] - 1));
                return Val{v.text + "[" + idx + "]", v.deps, true};
            });
        }
        // a window of a vector, in every spelling of a slice
        if (s.size() == 1 && n.shape.size() == 1 && n.shape[0] > s[0]) {
            const std::int64_t d = n.shape[0], k = s[0];
            options.push_back([this, v, d, k] {
                const std::int64_t a = rng_.integer(0, d - k);
                std::string lo = std::to_string(a), hi = std::to_string(a + k);
                if (a == 0 && rng_.chance(0.5))
                    lo = "";
                else if (rng_.chance(0.3))
                    lo = std::to_string(a - d);
                if (a + k == d && rng_.chance(0.5))
                    hi = "";
                else if (a + k < d && rng_.chance(0.3))
                    hi = std::to_string(a + k - d); // from the end; -0 would mean 0
                return Val{v.text + "[" + lo + ":" + hi + "]", v.deps, true};
            });
        }
        // a column of a matrix
        if (s.size() == 1 && n.shape.size() == 2 && n.shape[0] == s[0]) {
            const std::int64_t d = n.shape[1];
            options.push_back([this, v, d] {
                return Val{v.text + "[:, " + std::to_string(rng_.integer(0, d - 1)) + "]", v.deps,
                           true};
            });
        }
    }
    for (const Fn& fn : fns_) {
        if (fn.result == s && calls_open_ < 2)
            options.insert(options.end(), 2, [this, &fn] { return call(fn); });
        if (o_.loops && fn.result == s && fn.params.size() <= 2 && fn.params[0] == s && calls_open_ < 2)
            options.insert(options.end(), 2, [this, &fn] { return loop(fn, false); });
        if (o_.loops && fn.params.size() <= 2 && fn.params[0] == fn.result && s.size() == fn.result.size() + 1 &&
            s[0] <= o_.max_dim && Dims(s.begin() + 1, s.end()) == fn.result && calls_open_ < 2)
            options.push_back([this, &fn, s] { return loop(fn, true, s[0]); });
    }
    if (options.empty() || rng_.chance(0.1)) {
        if (s.empty())
            return rng_.chance(0.15) ? Val{"pi", {}, true} : Val{number(), {}, true};
        return Val{"(" + number() + " * ones(" + dims_text(s) + "))", {}, true};
    }
    return options[static_cast<std::size_t>(
        rng_.integer(0, static_cast<std::int64_t>(options.size()) - 1))]();
}

// The language's element-wise functions of `arity` operands, from the op table: each
// operand is squashed into the domain its entry's tests sample, so values stay finite.
struct Function {
    std::string name;
    std::vector<Interval> domain;
    bool kink;
};

std::vector<Function> functions(int arity) {
    std::vector<Function> out;
    for (int k = 0; k < op_count; ++k)
        visit(static_cast<Op>(k), [&](auto entry) {
            using E = decltype(entry);
            if constexpr (E::kind == OpKind::elementwise) {
                if (E::syntax.call && !E::syntax.takes_condition && E::arity == arity)
                    out.push_back(
                        {std::string(E::name),
                         std::vector<Interval>(E::test_domain.begin(), E::test_domain.end()),
                         E::kink});
            }
        });
    return out;
}

Val Writer::unary(const Dims& s, int depth) {
    static const std::vector<Function> fns = functions(1);
    const Val e = expr(s, depth);
    const auto n = static_cast<std::int64_t>(fns.size());
    const std::int64_t k = rng_.integer(0, n + 2);
    if (k == n)
        return {"-" + paren(e), e.deps};
    if (k == n + 1)
        return {paren(e) + " ^ " + (rng_.chance(0.5) ? "2" : "3"), e.deps};
    if (k == n + 2) {
        const Val b = squash(e, 0.2, 2.5);
        return rng_.chance(0.5)
                   ? Val{b.text + " ^ -1", e.deps}
                   : Val{"pow(" + b.text + ", " + fmt(rng_.real(-2, 2)) + ")", e.deps, true};
    }
    const Function& f = fns[static_cast<std::size_t>(k)];
    if (f.kink && !o_.kinks)
        return {"tanh(" + e.text + ")", e.deps, true};
    const Val arg = squash(e, f.domain[0].lo, f.domain[0].hi);
    return {f.name + "(" + arg.text + ")", arg.deps, true};
}

Val Writer::binary(const Dims& s, int depth) {
    static const std::vector<Function> fns = functions(2);
    Val a = expr(s, depth), b = expr(sub_shape(s), depth);
    if (rng_.chance(0.5))
        std::swap(a, b);
    const Deps deps = merge(a.deps, b.deps);
    const auto n = static_cast<std::int64_t>(fns.size());
    switch (const std::int64_t k = rng_.integer(0, n + 3); k) {
    case 0:
        return {paren(a) + op_space("+") + paren(b), deps};
    case 1:
        return {paren(a) + op_space("-") + paren(b), deps};
    case 2:
        return {paren(a) + op_space("*") + paren(b), deps};
    case 3:
        return {paren(a) + op_space("/") + squash(b, 0.5, 2.5).text, deps};
    default: {
        const Function& f = fns[static_cast<std::size_t>(k - 4)];
        if (f.kink && !o_.kinks)
            return {paren(a) + op_space("+") + paren(b), deps};
        return {f.name + "(" + squash(a, f.domain[0].lo, f.domain[0].hi).text + ", " +
                    squash(b, f.domain[1].lo, f.domain[1].hi).text + ")",
                deps, true};
    }
    }
}

// The words that combine conditions (and, or, not), from the op table, by operand count.
std::vector<std::string> condition_words(int arity) {
    std::vector<std::string> out;
    for (int k = 0; k < op_count; ++k) {
        const OpInfo& o = info(static_cast<Op>(k));
        if (o.kind == OpKind::elementwise && o.syntax.precedence < 0 && o.arity == arity)
            out.emplace_back(o.syntax.symbol);
    }
    return out;
}

Val Writer::branch(const Dims& s, int depth) {
    static const char* cmp[] = {"<", "<=", ">", ">=", "==", "!="};
    static const std::vector<std::string> unary_words = condition_words(1),
                                          binary_words = condition_words(2);
    const Val l = expr(sub_shape(s), depth);
    const Val r = rng_.chance(0.5) ? expr(sub_shape(s), depth) : Val{number(), {}, true};
    Val a = expr(s, depth), b = expr(sub_shape(s), depth);
    if (rng_.chance(0.5))
        std::swap(a, b);
    std::string cond = l.text + " " + cmp[rng_.integer(0, 5)] + " " + r.text;
    if (rng_.chance(0.25)) { // a second comparison of l, combined by and / or
        const std::string& w = binary_words[static_cast<std::size_t>(
            rng_.integer(0, static_cast<std::int64_t>(binary_words.size()) - 1))];
        cond += " " + w + " " + l.text + " " + cmp[rng_.integer(0, 5)] + " " + number();
    }
    if (rng_.chance(0.15)) // not, around the whole condition
        cond = unary_words.front() + " (" + cond + ")";
    return {"where(" + cond + ", " + a.text + ", " + b.text + ")",
            merge(merge(l.deps, r.deps), merge(a.deps, b.deps)), true};
}

std::optional<Val> Writer::structural(const Dims& s, int depth) {
    std::vector<std::function<Val()>> options;
    const auto rank = static_cast<int>(s.size());
    auto call = [](const std::string& f, const Val& e, const std::string& extra = "") {
        return Val{f + "(" + e.text + extra + ")", e.deps, true};
    };
    if (s.empty()) {
        options.push_back([&] {
            Dims e = random_shape(2);
            if (e.empty())
                e = {rng_.integer(1, o_.max_dim)};
            return call(reduction(), expr(e, depth));
        });
        options.push_back([&] {
            const Dims v{rng_.integer(1, o_.max_dim)};
            const Val a = expr(v, depth), b = expr(v, depth);
            return rng_.chance(0.5)
                       ? Val{"dot(" + a.text + ", " + b.text + ")", merge(a.deps, b.deps), true}
                       : Val{paren(a) + " @ " + paren(b), merge(a.deps, b.deps)};
        });
    }
    if (rank < inner_rank()) { // a reduction over an axis that s lacks
        options.push_back([&] {
            const auto ax = rng_.integer(0, rank);
            Dims e = s;
            e.insert(e.begin() + ax, rng_.integer(1, o_.max_dim));
            const auto shown = rng_.chance(0.3) ? ax - (rank + 1) : ax; // negative axes too
            return call(reduction(), expr(e, depth), ", " + std::to_string(shown));
        });
    }
    if (rank >= 1) {
        options.push_back([&] {
            if (rng_.chance(0.3))
                return call("softmax", expr(s, depth));
            return call("softmax", expr(s, depth),
                        ", " + std::to_string(rng_.integer(-rank, rank - 1)));
        });
        options.push_back([&] { // reshape from another factorisation of the same size
            Dims e = rng_.chance(0.5) ? Dims{numel(s)} : Dims(s.rbegin(), s.rend());
            if (rng_.chance(0.3) && s.size() < 3)
                e.insert(e.begin(), 1);
            return call("reshape", expr(e, depth), ", " + dims_text(s));
        });
        options.push_back([&] { // stack of s[0] pieces
            const Dims piece(s.begin() + 1, s.end());
            Val v{"stack(", {}, true};
            for (std::int64_t i = 0; i < s[0]; ++i) {
                const Val p = expr(piece, depth - 1);
                v.text += (i ? ", " : "") + p.text;
                v.deps = merge(v.deps, p.deps);
            }
            v.text += ")";
            return v;
        });
        options.push_back([&] { // concat along axis 0
            std::int64_t left = s[0];
            Val v{"concat(", {}, true};
            bool first = true;
            while (left > 0) {
                const std::int64_t n = rng_.integer(1, left);
                left -= n;
                Dims part = s;
                part[0] = n;
                const Val p = expr(part, depth - 1);
                v.text += (first ? "" : ", ") + p.text;
                v.deps = merge(v.deps, p.deps);
                first = false;
            }
            v.text += ")";
            return v;
        });
        options.push_back([&] { // a window along axis 0
            Dims e = s;
            e[0] += rng_.integer(0, 2);
            const std::int64_t a = rng_.integer(0, e[0] - s[0]);
            std::string idx = std::to_string(a) + ":" + std::to_string(a + s[0]);
            for (std::size_t k = 1; k < s.size(); ++k)
                idx += ", :";
            const Val v = expr(e, depth);
            return Val{paren(v) + "[" + idx + "]", v.deps, true};
        });
    }
    if (rank + 1 <= inner_rank()) { // an index of a leading axis
        options.push_back([&] {
            Dims e = s;
            const std::int64_t d = rng_.integer(1, o_.max_dim);
            e.insert(e.begin(), d);
            const Val v = expr(e, depth);
            return Val{paren(v) + "[" + std::to_string(rng_.integer(-d, d - 1)) + "]", v.deps,
                       true};
        });
    }
    if (rank >= 2)
        options.push_back(
            [&] { return call("transpose", expr(Dims(s.rbegin(), s.rend()), depth)); });
    if (rank == 2) {
        options.push_back([&] {
            const std::int64_t k = rng_.integer(1, o_.max_dim);
            const Val a = expr({s[0], k}, depth), b = expr({k, s[1]}, depth);
            return Val{paren(a) + " @ " + paren(b), merge(a.deps, b.deps)};
        });
        options.push_back([&] { return call("tril", expr(s, depth)); });
        if (s[0] == s[1]) {
            options.push_back([&] { return call("diag", expr({s[0]}, depth)); });
            options.push_back([&] {
                const Val e = expr(s, depth);
                return Val{"(eye(" + std::to_string(s[0]) + ") * " + paren(e) + ")", e.deps, true};
            });
        }
    }
    if (rank == 1) {
        options.push_back([&] {
            const std::int64_t k = rng_.integer(1, o_.max_dim);
            const bool left = rng_.chance(0.5);
            const Val a = left ? expr({s[0], k}, depth) : expr({k}, depth);
            const Val b = left ? expr({k}, depth) : expr({k, s[0]}, depth);
            return Val{paren(a) + " @ " + paren(b), merge(a.deps, b.deps)};
        });
    }
    if (o_.derivatives_inside && depth >= 1 && rng_.chance(0.3))
        if (auto d = derivative(s, depth))
            return d;
    if (options.empty())
        return std::nullopt;
    return options[static_cast<std::size_t>(
        rng_.integer(0, static_cast<std::int64_t>(options.size()) - 1))]();
}

std::optional<Val> Writer::derivative(const Dims& s, int depth) {
    std::vector<const Named*> same, scalars;
    for (const Named* x : inputs()) {
        if (x->shape == s)
            same.push_back(x);
        if (x->shape.empty())
            scalars.push_back(x);
    }
    const double r = rng_.real(0.0, 1.0);
    if (r < 0.5 && !same.empty()) {
        const Named* x = rng_.pick(same);
        const Val f = objective(depth - 1);
        return Val{"grad(" + f.text + ", " + x->name + ")", merge(f.deps, {x->name}), true};
    }
    if (r < 0.8) {
        const auto ins = inputs();
        const Named* x = rng_.pick(ins);
        const Val y = expr(s, depth - 1), t = expr(x->shape, depth - 1);
        return Val{"jvp(" + y.text + ", " + x->name + ", " + t.text + ")",
                   merge(merge(y.deps, t.deps), {x->name}), true};
    }
    if (s.empty() && !scalars.empty()) {
        const Named* x = rng_.pick(scalars);
        const Val f = expr({}, depth - 1);
        return Val{"diff(" + f.text + ", " + x->name + ", " + std::to_string(rng_.integer(0, 2)) +
                       ")",
                   merge(f.deps, {x->name}), true};
    }
    return std::nullopt;
}

// A scalar that reads at least one input.
Val Writer::objective(int depth) {
    Val f = expr({}, depth);
    if (f.deps.empty()) {
        const auto ins = inputs();
        const Named* x = rng_.pick(ins);
        f = {paren(f) + " + sum(" + x->name + " * " + x->name + ")", merge(f.deps, {x->name})};
    }
    return f;
}

// def NAME(P, ...) = EXPR, or a block of one or two definitions and a return; the body
// reads its parameters, the inputs and (through derivatives) nothing else.
std::string Writer::function_def() {
    Fn fn{fresh_name("g"), {}, random_shape(o_.max_rank), {}};
    const std::size_t outer = names_.size();
    std::vector<std::string> params;
    for (std::int64_t k = rng_.integer(1, 3); k > 0; --k) {
        params.push_back(fresh_name("p"));
        fn.params.push_back(rng_.chance(0.6) ? fn.result : random_shape(o_.max_rank));
        names_.push_back({params.back(), fn.params.back(), false, {}});
    }
    std::string head = "def " + fn.name + "(";
    for (std::size_t k = 0; k < params.size(); ++k)
        head += (k ? ", " : "") + params[k];
    head += ")";
    std::string text;
    if (rng_.chance(0.5)) {
        const Val v = expr(fn.result, o_.depth - 1);
        fn.deps = v.deps;
        text = head + " = " + v.text;
    } else {
        const std::string indent(static_cast<std::size_t>(rng_.integer(1, 4)), ' ');
        text = head + ":";
        for (std::int64_t k = rng_.integer(1, 2); k > 0; --k) {
            const Dims s = random_shape(o_.max_rank);
            const Val v = expr(s, o_.depth - 1);
            const std::string local = fresh_name("a");
            names_.push_back({local, s, false, v.deps});
            fn.deps = merge(fn.deps, v.deps);
            text += "\n" + indent + local + " = " + v.text;
        }
        const Val r = expr(fn.result, o_.depth - 1);
        fn.deps = merge(fn.deps, r.deps);
        text += "\n" + indent + "return " + r.text;
    }
    names_.resize(outer); // parameters and locals are the body's only
    fns_.push_back(std::move(fn));
    return text;
}

// fold(F, init, xs or a count), or a scan of `steps` steps: F's first parameter is its
// carry (the shape it returns), a second one the rows of xs.
Val Writer::loop(const Fn& fn, bool scan, std::int64_t steps) {
    ++calls_open_;
    const Val init = rng_.chance(0.5) ? leaf(fn.result) : expr(fn.result, 1);
    Val v{std::string(scan ? "scan(" : "fold(") + fn.name + ", " + init.text + ", ", merge(fn.deps, init.deps), true};
    // A checkpointed fold: 6 to 9 steps in segments of 2 or 3 (the least that keeps fewer
    // carries than the plain fold, which shorter ones would run instead).
    const bool checkpoint = !scan && rng_.chance(0.5);
    const std::int64_t count = scan ? steps : checkpoint ? rng_.integer(6, 9) : rng_.integer(0, 4);
    if (fn.params.size() == 2) {
        Dims rows = fn.params[1];
        rows.insert(rows.begin(), count == 0 ? 1 : count);
        const Val xs = rows.size() <= 3 ? expr(rows, 1) : Val{"(" + number() + " * ones(" + dims_text(rows) + "))", {}, true};
        v.text += xs.text;
        v.deps = merge(v.deps, xs.deps);
    } else {
        v.text += std::to_string(count);
    }
    if (checkpoint)
        v.text += ", checkpoint = " + std::to_string(rng_.integer(2, 3));
    --calls_open_;
    v.text += ")";
    return v;
}

Val Writer::call(const Fn& fn) {
    ++calls_open_;
    Val v{fn.name + "(", fn.deps, true};
    for (std::size_t k = 0; k < fn.params.size(); ++k) {
        const Val a = rng_.chance(0.5) ? leaf(fn.params[k]) : expr(fn.params[k], 1);
        v.text += (k ? ", " : "") + a.text;
        v.deps = merge(v.deps, a.deps);
    }
    --calls_open_;
    v.text += ")";
    return v;
}

std::string Writer::model() {
    static const char* input_names[] = {"x", "y", "z", "w", "W", "b", "A", "theta", "v", "h2"};
    for (const char* n : {"f", "e0", "e1", "e2", "e3"})
        used_.insert(n);
    const int n_inputs = static_cast<int>(rng_.integer(1, o_.max_inputs));
    for (int k = 0; k < n_inputs; ++k) {
        std::string name;
        do
            name = input_names[rng_.integer(0, 9)];
        while (used_.count(name));
        used_.insert(name);
        names_.push_back({name, random_shape(o_.max_rank), true, {name}});
    }
    std::vector<std::string> statements;
    {
        std::string decl = "input ";
        for (std::size_t k = 0; k < names_.size(); ++k) {
            decl += (k ? ", " : "") + names_[k].name;
            if (!names_[k].shape.empty())
                decl += "[" + dims_text(names_[k].shape) + "]";
        }
        statements.push_back(decl);
    }
    if (o_.functions)
        for (std::int64_t k = rng_.chance(0.5) ? rng_.integer(1, 2) : 0; k > 0; --k)
            statements.push_back(function_def());
    const int n_defs = static_cast<int>(rng_.integer(0, o_.max_definitions));
    for (int k = 0; k < n_defs; ++k) {
        const Dims s = random_shape(o_.max_rank);
        const Val v = expr(s, o_.depth);
        const std::string name = fresh_name(rng_.chance(0.5) ? "t" : "hidden");
        statements.push_back(name + " = " + v.text);
        names_.push_back({name, s, false, v.deps});
    }
    const Val f = objective(o_.depth);
    statements.push_back("f = " + f.text);
    names_.push_back({"f", {}, false, f.deps});

    // e0: the objective and its gradient by every input it reads
    std::vector<Export> exports;
    Export e0{"e0", {}, {"f"}};
    for (const Named* x : inputs())
        if (f.deps.count(x->name) && (rng_.chance(0.8) || e0.results.size() == 1))
            e0.results.push_back(fresh_name("d_" + x->name) + " = grad(f, " + x->name + ")");
    exports.push_back(e0);
    // e1: a tensor value with its Jacobian, or a jvp of it
    {
        Dims s = random_shape(2);
        const Val y = expr(s, o_.depth - 1);
        const auto ins = inputs();
        const Named* x = rng_.pick(ins);
        Export e1{"e1", {}, {fresh_name("y") + " = " + y.text}};
        // the value again, or the name of the result just defined (results may use it)
        const std::string arg =
            rng_.chance(0.5) ? y.text : e1.results[0].substr(0, e1.results[0].find(' '));
        if (s.size() + x->shape.size() <= 4 && numel(s) * numel(x->shape) <= 64 && rng_.chance(0.5))
            e1.results.push_back(fresh_name("J") + " = jacobian(" + arg + ", " + x->name + ")");
        else
            e1.results.push_back(fresh_name("v") + " = jvp(" + arg + ", " + x->name + ", " +
                                 expr(x->shape, 1).text + ")");
        exports.push_back(e1);
    }
    // e2: second derivatives of the objective
    if (rng_.chance(0.6)) {
        Export e2{"e2", {}, {"f"}};
        for (const Named* x : inputs()) {
            if (!f.deps.count(x->name))
                continue;
            if (x->shape.empty() && rng_.chance(0.7))
                e2.results.push_back(
                    fresh_name("d" + std::to_string(rng_.integer(1, 3)) + "_" + x->name) +
                    " = diff(f, " + x->name + ", " + std::to_string(rng_.integer(1, 3)) + ")");
            else if (numel(x->shape) <= 6 && rng_.chance(0.7))
                e2.results.push_back(fresh_name("H_" + x->name) + " = hessian(f, " + x->name + ")");
        }
        if (e2.results.size() > 1)
            exports.push_back(e2);
    }
    // Parameters: every input a result reads (textually) or differentiates by, in random
    // order; the trial parse below drops those the graph does not use.
    for (Export& e : exports) {
        for (const Named* x : inputs()) {
            bool uses = false;
            for (const std::string& r : e.results) {
                if (r == "f") {
                    uses = uses || f.deps.count(x->name);
                    continue;
                }
                // a whole-word occurrence of the input's name, or of a definition or a
                // function reading it
                const auto mentions = [&r](const std::string& name) {
                    const auto word = [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                    };
                    for (std::size_t p = r.find(name); p != std::string::npos;
                         p = r.find(name, p + 1)) {
                        const std::size_t end = p + name.size();
                        if ((p == 0 || !word(r[p - 1])) && (end >= r.size() || !word(r[end])))
                            return true;
                    }
                    return false;
                };
                for (const Named& n : names_)
                    uses = uses || (n.deps.count(x->name) && mentions(n.name));
                for (const Fn& fn : fns_)
                    uses = uses || (fn.deps.count(x->name) && mentions(fn.name));
            }
            if (uses)
                e.params.push_back(x->name);
        }
        for (std::size_t k = e.params.size(); k > 1; --k)
            std::swap(e.params[k - 1], e.params[static_cast<std::size_t>(
                                           rng_.integer(0, static_cast<std::int64_t>(k) - 1))]);
    }

    const std::uint64_t layout_seed = rng_.next();
    for (int attempt = 0;; ++attempt) {
        symdiff::test::Rng lay(layout_seed);
        const bool crlf = o_.layout && lay.chance(0.1);
        const std::string nl = crlf ? "\r\n" : "\n";
        std::string text = o_.layout && lay.chance(0.3) ? "# a random model" + nl + nl : "";
        std::vector<std::string> all = statements;
        for (const Export& e : exports) {
            std::string s = "export " + e.name + "(";
            for (std::size_t k = 0; k < e.params.size(); ++k)
                s += (k ? ", " : "") + e.params[k];
            s += ") -> ";
            for (std::size_t k = 0; k < e.results.size(); ++k)
                s += (k ? (o_.layout && lay.chance(0.2) ? "," + nl + "    " : ", ") : "") +
                     e.results[k];
            all.push_back(s);
        }
        for (std::size_t k = 0; k < all.size(); ++k) {
            // a function's block: its lines end as the others; it starts its line (its
            // lines are indented from there), and nothing follows its return
            const auto is_block = [&](std::size_t i) {
                return i < all.size() && all[i].find('\n') != std::string::npos;
            };
            const bool block = is_block(k) || is_block(k + 1);
            for (char c : all[k])
                text += c == '\n' ? nl : std::string(1, c);
            if (k + 1 < all.size() && o_.layout && !block && lay.chance(0.1))
                text += "; ";
            else
                text += (o_.layout && lay.chance(0.1) ? "  # note" : "") + nl;
        }
        try {
            parse_model(text, "random.sd");
            return text;
        } catch (const Error& err) {
            // "parameter 'P' is not used by any result of 'E'": drop P from E and retry
            const std::string m = err.what();
            const std::string head = "parameter '", mid = "' is not used by any result of '";
            const std::size_t a = m.find(mid);
            if (attempt > 16 || !m.starts_with(head) || a == std::string::npos)
                throw std::runtime_error("the model generator wrote a model that does not parse (" +
                                         m + " at " + std::to_string(err.loc().line) + ":" +
                                         std::to_string(err.loc().col) + "):\n" + text);
            const std::string p = m.substr(head.size(), a - head.size());
            const std::string fn = m.substr(a + mid.size(), m.size() - a - mid.size() - 1);
            for (Export& e : exports)
                if (e.name == fn)
                    e.params.erase(std::remove(e.params.begin(), e.params.end(), p),
                                   e.params.end());
        }
    }
}

} // namespace

std::string random_model(std::uint64_t seed, const ModelGenOptions& options) {
    return Writer(seed, options).model();
}

} // namespace symdiff::fuzz
