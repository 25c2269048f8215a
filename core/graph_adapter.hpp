// A read-only Boost.Graph view of a symdiff::Graph (or of what some roots reach), for
// Graphviz output, colouring for sparse Jacobians/Hessians and independent checks in tests.
// It copies the structure into a boost::adjacency_list; the Graph stays the node storage.
#pragma once

#include "core/graph.hpp"
#include "core/number_text.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"

#include <boost/graph/adjacency_list.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace symdiff {

// Invariants: one vertex per node, numbered in increasing NodeId order (so vertex index
// order is itself a topological order); one edge operand -> consumer per operand slot
// (x * x gives two parallel edges), carrying the slot; in_degree(v) = arity of its node.

struct BglVertex {
    NodeId node = no_node; // the symdiff node this vertex stands for
};

struct BglEdge {
    int operand = 0; // which operand of the consumer (target) the source is
};

// Bidirectional, so algorithms can walk from a node to its operands (in-edges) and to
// its consumers (out-edges). Bundled properties: bgl[v].node, bgl[e].operand.
using BglGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, BglVertex, BglEdge>;

class GraphAdapter {
  public:
    using Vertex = boost::graph_traits<BglGraph>::vertex_descriptor;
    using Edge = boost::graph_traits<BglGraph>::edge_descriptor;

    // Every node of g.
    explicit GraphAdapter(const Graph& g) : g_(&g) {
        std::vector<NodeId> all(g.size());
        for (NodeId id = 0; id < g.size(); ++id)
            all[id] = id;
        build(all);
    }

    // The nodes `roots` depend on, roots included.
    GraphAdapter(const Graph& g, std::span<const NodeId> roots) : g_(&g) {
        build(reachable(g, roots));
    }

    const BglGraph& bgl() const { return bgl_; }
    const Graph& graph() const { return *g_; }

    NodeId node(Vertex v) const { return bgl_[v].node; }
    const Node& node_record(Vertex v) const { return (*g_)[node(v)]; }
    int operand(Edge e) const { return bgl_[e].operand; }

    // The vertex of a node, if the view holds it.
    std::optional<Vertex> vertex(NodeId id) const {
        if (id >= vertex_of_.size() || vertex_of_[id] == absent())
            return std::nullopt;
        return vertex_of_[id];
    }
    bool contains(NodeId id) const { return vertex(id).has_value(); }

    // A short label for drawings: "x [3]" for input x, the value for a scalar constant
    // ("2.5"; "2.5 [2,3]" for a splat), otherwise the op name and the shape ("mul [2,3]").
    std::string label(Vertex v) const {
        const Node& n = node_record(v);
        std::string shape; // (appended, not " " + str: g++ 12 warns falsely about that)
        if (!n.shape.is_scalar()) {
            shape += ' ';
            shape += n.shape.str();
        }
        if (n.op == Op::Input)
            return g_->inputs()[static_cast<std::size_t>(n.input_index())].name + shape;
        if (n.op == Op::Const) {
            return shortest_text(n.value()) + shape;
        }
        return std::string(name(n.op)) + shape;
    }

  private:
    static Vertex absent() { return boost::graph_traits<BglGraph>::null_vertex(); }

    void build(const std::vector<NodeId>& nodes) { // nodes in increasing id order
        bgl_ = BglGraph(nodes.size());
        vertex_of_.assign(nodes.empty() ? 0 : nodes.back() + 1, absent());
        for (std::size_t k = 0; k < nodes.size(); ++k) {
            bgl_[k].node = nodes[k];
            vertex_of_[nodes[k]] = k;
        }
        for (std::size_t k = 0; k < nodes.size(); ++k) {
            const auto args = (*g_)[nodes[k]].operands();
            for (std::size_t slot = 0; slot < args.size(); ++slot)
                boost::add_edge(vertex_of_[args[slot]], k, BglEdge{static_cast<int>(slot)}, bgl_);
        }
    }

    const Graph* g_;
    BglGraph bgl_;
    std::vector<Vertex> vertex_of_; // by NodeId; absent() when the view does not hold it
};

} // namespace symdiff
