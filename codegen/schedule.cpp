// Scheduling (schedule.hpp): instances are made on demand, from the results down, each in
// the scope invariant 1 names; a scope's items are then its instances in id order, which
// is an execution order because ids are (a loop instance's body reads only smaller ids,
// and so does everything that scope reads from around it).
#include "codegen/schedule.hpp"

#include "codegen/lower.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace symdiff::codegen {
namespace {

std::size_t u(std::int64_t k) { return static_cast<std::size_t>(k); }

// The instances of a schedule by (node, scope): top-level ones in a dense table (most
// nodes of a large model), the rest hashed.
class InstanceTable {
  public:
    explicit InstanceTable(std::size_t nodes) : top_(nodes, -1) {}

    int find(NodeId node, int scope) const {
        if (scope == 0)
            return top_[node];
        const auto it = inner_.find(key(node, scope));
        return it == inner_.end() ? -1 : it->second;
    }
    void set(NodeId node, int scope, int instance) {
        if (scope == 0)
            top_[node] = instance;
        else
            inner_[key(node, scope)] = instance;
    }

  private:
    static std::uint64_t key(NodeId node, int scope) {
        return (std::uint64_t{node} << 32) | static_cast<std::uint32_t>(scope);
    }
    std::vector<int> top_;
    std::unordered_map<std::uint64_t, int> inner_;
};

class Scheduler {
  public:
    Scheduler(const Graph& g, const Function& fn) : g_(g), fn_(fn), table_(0) {}

    Schedule run() {
        std::vector<NodeId> roots;
        for (const auto& r : fn_.results)
            roots.push_back(r.node);
        const std::vector<NodeId> nodes = reachable(g_, roots);
        for (NodeId id : nodes) // emitted index arithmetic is 32-bit (lower.hpp)
            if (g_[id].shape.size() > std::numeric_limits<Index>::max())
                throw Error("'" + fn_.name + "' computes a tensor of " +
                                std::to_string(g_[id].shape.size()) +
                                " elements; generated code supports fewer than 2^31",
                            fn_.loc);
        s_.seeds = free_seeds(g_, nodes);
        table_ = InstanceTable(nodes.empty() ? 0 : nodes.back() + 1);
        s_.scopes.push_back(Scope{});
        for (const auto& r : fn_.results) {
            if (s_.seeds[r.node].any())
                throw Error("internal error: a result of '" + fn_.name +
                                "' uses a jacobian seed outside its loop",
                            fn_.loc);
            s_.results.push_back(instance(r.node, 0));
        }
        while (!work_.empty()) {
            const int i = work_.back();
            work_.pop_back();
            expand(i);
        }
        for (Scope& scope : s_.scopes)
            std::sort(scope.items.begin(), scope.items.end(), [&](int a, int b) {
                return s_.instances[u(a)].node < s_.instances[u(b)].node;
            });
        return std::move(s_);
    }

  private:
    // The outermost scope among `reader` and those around it that binds every seed of
    // `node` (invariant 1).
    int home(NodeId node, int reader) const {
        const LoopSet need = s_.seeds[node];
        if ((s_.scopes[u(reader)].bound & need) != need)
            throw Error("internal error: '" + fn_.name + "' reads a jacobian seed outside its loop",
                        fn_.loc);
        int at = reader;
        for (int up = s_.scopes[u(at)].parent; up >= 0 && (s_.scopes[u(up)].bound & need) == need;
             up = s_.scopes[u(at)].parent)
            at = up;
        return at;
    }

    int instance(NodeId node, int scope) {
        if (const int i = table_.find(node, scope); i >= 0)
            return i;
        const int i = static_cast<int>(s_.instances.size());
        s_.instances.push_back(Instance{node, scope});
        s_.scopes[u(scope)].items.push_back(i);
        table_.set(node, scope, i);
        work_.push_back(i);
        return i;
    }

    // Makes the instances instance i reads (and the scope of a loop's body). A fold reads
    // its init where it stands, before its loop; its carry is read in its body.
    void expand(int i) {
        const Node& n = g_[s_.instances[u(i)].node];
        const int scope = s_.instances[u(i)].scope;
        if (!runs_body(info(n.op).kind)) {
            for (std::size_t k = 0; k < n.arity; ++k) {
                const int a = instance(n.args[k], home(n.args[k], scope));
                s_.instances[u(i)].args[k] = a;
            }
            return;
        }
        const LoopSet own = s_.seeds[n.args[1]];
        const Scope& around = s_.scopes[u(scope)];
        if ((around.bound & own).any())
            throw Error("internal error: a loop in '" + fn_.name +
                            "' binds a placeholder that a loop around it binds",
                        fn_.loc);
        if (around.depth + 1 >= max_depth)
            throw Error("'" + fn_.name + "' nests loops (jacobian loops, folds, scans) more than " +
                            std::to_string(max_depth) + " deep",
                        fn_.loc);
        Scope body;
        body.parent = scope;
        body.depth = around.depth + 1;
        body.bound = around.bound | own;
        const int b = static_cast<int>(s_.scopes.size());
        s_.scopes.push_back(body);
        s_.instances[u(i)].body = b;
        const int a = instance(n.args[0], home(n.args[0], b));
        s_.instances[u(i)].args[0] = a;
        if (n.op == Op::Fold) {
            const int init = instance(n.args[2], home(n.args[2], scope));
            s_.instances[u(i)].args[2] = init;
        }
    }

