// Static figures of a model's exports for the benchmark table: the simplifier's node
// counts (rewrite::Stats, one simplify call per export as `symdiff gen` does) and the
// work of the lowered Program per call (see count_kernel), as one JSON object per
// export; with --kernels also a per-kernel listing, in the header's order.
// Usage: model_stats [--kernels] MODEL.sd EXPORT...
#include "codegen/lower.hpp"
#include "core/ops.hpp"
#include "rewrite/simplify.hpp"
#include "lang/model.hpp"

#include <cstdio>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace symdiff;

// Work of one call: floating-point operations (transcendental calls counted apart too),
// and doubles loaded and stored by the kernels (no caching assumed).
struct Work {
    double flops = 0, transcendental = 0, loads = 0, stores = 0, zero_stores = 0;
    Work& operator+=(const Work& w) {
        flops += w.flops;
        transcendental += w.transcendental;
        loads += w.loads;
        stores += w.stores;
        zero_stores += w.zero_stores;
        return *this;
    }
};

// Ops that cost no arithmetic: selections and comparisons.
bool is_free(std::string_view name) {
    static const std::set<std::string_view> free = {"max", "min", "relu", "abs", "where",
                                                    "lt",  "le",  "gt",   "ge",  "eq", "ne"};
    return free.count(name) > 0;
}
bool is_transcendental(std::string_view name) {
    static const std::set<std::string_view> t = {"exp",     "log",   "sqrt",  "sin",
                                                 "cos",     "tan",   "tanh",  "sigmoid",
                                                 "log1p",   "expm1", "softplus", "pow"};
    return t.count(name) > 0;
}

// Domain points where every guard holds, summed over the counter values of the enclosing
// Jacobian loops (`counts`, outermost first): the kernel computes its body there and
// elsewhere stores 0 (or nothing, for a `skip` kernel). Enumerated; domains are small.
double guarded_points(const codegen::Kernel& k, const std::vector<std::int64_t>& counts) {
    const Shape& d = k.domain;
    const std::int64_t total = d.size();
    std::int64_t runs = 1;
    for (std::int64_t c : counts)
        runs *= c;
    if (k.guards.empty())
        return static_cast<double>(total * runs);
    std::int64_t pass = 0;
    std::array<std::int64_t, Shape::max_rank> idx{};
    std::array<std::int64_t, codegen::max_loop_depth> ctr{};
    for (std::int64_t run = 0; run < runs; ++run) {
        std::int64_t rest = run;
        for (std::size_t j = counts.size(); j-- > 0;) {
            ctr[j] = rest % counts[j];
            rest /= counts[j];
        }
        for (std::int64_t flat = 0; flat < total; ++flat) {
            rest = flat;
            for (int j = d.rank() - 1; j >= 0; --j) {
                idx[static_cast<std::size_t>(j)] = rest % d[j];
                rest /= d[j];
            }
            bool ok = true;
            for (const codegen::KernelGuard& gd : k.guards) {
                std::int64_t v = gd.constant;
                for (int j = 0; j < d.rank(); ++j)
                    v += gd.coef[static_cast<std::size_t>(j)] * idx[static_cast<std::size_t>(j)];
                for (std::size_t c = 0; c < counts.size(); ++c)
                    v += gd.counter[c] * ctr[c];
                ok = ok && v >= 0;
            }
            pass += ok;
        }
    }
    return static_cast<double>(pass);
}

// All runs of a kernel (`counts`: its enclosing Jacobian loops): (apply values of the
// body) x (points where the guards hold), no credit for values the printer hoists out
// of inner loops; a sum over reduced axes adds one add per point; logsumexp evaluates
// the body twice (max pass, then sum of exp) and adds sub + exp + add per point and a
// log per output element (and, storing a softmax, a division per point; the pass that
// recomputes it where the maximum is not finite is not counted).
Work count_kernel(const codegen::Kernel& k, const std::vector<std::int64_t>& counts) {
    double arith = 0, trans = 0, loads = 0;
    for (const codegen::Value& v : k.body) {
        if (v.kind == codegen::Value::Kind::load)
            ++loads;
        if (v.kind != codegen::Value::Kind::apply)
            continue;
        const std::string_view n = name(v.op);
        if (is_free(n))
            continue;
        ++arith;
        if (is_transcendental(n))
            ++trans;
    }
    double runs = 1;
    for (std::int64_t c : counts)
        runs *= static_cast<double>(c);
    const double points = guarded_points(k, counts);
    const double all = static_cast<double>(k.domain.size()) * runs;
    double outputs = all;
    for (int j = 0; j < k.domain.rank(); ++j)
        if ((k.reduced >> j) & 1u)
            outputs /= static_cast<double>(k.domain[j]);
    Work w;
    w.loads = loads * points;
    w.stores = k.reduced ? outputs : (k.skip ? points : all);
    w.zero_stores = k.reduced || k.skip ? 0 : all - points;
    if (k.combine == Combine::logsumexp && k.reduced) {
        w.flops = (2 * arith + 3) * points + outputs;
        w.transcendental = (2 * trans + 1) * points + outputs;
        w.loads *= 2;
        if (k.side.buffer >= 0) { // stores the softmax too: a store and a division per point
            w.stores += points;
            w.flops += points;
        }
    } else {
        w.flops = (arith + (k.reduced && k.combine == Combine::sum ? 1 : 0)) * points;
        w.transcendental = trans * points;
    }
    return w;
}

