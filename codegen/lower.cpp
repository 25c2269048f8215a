// Lowering a Function to loop kernels: decide which nodes get buffers, build each
// kernel's fused body, and lay out the work array by liveness.
//
// Placement is decided consumers-first (ids downward): a node is fused into its
// consumer ("inlined") when it is element-wise, read exactly once per element, and the
// fused expression stays shallow; views and reshapes are always index arithmetic; the
// rest (reductions, guarded views, scalars, results, anything read twice) get buffers.
#include "codegen/lower.hpp"

#include "core/error.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"

#include <algorithm>
#include <map>

namespace symdiff::codegen {
namespace {

constexpr int max_inline_depth = 32;

enum class Place : std::uint8_t { buffer, inlined, constant };

std::size_t u(std::int64_t k) { return static_cast<std::size_t>(k); }

// (inner ∘ outer)(loop) = inner(outer(loop)).
AffineMap compose(const AffineMap& inner, const AffineMap& outer) {
    AffineMap r;
    r.rank = inner.rank;
    for (int k = 0; k < inner.rank; ++k) {
        r.offset[u(k)] = inner.offset[u(k)];
        for (int m = 0; m < outer.rank; ++m) {
            const std::int64_t c = inner.coef[u(k)][u(m)];
            if (c == 0)
                continue;
            r.offset[u(k)] += c * outer.offset[u(m)];
            for (int j = 0; j < Shape::max_rank; ++j)
                r.coef[u(k)][u(j)] += c * outer.coef[u(m)][u(j)];
        }
    }
    return r;
}

bool same_map(const AffineMap& a, const AffineMap& b) {
    return a.rank == b.rank && a.coef == b.coef && a.offset == b.offset;
}

Access linearize(int buffer, const AffineMap& m, const Shape& shape) {
    Access a;
    a.buffer = buffer;
    const auto strides = shape.strides();
    for (int k = 0; k < m.rank; ++k) {
        a.base += strides[u(k)] * m.offset[u(k)];
        for (int j = 0; j < Shape::max_rank; ++j)
            a.step[u(j)] += strides[u(k)] * m.coef[u(k)][u(j)];
    }
    return a;
}

class Lowering {
  public:
    Lowering(const Graph& g, const Function& fn) : g_(g), fn_(fn) {}

    Program run() {
        collect();
        place();
        assign_buffers();
        build_kernels();
        assign_work_offsets();
        return std::move(prog_);
    }

  private:
    // --- which nodes, and where each lives
    void collect() {
        std::vector<NodeId> roots;
        for (const auto& r : fn_.results)
            roots.push_back(r.node);
        nodes_ = reachable(g_, roots);
        slot_.assign(nodes_.empty() ? 0 : nodes_.back() + 1, -1);
        for (std::size_t s = 0; s < nodes_.size(); ++s)
            slot_[nodes_[s]] = static_cast<int>(s);
        place_.assign(nodes_.size(), Place::buffer);
        buffer_.assign(nodes_.size(), -1);
    }

    std::size_t slot(NodeId id) const { return static_cast<std::size_t>(slot_[id]); }

    // How many times one element of operand i is read per element computed by n.
    double read_factor(const Node& n, int i) const {
        const OpKind kind = info(n.op).kind;
        if (kind != OpKind::view && kind != OpKind::reduce)
            return 1.0;
        const IndexPlan p = index_plan(g_, n);
        if (p.guard_count > 0)
            return 1.0;
        const double f = static_cast<double>(p.domain.size()) /
                         static_cast<double>(g_[n.args[u(i)]].shape.size());
        return p.combine == Combine::logsumexp ? 2.0 * f : f;
    }

