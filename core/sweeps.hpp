// The sweeps behind grad, vjp and jvp, for the rules that run them on a loop's body
// (core/fold_rules.cpp). Internal: not installed.
#pragma once

#include "core/expr.hpp"

#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace symdiff {

enum class Sweep : std::uint8_t {
    inputs,  // the variables must be inputs (grad, vjp)
    through, // any nodes; adjoints flow through each to the ones below (node_adjoints)
    stop,    // any nodes; each is a leaf of the sweep: a loop body's carry, elements and
             // the values it reads from outside, whose own adjoints the caller carries on
};

// The adjoint of each of xs in d<y, cotangent>.
std::vector<Expr> reverse_sweep(const Expr& y, std::span<const Expr> xs, const Expr& cotangent, Sweep how);

// The tangent of y when each of xs moves along its tangent (same shapes); xs are leaves
// of the sweep (a tangent given for a node is not recomputed from its operands).
Expr forward_sweep(const Expr& y, std::span<const Expr> xs, std::span<const Expr> tangents);

// What the reverse rule of a fold sends to a node below it.
struct Contribution {
    NodeId node;
    Expr adjoint;
};

// The reverse rule of fold node `loop` with adjoint `adjoint`: contributions to its init,
// to the sequences its elements read and to the values its body reads from outside,
// for the nodes `wanted` accepts (those that depend on the sweep's variables).
std::vector<Contribution> fold_vjp(Graph& g, NodeId loop, const Expr& adjoint,
                                   const std::function<bool(NodeId)>& wanted);

// The forward rule of fold node `loop`: its tangent, given the tangents of the nodes
// below it (none where a node does not move); none when nothing it reads moves.
std::optional<Expr> fold_jvp(Graph& g, NodeId loop,
                             const std::function<std::optional<Expr>(NodeId)>& tangent_of);

// `roots` with each fold whose reverse rule's forward scan they also compute read from
// that scan's rows: the steps run once for the value and its derivative. The simplifier
// does this first (a simplified fold is no longer the one its scan was built from).
std::vector<NodeId> share_loop_steps(Graph& g, std::span<const NodeId> roots);

// `root` with each node `from` replaced by `to`: the nodes between rebuilt (ids are a
// topological order, so one upward pass; the rest of the graph is shared).
struct Replacement {
    NodeId from, to;
};
Expr substitute(const Expr& root, std::span<const Replacement> replace);

} // namespace symdiff
