// Lowering's driver (lower.hpp): the passes in order, the program's steps from the
// schedule's scopes, and the removal of kernels nothing reads.
#include "codegen/lower.hpp"

#include "codegen/allocate.hpp"
#include "codegen/kernel_builder.hpp"
#include "codegen/placement.hpp"
#include "codegen/schedule.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"

#include <algorithm>

namespace symdiff::codegen {
namespace {

std::size_t u(std::int64_t k) { return static_cast<std::size_t>(k); }

// The steps of every scope: its kernels in the schedule's order, a loop where its loop
// instance stands (a compressed loop's result zeroed first: it writes only the band).
class StepBuilder {
  public:
    StepBuilder(const Graph& g, const Schedule& s, const Placement& p, Program& prog)
        : g_(g), s_(s), p_(p), prog_(prog), kernels_(g, s, p) {}

    void run() {
        prog_.buffers = p_.buffers;
        prog_.steps = steps(0);
        for (const auto& [i, out] : p_.copies)
            prog_.steps.push_back({kernels_.copy(i, out), -1});
    }

  private:
    std::vector<Step> steps(int scope) {
        std::vector<Step> out;
        for (int i : s_.scopes[u(scope)].items) {
            const Instance& inst = s_.instances[u(i)];
            const Op op = g_[inst.node].op;
            if (p_.place[u(i)] != Place::buffer || op == Op::Input || op == Op::Carry || p_.lse_of[u(i)] >= 0)
                continue; // (a softmax is stored by its logsumexp's kernel; a carry by its fold)
            if (info(op).kind == OpKind::flat && p_.buffer[u(i)] == p_.buffer[u(flat_source(g_, s_, i))])
                continue; // a reshape of a value computed in place (placement.cpp)
            if (inst.body < 0) {
                out.push_back({kernels_.compute(i), -1});
                continue;
            }
            const Scope& body = s_.scopes[u(inst.body)];
            Loop loop;
            loop.node = inst.node;
            loop.count = directions(g_, s_, inst.body);
            loop.depth = body.depth;
            if (op == Op::Fold) {
                add_fold(i, std::move(loop), out);
                continue;
            }
            loop.steps = steps(inst.body);
            for (int st : body.stores) {
                loop.steps.push_back({kernels_.compute(st), -1});
                if (g_[s_.instances[u(st)].node].op == Op::SeedLoop && g_[s_.instances[u(st)].node].loop().colours)
                    out.push_back({kernels_.fill(st, 0.0), -1});
            }
            prog_.loops.push_back(std::move(loop));
            out.push_back({Kernel{}, static_cast<int>(prog_.loops.size() - 1)});
        }
        return out;
    }

    // A fold: init into the carry, then per step its body, the body's value into the
    // carry, and a scan's row t (before the step or after it).
    // Folds fused into this one (Scope::stores) store their rows in the same loop.
    void add_fold(int i, Loop loop, std::vector<Step>& out) {
        using K = KernelBuilder::FoldKernel;
        const Node& n = g_[s_.instances[u(i)].node];
        const std::vector<int>& stores = s_.scopes[u(s_.instances[u(i)].body)].stores;
        auto rows = [&](FoldMode mode) {
            for (int st : stores)
                if (g_[s_.instances[u(st)].node].fold().mode == mode)
                    loop.steps.push_back({kernels_.fold_kernel(st, K::row), -1});
        };
        loop.fold = true;
        rows(FoldMode::before);
        for (Step& step : steps(s_.instances[u(i)].body))
            loop.steps.push_back(std::move(step));
        if (n.args[0] != n.args[1]) // F(c) = c leaves the carry as it is
            loop.steps.push_back({kernels_.fold_kernel(i, K::update), -1});
        rows(FoldMode::after);
        out.push_back({kernels_.fold_kernel(i, K::init), -1});
        prog_.loops.push_back(std::move(loop));
        out.push_back({Kernel{}, static_cast<int>(prog_.loops.size() - 1)});
    }

    const Graph& g_;
    const Schedule& s_;
    const Placement& p_;
    Program& prog_;
    KernelBuilder kernels_;
};

// A kernel whose buffer nothing reads is dropped (with the kernels only it read): a
// padded view that reads nothing where it is used leaves its operand unread, and an
// unread local would not compile under -Werror. Buffers no kernel writes any more go
// too, and the parameters no kernel reads are marked unused.
void drop_unread(Program& prog, std::size_t params) {
    for (bool changed = true; changed;) {
        changed = false;
        std::vector<bool> read(prog.buffers.size(), false);
        prog.for_each_kernel([&](const Kernel& k) {
            for (const Value& v : k.body)
                if (v.kind == Value::Kind::load)
                    read[u(v.at.buffer)] = true;
        });
        auto unread = [&](const Access& a) {
            if (a.buffer < 0)
                return true;
            const Buffer& b = prog.buffers[u(a.buffer)];
            return (b.kind == Buffer::Kind::work || b.kind == Buffer::Kind::local) && !read[u(a.buffer)];
        };
        auto dead = [&](const Step& step) {
            return step.loop < 0 && unread(step.kernel.out) && unread(step.kernel.side);
        };
        changed = std::erase_if(prog.steps, dead) > 0;
        for (Loop& loop : prog.loops)
            changed = std::erase_if(loop.steps, dead) > 0 || changed;
    }
    std::vector<bool> written(prog.buffers.size(), false);
    prog.for_each_kernel([&](const Kernel& k) {
        written[u(k.out.buffer)] = true;
        if (k.side.buffer >= 0)
            written[u(k.side.buffer)] = true;
    });
    std::vector<int> renumber(prog.buffers.size(), -1);
    std::vector<Buffer> kept;
    for (std::size_t b = 0; b < prog.buffers.size(); ++b) {
        const Buffer::Kind kind = prog.buffers[b].kind;
        if (written[b] || (kind != Buffer::Kind::work && kind != Buffer::Kind::local)) {
            renumber[b] = static_cast<int>(kept.size());
            kept.push_back(prog.buffers[b]);
        }
    }
    prog.buffers = std::move(kept);
    auto renumber_steps = [&](std::vector<Step>& steps) {
        for (Step& step : steps) {
            if (step.loop >= 0)
                continue;
            step.kernel.out.buffer = renumber[u(step.kernel.out.buffer)];
            if (step.kernel.side.buffer >= 0)
                step.kernel.side.buffer = renumber[u(step.kernel.side.buffer)];
            for (Value& v : step.kernel.body)
                if (v.kind == Value::Kind::load)
                    v.at.buffer = renumber[u(v.at.buffer)];
        }
    };
    renumber_steps(prog.steps);
    for (Loop& loop : prog.loops)
        renumber_steps(loop.steps);
    prog.param_used.assign(params, false);
    prog.for_each_kernel([&](const Kernel& k) {
        for (const Value& v : k.body)
            if (v.kind == Value::Kind::load && prog.buffers[u(v.at.buffer)].kind == Buffer::Kind::input)
                prog.param_used[u(prog.buffers[u(v.at.buffer)].index)] = true;
    });
}

} // namespace

Program lower(const Graph& g, const Function& fn) {
    Schedule s = schedule(g, fn);
    fuse_loops(g, s);
    verify(g, s);
    const Placement p = place(g, fn, s);
    Program prog;
    StepBuilder(g, s, p, prog).run();
    drop_unread(prog, fn.params.size());
    allocate_work(prog);
    return prog;
}

} // namespace symdiff::codegen
