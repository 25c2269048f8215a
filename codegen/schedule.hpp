// Scheduling, the first pass of lowering: which nodes a Function computes, in which
// scope, in which order.
//
// A Jacobian loop (ops::SeedLoop) runs its body once per direction of its seed, a fold
// (ops::Fold) once per step; the body is what depends on that seed, or on that fold's
// carry and elements. A *scope* is the function's top level or the body of one
// loop run in an enclosing scope, and an *instance* is a node computed in a scope. One
// node may have several instances: the body of a Hessian returned beside its directional
// derivative is needed by two loops, a loop nested in two different loops runs in both.
// Every later pass works on instances, so a value computed in one loop is never read by
// another, and each instance has a buffer of its own.
//
// Invariants (verify() checks them):
//  1. an instance is computed in the outermost scope, among its reader's and those
//     around it, that binds every seed the node depends on: work that does not depend on
//     a loop's direction is done once, outside the loop;
//  2. a scope's items are in execution order, and an instance reads only instances
//     computed before it in its own scope or in a scope around it, before the loop that
//     contains it;
//  3. a loop instance (a SeedLoop or a Fold) is an item of the scope that computes it and
//     owns the scope of its body, which ends with the store of the body into the loop's
//     result (a fold's: into its carry); loops fused into it (fuse_loops) are not items:
//     they are its body's other stores. A fold's init is read before its loop, in the
//     loop's own scope; its carry and elements are instances of its body's scope.
#pragma once

#include "core/function.hpp"
#include "core/graph.hpp"
#include "core/traverse.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace symdiff::codegen {

struct Instance {
    NodeId node = no_node;
    int scope = 0;                    // where it is computed
    std::array<int, 3> args{-1, -1, -1}; // the instances of its operands (-1: a seed the loop binds)
    int body = -1;                    // a loop: the scope of its body, else -1
};

struct Scope {
    int parent = -1;        // -1: the top level
    std::vector<int> stores; // the loop instances whose body this is, each storing its
                             // value at the end of every iteration (several once fused)
    int depth = -1;         // loops around this scope, less one: -1 at the top level, 0
                            // for the body of a loop there, ... (the counter is k{depth}_)
    LoopSet bound;          // the seeds bound here and around (free_seeds bits)
    std::vector<int> items; // instances computed here, in execution order
};

struct Schedule {
    std::vector<Instance> instances;
    std::vector<Scope> scopes; // scopes[0] is the top level
    std::vector<int> results;  // per result of the function: its instance (top level)
    std::vector<LoopSet> seeds; // per node id: free_seeds
};

// How many directions the loop whose body is `scope` runs (its seed's elements, or its
// colours when compressed; a fold's steps); the loop's instance is
// scopes[scope].stores.front().
std::int64_t directions(const Graph& g, const Schedule& s, int scope);

// The schedule of fn's results: each node computed where invariant 1 puts it.
Schedule schedule(const Graph& g, const Function& fn);

// Sibling loops over the same seed with the same layout become one loop when neither
// needs the other's result, and what both bodies compute is then computed once per
// direction (a Hessian and its directional derivative share the Hessian's body). So do
// folds of one body, carry, init and count that return different things (a loss and the
// carries its gradient keeps): one loop, one carry.
void fuse_loops(const Graph& g, Schedule& s);

// Throws Error (an internal error) when an invariant does not hold.
void verify(const Graph& g, const Schedule& s);

// One line per item, indented by scope: "%12 = mul(%3, %9)", "loop %20 over 6 directions {".
std::string to_text(const Graph& g, const Schedule& s);

} // namespace symdiff::codegen