std::string domain_text(const Shape& s) {
    std::string t = "[";
    for (int j = 0; j < s.rank(); ++j)
        t += (j ? "," : "") + std::to_string(s[j]);
    return t + "]";
}

// Walks the program's steps; `counts` are the trip counts of the enclosing Jacobian loops.
void walk(const Graph& g, const codegen::Program& p, const std::vector<codegen::Step>& steps,
          std::vector<std::int64_t>& counts, Work& total, int& kernels, bool list) {
    const int depth = static_cast<int>(counts.size());
    for (const codegen::Step& s : steps) {
        if (s.loop >= 0) {
            const codegen::Loop& l = p.loops[static_cast<std::size_t>(s.loop)];
            if (list)
                std::printf("%*sloop x%lld {\n", 2 * depth + 2, "", static_cast<long long>(l.count));
            counts.push_back(l.count);
            walk(g, p, l.steps, counts, total, kernels, list);
            counts.pop_back();
            if (list)
                std::printf("%*s}\n", 2 * depth + 2, "");
            continue;
        }
        const codegen::Kernel& k = s.kernel;
        const Work w = count_kernel(k, counts);
        total += w;
        ++kernels;
        if (list)
            std::printf("%*s#%-3d %-12s domain %-16s %s%s flops %-10.0f loads %-10.0f stores "
                        "%-9.0f zero-stores %.0f\n",
                        2 * depth + 2, "", kernels, std::string(name(g[k.node].op)).c_str(),
                        domain_text(k.domain).c_str(), k.reduced ? "reduce " : "",
                        k.guards.empty() ? "" : (k.skip ? "guarded(skip) " : "guarded "), w.flops,
                        w.loads, w.stores, w.zero_stores);
    }
}

} // namespace

int main(int argc, char** argv) {
    bool list = false;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--kernels")
            list = true;
        else
            args.emplace_back(argv[i]);
    }
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: model_stats [--kernels] MODEL.sd EXPORT...\n");
        return 2;
    }
    try {
        Model m = load_model(args[0]);
        for (std::size_t a = 1; a < args.size(); ++a) {
            const Function* f = m.find_export(args[a]);
            if (!f) {
                std::fprintf(stderr, "model_stats: no export %s in %s\n", args[a].c_str(),
                             args[0].c_str());
                return 2;
            }
            Function fn = *f;
            std::vector<NodeId> roots;
            for (const auto& r : fn.results)
                roots.push_back(r.node);
            rewrite::Stats st;
            const std::vector<NodeId> simplified = rewrite::simplify(*m.graph, roots, {}, &st);
            for (std::size_t r = 0; r < roots.size(); ++r)
                fn.results[r].node = simplified[r];
            const codegen::Program p = codegen::lower(*m.graph, fn);
            Work total;
            int kernels = 0;
            if (list)
                std::printf("%s:\n", fn.name.c_str());
            std::vector<std::int64_t> counts;
            walk(*m.graph, p, p.steps, counts, total, kernels, list);
            if (!list)
                std::printf("{\"export\": \"%s\", \"nodes_before\": %zu, \"nodes_after\": %zu, "
                            "\"rewrites\": %zu, \"passes\": %d, \"kernels\": %d, "
                            "\"work_doubles\": %lld, \"flops\": %.0f, \"transcendental\": %.0f, "
                            "\"loads\": %.0f, \"stores\": %.0f, \"zero_stores\": %.0f}\n",
                            fn.name.c_str(), st.nodes_before, st.nodes_after, st.rewrites,
                            st.passes, kernels, static_cast<long long>(p.work_size), total.flops,
                            total.transcendental, total.loads, total.stores, total.zero_stores);
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "model_stats: %s\n", e.what());
        return 2;
    }
    return 0;
}