    static constexpr int max_depth = max_loop_depth;

    const Graph& g_;
    const Function& fn_;
    Schedule s_;
    InstanceTable table_;
    std::vector<int> work_;
};

// --- loop fusion

bool is_loop(const Schedule& s, int i) { return s.instances[u(i)].body >= 0; }

// Calls f(instance) for every instance computed in `scope` or in the loops inside it.
template <class F> void for_each_in(const Schedule& s, int scope, F&& f) {
    for (int i : s.scopes[u(scope)].items) {
        f(i);
        if (is_loop(s, i))
            for_each_in(s, s.instances[u(i)].body, f);
    }
}

// The instances of scope `p` that the loop instance `loop` (its body, and the loops
// inside it) reads.
std::vector<char> reads_from(const Schedule& s, int loop, int p) {
    std::vector<char> r(s.instances.size(), 0);
    auto note = [&](int i) {
        for (int a : s.instances[u(i)].args)
            if (a >= 0 && s.instances[u(a)].scope == p)
                r[u(a)] = 1;
    };
    note(loop);
    for_each_in(s, s.instances[u(loop)].body, note);
    return r;
}

class Fuser {
  public:
    Fuser(const Graph& g, Schedule& s) : g_(g), s_(s) {}

    void fuse(int scope) {
        while (fuse_one(scope)) {
        }
        for (std::size_t k = 0; k < s_.scopes[u(scope)].items.size(); ++k)
            if (const int i = s_.scopes[u(scope)].items[k]; is_loop(s_, i))
                fuse(s_.instances[u(i)].body);
    }

  private:
    bool same_iterations(int a, int b) const {
        const Node& x = g_[s_.instances[u(a)].node];
        const Node& y = g_[s_.instances[u(b)].node];
        if (x.op == Op::Fold && y.op == Op::Fold) { // one loop, one carry, several results
            const FoldSpec fx = x.fold(), fy = y.fold();
            return x.args == y.args && fx.count == fy.count && fx.reverse == fy.reverse;
        }
        if (x.op != Op::SeedLoop || y.op != Op::SeedLoop)
            return false;
        return x.args[1] == y.args[1] && x.loop().colours == y.loop().colours;
    }

    // Fuses the first pair of loops of `p` that may share one, if any.
    bool fuse_one(int p) {
        std::vector<int>& items = s_.scopes[u(p)].items;
        for (std::size_t ka = 0; ka < items.size(); ++ka) {
            if (!is_loop(s_, items[ka]))
                continue;
            // What depends on loop A in p, among the items after it (A computes every
            // store of its body: loops fused into it already).
            std::vector<char> after_a(s_.instances.size(), 0);
            for (int st : s_.scopes[u(s_.instances[u(items[ka])].body)].stores)
                after_a[u(st)] = 1;
            for (std::size_t kb = ka + 1; kb < items.size(); ++kb) {
                const int b = items[kb];
                const bool sibling = is_loop(s_, b) && same_iterations(items[ka], b);
                std::vector<char> reads = is_loop(s_, b) ? reads_from(s_, b, p) : std::vector<char>{};
                bool needs_a = false;
                if (is_loop(s_, b)) {
                    for (std::size_t x = 0; x < reads.size() && !needs_a; ++x)
                        needs_a = reads[x] && after_a[x];
                } else {
                    for (int a : s_.instances[u(b)].args)
                        needs_a = needs_a || (a >= 0 && after_a[u(a)]);
                }
                if (sibling && !needs_a) {
                    merge(p, ka, kb, after_a);
                    return true;
                }
                if (needs_a)
                    after_a[u(b)] = 1;
            }
        }
        return false;
    }

    // Loop B (items[kb]) joins loop A (items[ka]): the joint loop runs where B ran, and
    // what depended on A in between runs after it.
    void merge(int p, std::size_t ka, std::size_t kb, const std::vector<char>& after_a) {
        std::vector<int>& items = s_.scopes[u(p)].items;
        const int a = items[ka], b = items[kb];
        const int body_a = s_.instances[u(a)].body, body_b = s_.instances[u(b)].body;
        std::vector<int> order(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(ka));
        std::vector<int> moved;
        for (std::size_t k = ka + 1; k < kb; ++k)
            (after_a[u(items[k])] ? moved : order).push_back(items[k]);
        order.push_back(a); // the joint loop, listed once (Scope::stores has both)
        order.insert(order.end(), moved.begin(), moved.end());
        order.insert(order.end(), items.begin() + static_cast<std::ptrdiff_t>(kb) + 1, items.end());
        items = std::move(order);

        // B's body joins A's: an instance of a node A's body already computes is that one.
        Scope& joint = s_.scopes[u(body_a)];
        std::unordered_map<NodeId, int> in_a;
        for (int i : joint.items)
            in_a[s_.instances[u(i)].node] = i;
        std::vector<int> alias(s_.instances.size(), -1);
        for (int i : s_.scopes[u(body_b)].items) {
            const auto it = in_a.find(s_.instances[u(i)].node);
            if (it != in_a.end()) {
                alias[u(i)] = it->second;
                continue;
            }
            s_.instances[u(i)].scope = body_a;
            joint.items.push_back(i);
            if (is_loop(s_, i))
                s_.scopes[u(s_.instances[u(i)].body)].parent = body_a;
        }
        for (Instance& inst : s_.instances)
            for (int& x : inst.args)
                if (x >= 0 && alias[u(x)] >= 0)
                    x = alias[u(x)];
        std::sort(joint.items.begin(), joint.items.end(), [&](int x, int y) {
            return s_.instances[u(x)].node < s_.instances[u(y)].node;
        });
        s_.instances[u(b)].body = body_a;
        joint.stores.push_back(b);
        Scope& dead = s_.scopes[u(body_b)];
        dead.items.clear();
        dead.stores.clear();
    }

