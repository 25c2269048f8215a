// Graph construction: shape checks, exact folds, and interning.
#include "core/graph.hpp"

#include "core/cpp_names.hpp"
#include "core/error.hpp"
#include "core/ops.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>

namespace symdiff {
namespace {

std::size_t mix(std::size_t h, std::size_t v) {
    return (h ^ v) * 0x100000001b3ull + (h >> 29); // FNV-style step, cheap and adequate
}

// The splitmix64 finaliser: every output bit depends on every input bit, so the low bits
// that pick a slot of the intern table are as good as the high ones.
std::size_t avalanche(std::size_t h) {
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

} // namespace

bool same_payload(const Payload& a, const Payload& b) {
    if (a.index() != b.index())
        return false;
    if (const double* x = boost::variant2::get_if<double>(&a))
        return std::bit_cast<std::uint64_t>(*x) ==
               std::bit_cast<std::uint64_t>(boost::variant2::get<double>(b));
    return a == b;
}

std::size_t hash_payload(const Payload& p) {
    std::size_t h = p.index();
    if (const double* x = boost::variant2::get_if<double>(&p))
        return mix(h, std::bit_cast<std::uint64_t>(*x));
    if (const InputRef* r = boost::variant2::get_if<InputRef>(&p))
        return mix(h, static_cast<std::size_t>(r->index));
    if (const SeedRef* r = boost::variant2::get_if<SeedRef>(&p))
        return mix(h, static_cast<std::size_t>(r->id));
    if (const LoopSpec* l = boost::variant2::get_if<LoopSpec>(&p))
        return mix(mix(mix(h, l->seed_axes_last), static_cast<std::size_t>(l->colours)),
                   static_cast<std::size_t>(l->band));
    if (const FoldSpec* f = boost::variant2::get_if<FoldSpec>(&p))
        return mix(mix(mix(mix(h, static_cast<std::size_t>(f->count)), static_cast<std::size_t>(f->mode)),
                       f->reverse),
                   f->keeps_steps);
    if (const SliceSpec* s = boost::variant2::get_if<SliceSpec>(&p)) {
        for (std::size_t k = 0; k < s->start.size(); ++k)
            h = mix(mix(h, static_cast<std::size_t>(s->start[k])), static_cast<std::size_t>(s->stop[k]));
        return mix(h, s->drop);
    }
    return h;
}

void Node::wrong_payload(std::uint8_t wanted) const {
    static constexpr const char* what[] = {"nothing", "a constant", "an input", "a slice",
                                           "a seed", "a jacobian loop", "a fold"};
    throw Error("a node of op '" + std::string(name(op)) + "' is not " + what[wanted]);
}

Payload Node::payload() const {
    switch (payload_kind) {
    case 1:
        return value();
    case 2:
        return InputRef{input_index()};
    case 3:
        return slice();
    case 4:
        return SeedRef{seed_id()};
    case 5:
        return loop();
    case 6:
        return fold();
    default:
        return {};
    }
}

void Node::set_payload(const Payload& p) {
    namespace v2 = boost::variant2;
    payload_kind = static_cast<std::uint8_t>(p.index());
    payload_bits = {};
    if (const double* x = v2::get_if<double>(&p)) {
        payload_bits = std::bit_cast<std::array<std::uint32_t, 2>>(*x);
    } else if (const InputRef* r = v2::get_if<InputRef>(&p)) {
        payload_bits[0] = static_cast<std::uint32_t>(r->index);
    } else if (const SeedRef* sr = v2::get_if<SeedRef>(&p)) {
        payload_bits[0] = static_cast<std::uint32_t>(sr->id);
    } else if (const SliceSpec* sl = v2::get_if<SliceSpec>(&p)) {
        std::memcpy(payload_bits.data(), &sl, sizeof sl);
    } else if (const LoopSpec* l = v2::get_if<LoopSpec>(&p)) {
        std::memcpy(payload_bits.data(), &l, sizeof l);
    } else if (const FoldSpec* f = v2::get_if<FoldSpec>(&p)) {
        payload_bits = {static_cast<std::uint32_t>(f->count),
                        static_cast<std::uint32_t>(f->mode) | (f->reverse ? 0x100u : 0u) |
                                                   (f->keeps_steps ? 0x200u : 0u)};
    }
}

namespace {

// Slices and loops are compared by their specs; every other payload is its bits (so
// constants compare bitwise).
bool payload_by_pointee(const Node& n) { return n.payload_kind == 3 || n.payload_kind == 5; }

} // namespace

std::size_t hash_node(const Node& n) {
    std::size_t h = mix(static_cast<std::size_t>(n.op), hash_value(n.shape));
    for (NodeId a : n.operands())
        h = mix(h, a);
    h = payload_by_pointee(n)
            ? mix(h, hash_payload(n.payload()))
            : mix(mix(h, n.payload_kind), std::bit_cast<std::uint64_t>(n.payload_bits));
    return avalanche(h);
}

bool same_node(const Node& a, const Node& b) {
    if (a.op != b.op || a.args != b.args || a.shape != b.shape || a.arity != b.arity ||
        a.payload_kind != b.payload_kind)
        return false;
    if (!payload_by_pointee(a))
        return a.payload_bits == b.payload_bits;
    return a.payload_kind == 3 ? a.slice() == b.slice() : a.loop() == b.loop();
}

namespace {
std::atomic<std::uint64_t> graphs_made{0};
} // namespace

Graph::Graph() : serial_(++graphs_made) { table_.assign(1024, Slot{}); }

void Graph::check_node(NodeId id, std::string_view where) const {
    if (id < size_)
        return;
    throw Error(std::string(where) +
                (id == no_node ? ": a number, not a node of the graph"
                               : ": node id " + std::to_string(id) + " is not a node of this graph (it has " +
                                     std::to_string(size_) + " nodes)"));
}

NodeId Graph::add_input(std::string_view name, const Shape& shape) {
    if (auto problem = cpp_name_problem(name)) // it names a parameter of generated code
        throw Error("input name " + *problem);
    if (find_input(name))
        throw Error("input '" + std::string(name) + "' is already declared");
    Node n;
    n.op = Op::Input;
    n.shape = shape;
    n.set_payload(InputRef{static_cast<std::int32_t>(inputs_.size())});
    const NodeId id = intern(n);
    inputs_.push_back({std::string(name), shape, id});
    return id;
}

NodeId Graph::seed(const Shape& shape) { return placeholder(Op::Seed, shape, seeds_++); }

NodeId Graph::carry(const Shape& shape) { return placeholder(Op::Carry, shape, seeds_++); }

NodeId Graph::carry(const Shape& shape, std::uint64_t key) {
    const auto [it, fresh] = named_carries_.try_emplace(avalanche(mix(key, hash_value(shape))), seeds_);
    if (fresh)
        ++seeds_;
    return placeholder(Op::Carry, shape, it->second);
}

NodeId Graph::placeholder(Op op, const Shape& shape, std::int32_t id) {
    Node n;
    n.op = op;
    n.shape = shape;
    n.set_payload(SeedRef{id});
    return intern(n);
}

NodeId Graph::constant(double value, const Shape& shape) {
    Node n;
    n.op = Op::Const;
    n.shape = shape;
    n.set_payload(value);
    return intern(n);
}

NodeId Graph::make(Op op, std::span<const NodeId> args, const Payload& payload,
                   const Shape& target) {
    const OpInfo& oi = info(op);
    if (oi.kind == OpKind::leaf)
        throw Error("internal error: leaves are made by input() and constant()");
    if (static_cast<int>(args.size()) != oi.arity || args.size() > 3)
        throw Error("internal error: " + std::string(oi.name) + " takes " +
                    std::to_string(oi.arity) + " operands, got " + std::to_string(args.size()));
    Node n;
    n.op = op;
    n.arity = static_cast<std::uint8_t>(args.size());
    for (std::size_t k = 0; k < args.size(); ++k) {
        if (args[k] >= size())
            throw Error("internal error: operand id out of range");
        n.args[k] = args[k];
    }
    if (oi.kind == OpKind::loop && (*this)[args[1]].op != Op::Seed)
        throw Error("internal error: a loop's second operand must be a seed");
    if (oi.kind == OpKind::fold && (*this)[args[1]].op != Op::Carry)
        throw Error("internal error: a fold's second operand must be a carry, got " + std::string(name((*this)[args[1]].op)));
    const std::array<Shape, 3> shapes = operand_shapes(n);
    n.set_payload(payload); // points into `payload` until interned
    if (oi.kind == OpKind::elementwise) {
        for (std::size_t k = 1; k < args.size(); ++k)
            if (shapes[k] != shapes[0])
                throw Error("internal error: operands of " + std::string(oi.name) +
                            " have shapes " + shapes[0].str() + " and " + shapes[k].str());
        n.shape = shapes[0];
        if (oi.commutative && n.args[1] < n.args[0])
            std::swap(n.args[0], n.args[1]);
    } else {
        n.shape = structural_shape(op, std::span<const Shape>(shapes.data(), args.size()),
                                   payload, target);
    }
    if (const auto folded = fold(n))
        return *folded;
    return intern(n);
}

// Exact O(1) folds. Constants are splats, so an element-wise op of constants is one
// scalar evaluation, and a view of a constant that selects no zeros is that constant.
std::optional<NodeId> Graph::fold(const Node& n) {
    const OpInfo& oi = info(n.op);
    const Node& x = (*this)[n.args[0]];
    bool all_const = true;
    for (NodeId a : n.operands())
        all_const = all_const && (*this)[a].is_const();

    if (oi.kind == OpKind::elementwise) {
        if (!all_const)
            return std::nullopt;
        std::array<double, 3> v{};
        for (std::size_t k = 0; k < n.arity; ++k)
            v[k] = (*this)[n.args[k]].value();
        return constant(eval_elementwise(n.op, std::span<const double>(v.data(), n.arity)), n.shape);
    }
    const Payload payload = n.payload();
    const FoldFacts facts = fold_facts(n.op, n.shape, payload, x.shape);
    if (facts.identity)
        return n.args[0];
    if (facts.chains && x.op == n.op)
        return make(n.op, {x.args[0]}, payload, n.shape);
    if (x.is_const() && facts.const_fold == ConstFold::splat)
        return constant(x.value(), n.shape);
    if (is_const(n.args[0], 0.0) && facts.const_fold == ConstFold::zero)
        return constant(0.0, n.shape);
    return std::nullopt;
}

NodeId Graph::intern(const Node& node) {
    const std::size_t h = hash_node(node);
    const auto tag = static_cast<std::uint32_t>(h >> 32); // the slot comes from the low bits
    const std::size_t mask = table_.size() - 1;
    std::size_t slot = h & mask;
    while (table_[slot].id != no_node) {
        // A node is read only when its tag matches: most probes stay in the table.
        if (table_[slot].tag == tag && same_node((*this)[table_[slot].id], node))
            return table_[slot].id;
        slot = (slot + 1) & mask;
    }
    if (size_ >= std::numeric_limits<NodeId>::max() - 1)
        throw Error("graph has too many nodes");
    const NodeId id = size_;
    if (chunks_.empty() || chunks_.back().size() == chunks_.back().capacity()) {
        chunks_.emplace_back(); // a new chunk; earlier ones never move
        chunks_.back().reserve(chunk_capacity(id));
    }
    Node& n = chunks_.back().emplace_back(node);
    ++size_;
    if (n.payload_kind == 3) // the graph's own copy of the spec (node pointed at make's)
        n.point_at(slices_.emplace_back(node.slice()));
    else if (n.payload_kind == 5)
        n.point_at(loops_.emplace_back(node.loop()));
    table_[slot] = {id, tag};
    if (4 * std::size_t{size_} > 3 * table_.size())
        grow_table();
    return id;
}

void Graph::grow_table() {
    // The table is rebuilt from the nodes, so the old one goes first: growing never
    // holds both.
    const std::size_t slots = table_.size() * 2;
    table_ = std::vector<Slot>();
    table_.assign(slots, Slot{});
    const std::size_t mask = slots - 1;
    for (NodeId id = 0; id < size(); ++id) {
        const std::size_t h = hash_node((*this)[id]);
        std::size_t slot = h & mask;
        while (table_[slot].id != no_node)
            slot = (slot + 1) & mask;
        table_[slot] = {id, static_cast<std::uint32_t>(h >> 32)};
    }
}

std::unique_ptr<Graph> Graph::compact(const Graph& g, std::span<const NodeId> roots,
                                      std::vector<NodeId>& map) {
    auto h = std::make_unique<Graph>();
    map.assign(g.size(), no_node);
    for (const InputInfo& in : g.inputs_) // every input, so input indices stay
        map[in.node] = h->add_input(in.name, in.shape);
    h->seeds_ = g.seeds_;
    std::vector<std::uint8_t> reached(g.size(), 0); // ids downward: operands come before
    for (NodeId r : roots)
        reached[r] = 1;
    for (NodeId id = g.size(); id-- > 0;)
        if (reached[id])
            for (NodeId a : g[id].operands())
                reached[a] = 1;
    for (NodeId id = 0; id < g.size(); ++id) {
        if (!reached[id] || map[id] != no_node)
            continue;
        Node n = g[id];
        for (std::size_t k = 0; k < n.arity; ++k)
            n.args[k] = map[n.args[k]];
        map[id] = h->intern(n); // as made before: no folds, and distinct nodes stay distinct
    }
    return h;
}

std::optional<int> Graph::find_input(std::string_view name) const {
    for (std::size_t k = 0; k < inputs_.size(); ++k)
        if (inputs_[k].name == name)
            return static_cast<int>(k);
    return std::nullopt;
}

std::array<Shape, 3> Graph::operand_shapes(const Node& n) const {
    std::array<Shape, 3> shapes;
    for (std::size_t k = 0; k < n.arity && k < shapes.size(); ++k)
        shapes[k] = (*this)[n.args[k]].shape;
    return shapes;
}

IndexPlan index_plan(const Graph& g, const Node& n) {
    const auto shapes = g.operand_shapes(n);
    return index_plan(n.op, n.shape, n.payload(), std::span<const Shape>(shapes.data(), n.arity));
}

bool Graph::is_const(NodeId id, double value) const {
    const Node& n = (*this)[id];
    return n.is_const() && n.value() == value;
}

NodeId Graph::chunk_capacity(NodeId first_id) {
    if (first_id >= full_chunk)
        return full_chunk;
    return first_id == 0 ? NodeId{1} << first_chunk_bits : first_id; // doubles the arena
}

std::size_t Graph::memory_bytes() const {
    std::size_t arena = 0;
    for (const std::vector<Node>& c : chunks_)
        arena += c.capacity() * sizeof(Node);
    return arena + table_.capacity() * sizeof(Slot) + slices_.size() * sizeof(SliceSpec) +
           loops_.size() * sizeof(LoopSpec);
}

} // namespace symdiff
