// Kernel -> C++ loops: loop order by memory strides, values hoisted to the loop level
// they depend on, reductions in a register or into the zeroed output.
#include "codegen/kernel_printer.hpp"
#include "codegen/loop_plan.hpp"

#include "core/ops.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <optional>

namespace symdiff::codegen {
namespace {

std::size_t u(std::int64_t k) { return static_cast<std::size_t>(k); }

// Indices per block of a fused loop (print_fused): a multiple of `lanes`.
constexpr int fused_block = 32 * lanes;

// "((p[0] + p[1]) + (p[2] + p[3]))": the partial sums [from, to) added pairwise.
std::string pairwise(const std::string& p, int from, int to) {
    if (to - from == 1)
        return cat(p, "[", from, "]");
    const int mid = (from + to) / 2;
    return cat("(", pairwise(p, from, mid), " + ", pairwise(p, mid, to), ")");
}

// The C++ operator of a comparison op, or nullptr.
const char* comparison_symbol(Op op) {
    return info(op).syntax.comparison ? info(op).syntax.symbol.data() : nullptr;
}

} // namespace

std::string loop_var(int axis) { return cat("i", axis, "_"); }

std::string index_text(const Access& a) {
    std::string s;
    for (int j = 0; j < Shape::max_rank; ++j) {
        const std::int64_t c = a.step[u(j)];
        if (c == 0)
            continue;
        const std::string term =
            loop_var(j) + (c == 1 || c == -1 ? "" : " * " + std::to_string(std::llabs(c)));
        if (s.empty())
            s = c < 0 ? "-" + term : term;
        else
            s += (c < 0 ? " - " : " + ") + term;
    }
    for (int d = 0; d < max_loop_depth; ++d) {
        const std::int64_t c = a.counter[u(d)];
        if (c == 0)
            continue;
        const std::string term =
            cat("k", d, "_") + (c == 1 || c == -1 ? "" : cat(" * ", std::llabs(c)));
        if (s.empty())
            s = c < 0 ? "-" + term : term;
        else
            s += (c < 0 ? " - " : " + ") + term;
    }
    if (s.empty())
        return std::to_string(a.base);
    if (a.base != 0)
        s += (a.base < 0 ? " - " : " + ") + std::to_string(std::llabs(a.base));
    return s;
}

std::string KernelPrinter::index(const Access& a) const { return index_text(a); }

std::string KernelPrinter::access(const Access& a) const {
    if (buffers_[u(a.buffer)].kind == Buffer::Kind::local)
        return names_[u(a.buffer)];
    return names_[u(a.buffer)] + "[" + index(a) + "]";
}

namespace {

// One guard as C++: "i0_ >= 2" or "i1_ <= 4" when it bounds one loop index.
std::string guard_text(const KernelGuard& gd) {
    int axis = -1, terms = 0;
    for (int j = 0; j < Shape::max_rank; ++j)
        if (gd.coef[u(j)] != 0) {
            axis = j;
            ++terms;
        }
    const bool counters = gd.counter != decltype(gd.counter){};
    if (terms == 1 && !counters && gd.coef[u(axis)] == 1)
        return loop_var(axis) + " >= " + std::to_string(-gd.constant);
    if (terms == 1 && !counters && gd.coef[u(axis)] == -1)
        return loop_var(axis) + " <= " + std::to_string(gd.constant);
    Access a; // the index printer spells the linear form
    a.base = gd.constant;
    a.step = gd.coef;
    a.counter = gd.counter;
    return index_text(a) + " >= 0";
}

// Guard peeling. A kernel that assembles its output from windows (a concatenation, the
// carry a reverse loop packs, a padded view) tests its loop index against every window
// at every element. Where those tests bound the outermost loop alone, the loop splits
// at each bound into ranges in which every test is known, and each range's kernel reads
// the windows it is in without a test: the same numbers, none of the branches.

// The linear form of a guard as c + s * i{axis}, if it reads that loop index alone.
struct AxisForm {
    Index c = 0, s = 0;
};
std::optional<AxisForm> axis_form(const std::array<Index, Shape::max_rank>& coef,
                                  const std::array<Index, max_loop_depth>& counter, Index constant, int axis) {
    if (counter != std::array<Index, max_loop_depth>{} || coef[u(axis)] == 0)
        return std::nullopt;
    for (int j = 0; j < Shape::max_rank; ++j)
        if (j != axis && coef[u(j)] != 0)
            return std::nullopt;
    return AxisForm{constant, coef[u(axis)]};
}
std::optional<AxisForm> axis_form(const Value& v, int axis) {
    if (v.kind != Value::Kind::guard)
        return std::nullopt;
    return axis_form(v.at.step, v.at.counter, v.at.base, axis);
}
std::optional<AxisForm> axis_form(const KernelGuard& gd, int axis) {
    return axis_form(gd.coef, gd.counter, gd.constant, axis);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { // b > 0
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// The first index at which c + s * i >= 0 changes its truth (i counting up).
std::int64_t breakpoint(AxisForm f) {
    return f.s > 0 ? -floor_div(f.c, f.s) : floor_div(f.c, -f.s) + 1;
}

bool holds(AxisForm f, std::int64_t i) { return f.c + static_cast<std::int64_t>(f.s) * i >= 0; }

// How many earlier values v reads (its args).
int operand_count(const Value& v) {
    return v.kind == Value::Kind::guard ? 1 : v.kind == Value::Kind::apply ? info(v.op).arity : 0;
}

bool positive_zero(const Value& v) {
    return v.kind == Value::Kind::constant && std::bit_cast<std::uint64_t>(v.constant) == 0;
}

// Kernel k over indices [from, to) of loop `axis`, where every guard on that loop alone
// is known: a true one is its value, a false one 0.0. Adding 0.0 to a value that cannot
// be -0.0 changes nothing, so the additions a concatenation makes of the windows it is
// not in fall away (x + 0.0 stays: it turns -0.0 into 0.0). Values left unread are
// dropped: a false guard's operand may read out of range here. Nullopt when a kernel
// guard fails there and the kernel (`skip`) stores nothing.
std::optional<Kernel> resolve(const Kernel& k, int axis, std::int64_t from) {
    const std::size_t n = k.body.size();
    std::vector<Value> body;
    std::vector<bool> no_minus_zero; // by new index
    std::vector<int> now(n, -1);     // old index -> new
    auto add = [&](const Value& v, bool nz) {
        body.push_back(v);
        no_minus_zero.push_back(nz);
        return static_cast<int>(body.size() - 1);
    };
    for (std::size_t i = 0; i < n; ++i) {
        Value v = k.body[i];
        for (int a = 0; a < operand_count(v); ++a)
            v.args[u(a)] = now[u(v.args[u(a)])];
        if (const auto f = axis_form(v, axis)) {
            if (holds(*f, from)) {
                now[i] = v.args[0];
            } else {
                now[i] = add(Value{}, true); // the constant 0.0
            }
            continue;
        }
        if (v.kind == Value::Kind::apply && v.op == Op::Add) {
            const int a = v.args[0], b = v.args[1];
            if (positive_zero(body[u(b)]) && no_minus_zero[u(a)]) {
                now[i] = a;
                continue;
            }
            if (positive_zero(body[u(a)]) && no_minus_zero[u(b)]) {
                now[i] = b;
                continue;
            }
        }
        const bool nz = positive_zero(v) || (v.kind == Value::Kind::apply && v.op == Op::Add &&
                                             (positive_zero(body[u(v.args[0])]) || positive_zero(body[u(v.args[1])])));
        now[i] = add(v, nz);
    }
    // Keep what the result reads, in order.
    std::vector<bool> live(body.size(), false);
    live[u(now[u(k.result)])] = true;
    for (std::size_t i = body.size(); i-- > 0;) {
        const Value& v = body[i];
        if (!live[i])
            continue;
        for (int a = 0; a < operand_count(v); ++a)
            live[u(v.args[u(a)])] = true;
    }
    Kernel r = k;
    r.body.clear();
    std::vector<int> kept(body.size(), -1);
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (!live[i])
            continue;
        Value v = body[i];
        for (int a = 0; a < operand_count(v); ++a)
            v.args[u(a)] = kept[u(v.args[u(a)])];
        kept[i] = static_cast<int>(r.body.size());
        r.body.push_back(v);
    }
    r.result = kept[u(now[u(k.result)])];
    r.guards.clear();
    for (const KernelGuard& gd : k.guards) {
        const auto f = axis_form(gd, axis);
        if (!f)
            r.guards.push_back(gd);
        else if (!holds(*f, from)) { // nothing here: 0.0, or no store
            if (k.skip)
                return std::nullopt;
            r.body.assign(1, Value{});
            r.result = 0;
            r.guards.clear();
            return r;
        }
    }
    return r;
}

// The pieces of an assignment kernel split along its outermost loop `axis` where its
// guards on that loop change; empty when there is nothing to split, when the pieces
// would be too many for the header's good, or when no piece would read a scalar local
// or a parameter the kernel reads (it could be left unused: a warning in the header).
struct Piece {
    Kernel kernel;
    std::int64_t from, to;
};
// The scalar locals and parameters the kernels read, each once.
template <class Kernels, class Of>
std::vector<int> locals_read(const Kernels& kernels, Of&& kernel_of, const std::vector<Buffer>& buffers) {
    std::vector<int> read;
    for (const auto& item : kernels)
        for (const Value& v : kernel_of(item).body)
            if (v.kind == Value::Kind::load && (buffers[u(v.at.buffer)].kind == Buffer::Kind::local ||
                                                buffers[u(v.at.buffer)].kind == Buffer::Kind::input))
                read.push_back(v.at.buffer);
    std::sort(read.begin(), read.end());
    read.erase(std::unique(read.begin(), read.end()), read.end());
    return read;
}
std::vector<Piece> peel(const Kernel& k, int axis, const std::vector<Buffer>& buffers) {
    constexpr std::size_t most = 64;
    const std::int64_t extent = k.domain[axis];
    std::vector<std::int64_t> cuts{0, extent};
    auto cut = [&](std::optional<AxisForm> f) {
        if (!f)
            return;
        const std::int64_t b = breakpoint(*f);
        if (b > 0 && b < extent)
            cuts.push_back(b);
    };
    for (const Value& v : k.body)
        cut(axis_form(v, axis));
    for (const KernelGuard& gd : k.guards)
        cut(axis_form(gd, axis));
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    if (cuts.size() <= 2 || cuts.size() > most + 1)
        return {};
    std::vector<Piece> pieces;
    for (std::size_t j = 0; j + 1 < cuts.size(); ++j) {
        if (std::optional<Kernel> r = resolve(k, axis, cuts[j]))
            pieces.push_back({std::move(*r), cuts[j], cuts[j + 1]});
    }
    const Kernel* whole[] = {&k};
    if (locals_read(pieces, [](const Piece& p) -> const Kernel& { return p.kernel; }, buffers) !=
        locals_read(whole, [](const Kernel* w) -> const Kernel& { return *w; }, buffers))
        return {};
    return pieces;
}

// The body of a kernel, annotated for printing: at which loop level each value is
// computed, and which values get a name.
class Body {
  public:
    Body(const Kernel& k, const LoopPlan& plan) {
        const std::size_t n = k.body.size();
        const int innermost = static_cast<int>(plan.loops.size());
        level_.assign(n, 0);
        named_.assign(n, false);
        std::vector<int> position(Shape::max_rank, -1);
        for (std::size_t d = 0; d < plan.loops.size(); ++d)
            position[u(plan.loops[d])] = static_cast<int>(d);
        std::vector<int> uses(n, 0);
        for (std::size_t i = 0; i < n; ++i) {
            const Value& v = k.body[i];
            if (v.kind == Value::Kind::load || v.kind == Value::Kind::seed ||
                v.kind == Value::Kind::guard) {
                for (int j = 0; j < Shape::max_rank; ++j)
                    if (v.at.step[u(j)] != 0 && position[u(j)] >= 0)
                        level_[i] = std::max(level_[i], position[u(j)] + 1);
            }
            if (v.kind == Value::Kind::guard) {
                const auto arg = u(v.args[0]);
                level_[i] = std::max(level_[i], level_[arg]);
                ++uses[arg];
            } else if (v.kind == Value::Kind::apply) {
                for (int a = 0; a < info(v.op).arity; ++a) {
                    const auto arg = u(v.args[u(a)]);
                    level_[i] = std::max(level_[i], level_[arg]);
                    ++uses[arg];
                }
            }
            // Behind a guard nothing moves out: loads may be out of range elsewhere.
            if (!k.guards.empty() && v.kind != Value::Kind::constant)
                level_[i] = innermost;
        }
        // Values read only behind a guard must be computed there, inside the conditional:
        // never named (a named value is computed on a line of its own, unconditionally).
        std::vector<bool> guarded(n, true);
        if (k.result >= 0)
            guarded[u(k.result)] = false;
        for (std::size_t i = n; i-- > 0;) {
            const Value& v = k.body[i];
            if (guarded[i] || v.kind != Value::Kind::apply)
                continue;
            for (int a = 0; a < info(v.op).arity; ++a)
                guarded[u(v.args[u(a)])] = false;
        }
        for (std::size_t i = 0; i < n; ++i) {
            const Value& v = k.body[i];
            if (v.kind != Value::Kind::apply && v.kind != Value::Kind::guard)
                continue;
            bool hoisted = static_cast<int>(i) == k.result && level_[i] < innermost;
            for (int a = 0; a < operand_count(v); ++a) {
                const auto arg = u(v.args[u(a)]);
                if (k.body[arg].kind == Value::Kind::apply && level_[arg] < level_[i])
                    named_[arg] = true;
            }
            named_[i] = named_[i] || uses[i] > 1 || hoisted;
        }
        for (std::size_t i = 0; i < n; ++i)
            if (guarded[i])
                named_[i] = false;
    }

    int level(std::size_t i) const { return level_[i]; }
    bool named(std::size_t i) const { return named_[i]; }

  private:
    std::vector<int> level_;
    std::vector<bool> named_;
};

} // namespace

// A kernel being printed: its loop plan, the loop level of each value, and the text
// each value has once its line is written (a name, or an expression to inline).
struct KernelPrinter::Pass {
    explicit Pass(const Kernel& kernel)
        : k(kernel), plan(plan_loops(kernel)), body(kernel, plan), depth(plan.loops.size()),
          text(kernel.body.size()) {}
    const Kernel& k;
    LoopPlan plan;
    Body body;
    std::size_t depth;
    std::vector<std::string> text;
    int axis = -1; // a loop over [from, to) instead of its whole extent (peel)
    std::int64_t from = 0, to = 0;
    const std::string& root() const { return text[u(k.result)]; }
};

// Values of `level` that need a line of their own, and the inline text of the rest.
void KernelPrinter::emit_level(Pass& p, int level) {
    const Kernel& k = p.k;
    for (std::size_t i = 0; i < k.body.size(); ++i) {
        const Value& v = k.body[i];
        if (p.body.level(i) != level &&
            !(level == static_cast<int>(p.depth) && p.body.level(i) > level))
            continue;
        std::string e;
        switch (v.kind) {
        case Value::Kind::load:
            e = access(v.at);
            break;
        case Value::Kind::constant:
            e = literal(v.constant);
            break;
        case Value::Kind::apply: {
            std::array<std::string, 3> args;
            for (int a = 0; a < info(v.op).arity; ++a)
                args[u(a)] = p.text[u(v.args[u(a)])];
            const Value& c = k.body[u(v.args[0])];
            if (const char* cmp =
                    v.op == Op::Where && c.kind == Value::Kind::apply && !p.body.named(u(v.args[0]))
                        ? comparison_symbol(c.op)
                        : nullptr) // (a >= b ? p : q), not ((a >= b ? 1.0 : 0.0) != 0.0 ? p : q)
                e = cat("(", p.text[u(c.args[0])], " ", cmp, " ", p.text[u(c.args[1])], " ? ",
                        args[1], " : ", args[2], ")");
            else
                e = spell_op(v.op, args);
            break;
        }
        case Value::Kind::guard: {
            KernelGuard gd;
            gd.coef = v.at.step;
            gd.counter = v.at.counter;
            gd.constant = v.at.base;
            e = cat("(", guard_text(gd), " ? ", p.text[u(v.args[0])], " : 0.0)");
            break;
        }
        case Value::Kind::seed: // 1 at the current direction (or colour) of its loop
            e = v.colours
                    ? cat("((", index(v.at), ") % ", v.colours, " == k", v.depth, "_ ? 1.0 : 0.0)")
                    : cat("(", index(v.at), " == k", v.depth, "_ ? 1.0 : 0.0)");
            break;
        }
        if (p.body.named(i)) {
            const std::string name = cat("v", next_temp_++, "_");
            w_.line("const double " + name + " = " + e + ";");
            e = name;
        }
        p.text[i] = e;
    }
}

// "for (std::ptrdiff_t var = from; var < to; ++var) {"
void KernelPrinter::open_for(const std::string& var, const std::string& from,
                             const std::string& to) {
    w_.open("for (std::ptrdiff_t " + var + " = " + from + "; " + var + " < " + to + "; ++" + var +
            ")");
}

// The loop over `axis` from `from` to `to` (a multiple of `lanes` apart) as blocks of
// `lanes` iterations, the inner loop unrolled, so that partial sums p[l_] vectorise;
// inside, the axis' index is defined. Opens two blocks.
void KernelPrinter::open_lanes(int axis, const std::string& from, const std::string& to) {
    const std::string start = cat("j", axis, "_");
    w_.open(cat("for (std::ptrdiff_t ", start, " = ", from, "; ", start, " < ", to, "; ", start,
                " += ", lanes, ")"));
    w_.line(cat("#pragma GCC unroll ", lanes));
    w_.open(cat("for (std::ptrdiff_t l_ = 0; l_ < ", lanes, "; ++l_)"));
    w_.line(cat("const std::ptrdiff_t ", loop_var(axis), " = ", start, " + l_;"));
}

// Opens loops [from, to), computing each level's values as soon as they can be (unless
// the loops read no value); a guarded kernel computes its innermost values inside the
// guard instead.
void KernelPrinter::open_loops(Pass& p, std::size_t from, std::size_t to, bool values) {
    for (std::size_t d = from; d < to; ++d) {
        const std::int64_t extent = p.k.domain[p.plan.loops[d]];
        if (p.plan.loops[d] == p.axis)
            open_for(loop_var(p.plan.loops[d]), std::to_string(p.from), std::to_string(p.to));
        else
            open_for(loop_var(p.plan.loops[d]), "0", std::to_string(extent));
        if (values && (p.k.guards.empty() || d + 1 < p.depth))
            emit_level(p, static_cast<int>(d) + 1);
    }
}

void KernelPrinter::print(const Kernel& k) {
    if (k.combine == Combine::assign && k.side.buffer < 0) {
        const LoopPlan plan = plan_loops(k);
        if (plan.mode == Mode::assign && !plan.loops.empty())
            if (const std::vector<Piece> pieces = peel(k, plan.loops[0], buffers_); !pieces.empty()) {
                for (const Piece& piece : pieces)
                    print(piece.kernel, plan.loops[0], piece.from, piece.to);
                return;
            }
    }
    print(k, -1, 0, 0);
}

void KernelPrinter::print(const Kernel& k, int axis, std::int64_t from, std::int64_t to) {
    Pass pass(k);
    pass.axis = axis;
    pass.from = from;
    pass.to = to;
    const LoopPlan& plan = pass.plan;
    const std::size_t depth = pass.depth;
    const bool local = buffers_[u(k.out.buffer)].kind == Buffer::Kind::local;
    const std::string out = access(k.out);
    auto close_loops = [&](std::size_t count) {
        for (std::size_t d = 0; d < count; ++d)
            w_.close();
    };
    auto root = [&] { return pass.root(); };

    switch (plan.mode) {
    case Mode::assign: {
        emit_level(pass, 0);
        open_loops(pass, 0, depth);
        if (k.guards.empty()) {
            w_.line((local ? "const double " : "") + out + " = " + root() + ";");
        } else {
            std::string cond;
            for (const KernelGuard& gd : k.guards)
                cond += (cond.empty() ? "" : " && ") + guard_text(gd);
            w_.open("if (" + cond + ")");
            emit_level(pass, static_cast<int>(depth));
            w_.line(out + " = " + root() + ";");
            if (!k.skip) { // a view: zero where it reads nothing
                w_.reopen("else");
                w_.line(out + " = 0.0;");
            }
            w_.close();
        }
        close_loops(depth);
        return;
    }
    case Mode::reduce_in_memory: {
        const std::string& name = names_[u(k.out.buffer)];
        w_.line("for (std::ptrdiff_t i_ = 0; i_ < " +
                std::to_string(buffers_[u(k.out.buffer)].size) + "; ++i_) " + name + "[i_] = 0.0;");
        emit_level(pass, 0);
        open_loops(pass, 0, depth);
        w_.line(out + " += " + root() + ";");
        close_loops(depth);
        return;
    }
    case Mode::reduce_in_register:
    case Mode::logsumexp:
    case Mode::fold:
        break;
    }
    // Reductions with a register accumulator: kept loops, accumulate, store. A scalar
    // result accumulates straight into its local; otherwise the kernel's own names live
    // inside the kept loops or a block, so kernels never clash.
    const std::string acc = local ? names_[u(k.out.buffer)] : "acc_";
    const bool block = plan.kept == 0 && !(local && plan.mode == Mode::reduce_in_register);
    const std::string start = plan.mode != Mode::fold     ? "0.0" // what is combined first
                              : k.combine == Combine::max ? literal(-HUGE_VAL)
                              : k.combine == Combine::min ? literal(HUGE_VAL)
                                                          : "1.0";
    if (local)
        w_.line("double " + acc + " = " + start + ";");
    if (block)
        w_.open("");
    emit_level(pass, 0);
    open_loops(pass, 0, plan.kept);
    if (plan.mode == Mode::reduce_in_register) {
        if (!local)
            w_.line("double " + acc + " = 0.0;");
        const int inner = plan.loops.back(); // reduced: reduce_in_register has one
        const std::int64_t extent = k.domain[inner];
        if (!k.guards.empty() || !lanes_pay(extent)) {
            open_loops(pass, plan.kept, depth);
            w_.line(acc + " += " + root() + ";");
            close_loops(depth - plan.kept);
        } else {
            // One accumulator is a chain of dependent adds (4 cycles each) that compilers
            // may not reorder; `lanes` partial sums run in parallel and vectorise.
            const std::string part = cat("p", next_temp_++, "_");
            const std::string var = loop_var(inner);
            const std::int64_t whole = extent - extent % lanes;
            w_.line(cat("double ", part, "[", lanes, "] = {};"));
            open_loops(pass, plan.kept, depth - 1);
            open_lanes(inner, "0", std::to_string(whole));
            emit_level(pass, static_cast<int>(depth));
            w_.line(cat(part, "[l_] += ", root(), ";"));
            close_loops(2);
            if (whole < extent) {
                open_for(var, std::to_string(whole), std::to_string(extent));
                emit_level(pass, static_cast<int>(depth));
                w_.line(cat(part, "[0] += ", root(), ";"));
                w_.close();
            }
            close_loops(depth - 1 - plan.kept);
            w_.line(cat(acc, " += ", pairwise(part, 0, lanes), ";"));
        }
    } else if (plan.mode == Mode::fold) { // max/min: a NaN wins (nothing compares past it)
        if (!local)
            w_.line("double " + acc + " = " + start + ";");
        open_loops(pass, plan.kept, depth);
        if (k.combine == Combine::prod) {
            w_.line(acc + " *= " + root() + ";");
        } else {
            w_.line("const double v_ = " + root() + ";");
            const char* beats = k.combine == Combine::max ? " > " : " < ";
            w_.line(cat("if (v_", beats, acc, " || v_ != v_) ", acc, " = v_;"));
        }
        close_loops(depth - plan.kept);
    } else { // logsumexp: shift by the maximum (NaN wins), then sum exp(v - max)
        w_.line("double max_ = -std::numeric_limits<double>::infinity();");
        open_loops(pass, plan.kept, depth);
        w_.line("const double v_ = " + root() + ";");
        w_.line("if (v_ > max_ || v_ != v_) max_ = v_;");
        close_loops(depth - plan.kept);
        w_.line("double sum_ = 0.0;");
        open_loops(pass, plan.kept, depth);
        if (k.side.buffer < 0) {
            w_.line("sum_ += std::exp(" + root() + " - max_);");
        } else { // softmax = exp(v - max) / sum, exp(v - result) where max is not finite
            w_.line("const double e_ = std::exp(" + root() + " - max_);");
            w_.line(access(k.side) + " = e_;");
            w_.line("sum_ += e_;");
        }
        close_loops(depth - plan.kept);
        w_.line(std::string(local ? "" : "const double ") + acc +
                " = std::isfinite(max_) ? max_ + std::log(sum_) : max_;");
        if (k.side.buffer >= 0) {
            w_.open("if (std::isfinite(max_))");
            open_loops(pass, plan.kept, depth, false);
            w_.line(access(k.side) + " /= sum_;");
            close_loops(depth - plan.kept);
            w_.reopen("else");
            open_loops(pass, plan.kept, depth);
            w_.line(access(k.side) + " = std::exp(" + root() + " - " + acc + ");");
            close_loops(depth - plan.kept);
            w_.close();
        }
    }
    if (!local)
        w_.line(out + " = " + acc + ";");
    close_loops(plan.kept);
    if (block)
        w_.close();
}

bool fusable(const Kernel& sum, const Kernel& each, const std::vector<Buffer>& buffers) {
    if (sum.combine != Combine::sum || !sum.guards.empty() || sum.side.buffer >= 0 ||
        buffers[u(sum.out.buffer)].size != 1 || each.combine != Combine::assign ||
        !each.guards.empty() || each.skip)
        return false;
    const LoopPlan ps = plan_loops(sum), pe = plan_loops(each);
    if (ps.mode != Mode::reduce_in_register || ps.loops.size() != 1 || pe.mode != Mode::assign ||
        pe.loops.empty() || pe.loops[0] != ps.loops[0] ||
        each.domain[pe.loops[0]] != sum.domain[ps.loops[0]] || !lanes_pay(sum.domain[ps.loops[0]]))
        return false;
    // `each` must not read the sum (it is not finished), nor write where `sum` reads: a
    // work buffer that `sum` reads last may hold `each`'s result in the work array.
    const Buffer& out = buffers[u(each.out.buffer)];
    for (const Value& v : each.body)
        if (v.kind == Value::Kind::load && v.at.buffer == sum.out.buffer)
            return false;
    for (const Value& v : sum.body) {
        if (v.kind != Value::Kind::load)
            continue;
        const Buffer& in = buffers[u(v.at.buffer)];
        if (v.at.buffer == each.out.buffer ||
            (in.kind == Buffer::Kind::work && out.kind == Buffer::Kind::work &&
             in.offset < out.offset + out.size && out.offset < in.offset + in.size))
            return false;
    }
    return true;
}

void KernelPrinter::print_fused(const Kernel& sum, const Kernel& each) {
    Pass s(sum), e(each);
    const int axis = s.plan.loops[0]; // also each's outermost loop
    const std::int64_t extent = sum.domain[axis];
    const std::int64_t whole = extent - extent % lanes;
    const bool local = buffers_[u(sum.out.buffer)].kind == Buffer::Kind::local;
    const std::string acc = local ? names_[u(sum.out.buffer)] : "acc_"; // as print()
    const std::string part = cat("p", next_temp_++, "_");
    const std::string var = loop_var(axis);
    if (local)
        w_.line("double " + acc + " = 0.0;");
    w_.open("");
    if (!local)
        w_.line("double " + acc + " = 0.0;");
    emit_level(s, 0);
    emit_level(e, 0);
    w_.line(cat("double ", part, "[", lanes, "] = {};"));
    auto summand = [&](const std::string& lane) {
        emit_level(s, 1);
        w_.line(cat(part, "[", lane, "] += ", s.root(), ";"));
    };
    auto element = [&] { // each's loops below its outermost
        emit_level(e, 1);
        open_loops(e, 1, e.depth);
        w_.line(access(each.out) + " = " + e.root() + ";");
        for (std::size_t d = 1; d < e.depth; ++d)
            w_.close();
    };
    // Blocks of `fused_block` indices: the partial sums (vectorised as in print()), then each's
    // elements of the same indices, as a loop of its own (so that it vectorises too),
    // while their operands are in the nearest cache.
    const std::string from = cat("b", axis, "_"), to = cat("e", axis, "_");
    w_.open(cat("for (std::ptrdiff_t ", from, " = 0; ", from, " < ", whole, "; ", from,
                " += ", fused_block, ")"));
    w_.line(cat("const std::ptrdiff_t ", to, " = ", from, " + ", fused_block, " < ", whole, " ? ",
                from, " + ", fused_block, " : ", whole, ";"));
    open_lanes(axis, from, to);
    summand("l_");
    w_.close();
    w_.close();
    open_for(var, from, to);
    element();
    w_.close();
    w_.close();
    if (whole < extent) {
        open_for(var, std::to_string(whole), std::to_string(extent));
        summand("0");
        element();
        w_.close();
    }
    w_.line(cat(acc, " += ", pairwise(part, 0, lanes), ";"));
    if (!local)
        w_.line(access(sum.out) + " = " + acc + ";");
    w_.close();
}

} // namespace symdiff::codegen