    const Graph& g_;
    Schedule& s_;
};

} // namespace

Schedule schedule(const Graph& g, const Function& fn) {
    Schedule s = Scheduler(g, fn).run();
    for (std::size_t i = 0; i < s.instances.size(); ++i)
        if (s.instances[i].body >= 0)
            s.scopes[u(s.instances[i].body)].stores = {static_cast<int>(i)};
    return s;
}

std::int64_t directions(const Graph& g, const Schedule& s, int scope) {
    const Node& loop = g[s.instances[u(s.scopes[u(scope)].stores.front())].node];
    if (loop.op == Op::Fold)
        return loop.fold().count;
    return loop.loop().colours ? loop.loop().colours : g[loop.args[1]].shape.size();
}

void fuse_loops(const Graph& g, Schedule& s) { Fuser(g, s).fuse(0); }

void verify(const Graph& g, const Schedule& s) {
    std::vector<char> ready(s.instances.size(), 0), listed(s.instances.size(), 0);
    auto fail = [](const std::string& what) { throw Error("internal error: schedule: " + what); };
    auto walk = [&](auto& self, int scope) -> void {
        const Scope& sc = s.scopes[u(scope)];
        for (int i : sc.items) {
            const Instance& inst = s.instances[u(i)];
            if (listed[u(i)]++ || inst.scope != scope)
                fail("instance %" + std::to_string(i) + " is listed twice or in another scope");
            const LoopSet need = s.seeds[inst.node];
            const int up = sc.parent;
            if ((sc.bound & need) != need || (up >= 0 && (s.scopes[u(up)].bound & need) == need))
                fail("instance %" + std::to_string(i) + " is not in its node's scope");
            for (int a : inst.args)
                if (a >= 0 && !ready[u(a)] && inst.body < 0)
                    fail("instance %" + std::to_string(i) + " reads %" + std::to_string(a) +
                         " before it is computed");
            if (inst.body >= 0) {
                const Scope& body = s.scopes[u(inst.body)];
                if (body.parent != scope || body.stores.empty() || body.stores.front() != i)
                    fail("loop %" + std::to_string(i) + " does not own its body");
                self(self, inst.body);
                for (int st : body.stores) {
                    const int v = s.instances[u(st)].args[0];
                    if (!ready[u(v)])
                        fail("loop %" + std::to_string(st) + " stores a value not computed");
                }
                for (int x : body.items)
                    ready[u(x)] = 0; // a body's values are gone when its loop ends
                for (int st : body.stores)
                    ready[u(st)] = 1;
            } else {
                ready[u(i)] = 1;
            }
        }
    };
    walk(walk, 0);
    for (int r : s.results)
        if (!ready[u(r)] || s.instances[u(r)].scope != 0)
            fail("a result is not computed at the top level");
    (void)g;
}

std::string to_text(const Graph& g, const Schedule& s) {
    std::string out;
    auto walk = [&](auto& self, int scope, int indent) -> void {
        for (int i : s.scopes[u(scope)].items) {
            const Instance& inst = s.instances[u(i)];
            const Node& n = g[inst.node];
            std::string line(u(indent), ' ');
            line += "%" + std::to_string(i) + " = " + std::string(name(n.op)) + "(";
            for (std::size_t k = 0; k < n.arity; ++k)
                line += (k ? ", " : "") +
                        (inst.args[k] >= 0 ? "%" + std::to_string(inst.args[k]) : std::string("seed"));
            line += ")  ; node " + std::to_string(inst.node) + " " + n.shape.str();
            if (inst.body < 0) {
                out += line + "\n";
                continue;
            }
            const Scope& body = s.scopes[u(inst.body)];
            out += line + " loop {";
            for (std::size_t k = 1; k < body.stores.size(); ++k)
                out += " also %" + std::to_string(body.stores[k]);
            out += "\n";
            self(self, inst.body, indent + 2);
            out += std::string(u(indent), ' ') + "}\n";
        }
    };
    walk(walk, 0, 0);
    return out;
}

} // namespace symdiff::codegen