    void place() {
        const std::size_t n_nodes = nodes_.size();
        std::vector<std::uint32_t> uses(n_nodes, 0);
        std::vector<double> reads(n_nodes, 0.0); // evaluations per element if fused
        std::vector<int> depth(n_nodes, 0);
        std::vector<std::uint8_t> forced(n_nodes, 0), root(n_nodes, 0);
        for (const auto& r : fn_.results) {
            ++uses[slot(r.node)];
            root[slot(r.node)] = 1;
        }
        for (std::size_t s = n_nodes; s-- > 0;) {
            const Node& n = g_[nodes_[s]];
            const OpKind kind = info(n.op).kind;
            Place p = Place::buffer;
            if (n.op == Op::Const)
                p = Place::constant;
            else if (n.op == Op::Input || root[s] || forced[s] || depth[s] >= max_inline_depth)
                p = Place::buffer;
            else if (kind == OpKind::flat || (kind == OpKind::view && index_plan(g_, n).guard_count == 0))
                p = Place::inlined; // index arithmetic, free
            else if (kind == OpKind::elementwise && !n.shape.is_scalar() && uses[s] == 1 &&
                     reads[s] <= 1.0)
                p = Place::inlined; // scalars stay locals: computed once, outside any loop
            place_[s] = p;
            for (int i = 0; i < n.arity; ++i) {
                const NodeId a = n.args[u(i)];
                const std::size_t sa = slot(a);
                const double f = read_factor(n, i);
                if (p == Place::inlined) {
                    uses[sa] += uses[s];
                    reads[sa] = std::max(reads[sa], reads[s] * f);
                    depth[sa] = std::max(depth[sa], depth[s] + 1);
                } else {
                    uses[sa] += 1;
                    reads[sa] = std::max(reads[sa], f);
                    depth[sa] = std::max(depth[sa], 1);
                }
                // A reshape reads its operand by flat index: that needs a real buffer.
                if (kind == OpKind::flat && g_[a].op != Op::Input && g_[a].op != Op::Const)
                    forced[sa] = 1;
            }
        }
    }

    int add_buffer(Buffer::Kind kind, int index, NodeId node) {
        Buffer b;
        b.kind = kind;
        b.index = index;
        b.node = node;
        b.size = g_[node].shape.size();
        prog_.buffers.push_back(b);
        return static_cast<int>(prog_.buffers.size() - 1);
    }

    int param_index(NodeId input) const {
        for (std::size_t i = 0; i < fn_.params.size(); ++i)
            if (fn_.params[i] == input)
                return static_cast<int>(i);
        const std::string name = g_.inputs()[u(g_[input].input_index())].name;
        throw Error("result of '" + fn_.name + "' depends on input '" + name +
                    "', which is not one of its parameters");
    }

    void assign_buffers() {
        prog_.param_used.assign(fn_.params.size(), false);
        // Results first, so computed results are written straight into the caller's
        // buffers; a result that is an input, a constant or a repeat is copied.
        for (std::size_t j = 0; j < fn_.results.size(); ++j) {
            const NodeId id = fn_.results[j].node;
            const std::size_t s = slot(id);
            const Op op = g_[id].op;
            const int out = add_buffer(Buffer::Kind::output, static_cast<int>(j), id);
            if (op == Op::Input || op == Op::Const || buffer_[s] >= 0)
                copies_.push_back({id, out});
            else
                buffer_[s] = out;
        }
        for (std::size_t s = 0; s < nodes_.size(); ++s) {
            if (place_[s] != Place::buffer || buffer_[s] >= 0)
                continue;
            const Node& n = g_[nodes_[s]];
            if (n.op == Op::Input)
                buffer_[s] = add_buffer(Buffer::Kind::input, param_index(nodes_[s]), nodes_[s]);
            else if (n.shape.is_scalar())
                buffer_[s] = add_buffer(Buffer::Kind::local, 0, nodes_[s]);
            else
                buffer_[s] = add_buffer(Buffer::Kind::work, 0, nodes_[s]);
        }
    }

    // --- kernel bodies

    int push(Kernel& k, const Value& v) {
        k.body.push_back(v);
        return static_cast<int>(k.body.size() - 1);
    }

    int load(Kernel& k, int buffer, const AffineMap& map, const Shape& shape) {
        const Buffer& b = prog_.buffers[u(buffer)];
        if (b.kind == Buffer::Kind::input)
            prog_.param_used[u(b.index)] = true;
        Value v;
        v.kind = Value::Kind::load;
        v.at = linearize(buffer, map, shape);
        for (std::size_t i = 0; i < k.body.size(); ++i) // identical loads share a value
            if (k.body[i].kind == Value::Kind::load && k.body[i].at == v.at)
                return static_cast<int>(i);
        return push(k, v);
    }

    int constant(Kernel& k, double c) {
        Value v;
        v.kind = Value::Kind::constant;
        v.constant = c;
        return push(k, v);
    }

    // The value of node `id` at index map(loop) inside kernel k.
    int value(Kernel& k, NodeId id, const AffineMap& map) {
        const std::size_t s = slot(id);
        switch (place_[s]) {
        case Place::constant:
            return constant(k, g_[id].value());
        case Place::buffer:
            return load(k, buffer_[s], map, g_[id].shape);
        case Place::inlined:
            break;
        }
        return expand(k, id, map);
    }

    // Node `id`'s own op applied at index map(loop), its operands fused or loaded.
    int expand(Kernel& k, NodeId id, const AffineMap& map) {
        for (const Memo& m : memo_)
            if (m.node == id && same_map(m.map, map))
                return m.value;
        const Node n = g_[id];
        int result = -1;
        switch (info(n.op).kind) {
        case OpKind::elementwise: {
            Value v;
            v.kind = Value::Kind::apply;
            v.op = n.op;
            for (int i = 0; i < n.arity; ++i)
                v.args[u(i)] = value(k, n.args[u(i)], map);
            result = push(k, v);
            break;
        }
        case OpKind::view: { // unguarded views only: guarded ones always get buffers
            const IndexPlan p = index_plan(g_, n);
            result = value(k, n.args[0], compose(p.in[0], map));
            break;
        }
        case OpKind::flat: { // same flat index into the operand's buffer
            const NodeId a = n.args[0];
            if (g_[a].op == Op::Const)
                result = constant(k, g_[a].value());
            else
                result = load(k, buffer_[slot(a)], map, n.shape);
            break;
        }
        case OpKind::leaf:
        case OpKind::reduce:
            throw Error("internal error: cannot fuse " + std::string(name(n.op)));
        }
        memo_.push_back({id, map, result});
        return result;
    }

    Kernel kernel_for(std::size_t s) {
        const NodeId id = nodes_[s];
        const Node n = g_[id];
        Kernel k;
        k.node = id;
        memo_.clear();
        const int out = buffer_[s];
        const OpKind kind = info(n.op).kind;
        if (kind == OpKind::view || kind == OpKind::reduce) {
            const IndexPlan p = index_plan(g_, n);
            k.domain = p.domain;
            k.combine = p.combine;
            for (int j = 0; j < p.domain.rank(); ++j)
                if (p.combine != Combine::assign && p.is_reduced(j))
                    k.reduced |= static_cast<std::uint8_t>(1u << j);
            k.guards.assign(p.guards.begin(), p.guards.begin() + p.guard_count);
            const int a = value(k, n.args[0], p.in[0]);
            if (p.body == Body::product) {
                Value v;
                v.kind = Value::Kind::apply;
                v.op = Op::Mul;
                v.args = {a, value(k, n.args[1], p.in[1]), 0};
                k.result = push(k, v);
            } else {
                k.result = a;
            }
            k.out = linearize(out, p.out, n.shape);
        } else {
            const AffineMap id_map = AffineMap::identity(n.shape.rank());
            k.domain = n.shape;
            k.result = expand(k, id, id_map);
            k.out = linearize(out, id_map, n.shape);
        }
        return k;
    }

    // Axes of extent 1 have index 0: drop them from every access and guard; guards that
    // hold on the whole domain are dropped too.
    static void normalize(Kernel& k) {
        auto strip = [&](std::array<std::int64_t, Shape::max_rank>& step) {
            for (int j = 0; j < k.domain.rank(); ++j)
                if (k.domain[j] == 1)
                    step[u(j)] = 0;
        };
        for (Value& v : k.body)
            if (v.kind == Value::Kind::load)
                strip(v.at.step);
        strip(k.out.step);
        for (Guard& gd : k.guards)
            strip(gd.coef);
        std::erase_if(k.guards, [&](const Guard& gd) {
            std::int64_t least = gd.constant; // the guard's minimum over the domain
            for (int j = 0; j < k.domain.rank(); ++j)
                least += std::min<std::int64_t>(0, gd.coef[u(j)] * (k.domain[j] - 1));
            return least >= 0;
        });
    }

    Kernel copy_kernel(NodeId id, int out) {
        Kernel k;
        k.node = id;
        memo_.clear();
        const Node& n = g_[id];
        const AffineMap id_map = AffineMap::identity(n.shape.rank());
        k.domain = n.shape;
        k.result = n.op == Op::Const ? constant(k, n.value()) : load(k, buffer_[slot(id)], id_map, n.shape);
        k.out = linearize(out, id_map, n.shape);
        return k;
    }

    void build_kernels() {
        for (std::size_t s = 0; s < nodes_.size(); ++s) {
            const Op op = g_[nodes_[s]].op;
            if (place_[s] == Place::buffer && op != Op::Input && op != Op::Const)
                prog_.kernels.push_back(kernel_for(s));
        }
        for (const auto& [id, out] : copies_)
            prog_.kernels.push_back(copy_kernel(id, out));
        for (Kernel& k : prog_.kernels)
            normalize(k);
    }

    // --- work array: first fit by liveness, in kernel order
    void assign_work_offsets() {
        const std::size_t nb = prog_.buffers.size();
        std::vector<std::int64_t> first(nb, -1), last(nb, -1);
        for (std::size_t ki = 0; ki < prog_.kernels.size(); ++ki) {
            const Kernel& k = prog_.kernels[ki];
            const auto i = static_cast<std::int64_t>(ki);
            if (first[u(k.out.buffer)] < 0)
                first[u(k.out.buffer)] = i;
            last[u(k.out.buffer)] = std::max(last[u(k.out.buffer)], i);
            for (const Value& v : k.body)
                if (v.kind == Value::Kind::load)
                    last[u(v.at.buffer)] = std::max(last[u(v.at.buffer)], i);
        }
        std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> live; // offset -> (size, last)
        for (std::size_t ki = 0; ki < prog_.kernels.size(); ++ki) {
            const auto i = static_cast<std::int64_t>(ki);
            const int b = prog_.kernels[ki].out.buffer;
            Buffer& buf = prog_.buffers[u(b)];
            if (buf.kind != Buffer::Kind::work || first[u(b)] != i)
                continue;
            std::erase_if(live, [&](const auto& e) { return e.second.second < i; });
            std::int64_t offset = 0;
            for (const auto& [start, entry] : live) {
                if (start - offset >= buf.size)
                    break;
                offset = std::max(offset, start + entry.first);
            }
            buf.offset = offset;
            live[offset] = {buf.size, last[u(b)]};
            prog_.work_size = std::max(prog_.work_size, offset + buf.size);
        }
    }

    struct Memo {
        NodeId node;
        AffineMap map;
        int value;
    };

    const Graph& g_;
    const Function& fn_;
    std::vector<NodeId> nodes_; // reachable from the results, ascending
    std::vector<int> slot_;     // node id -> index into nodes_
    std::vector<Place> place_;
    std::vector<int> buffer_;   // per slot: the buffer holding the node's value
    std::vector<std::pair<NodeId, int>> copies_; // results copied into output buffers
    std::vector<Memo> memo_;    // per kernel: fused values already built
    Program prog_;
};

} // namespace

Program lower(const Graph& g, const Function& fn) { return Lowering(g, fn).run(); }

} // namespace symdiff::codegen
