// A parsed model file (*.sd, docs/language.md): its graph, its exports, and how each
// export result was made. Parsing checks everything the language promises (names, shapes,
// exports) and throws symdiff::Error located at the offending text; a Model that exists
// is valid: every result depends only on its export's parameters, and every parameter
// is used.
#pragma once

#include "core/error.hpp"
#include "core/function.hpp"
#include "core/graph.hpp"
#include "rewrite/simplify.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace symdiff {

// How a result was made when its expression is a derivative call at the top level
// (`dx = grad(f, x)`, or a name bound to one). A numeric mode (the tape) reads this to
// differentiate node `function` by input `variable` itself instead of interpreting the
// symbolic derivative graph. Node ids are those of parsing: simplification may later
// replace the result node, never these.
struct DerivativeSpec {
    enum class Kind : std::uint8_t {
        grad,     // d function / d variable; function is scalar
        jvp,      // forward derivative of function along `tangent` (variable's shape)
        diff,     // order-th derivative of scalar function by scalar variable
        jacobian, // d function / d variable, function's shape followed by variable's
        hessian,  // jacobian of the gradient of scalar function
    };
    Kind kind = Kind::grad;
    NodeId function = no_node;
    NodeId variable = no_node; // an Input node
    NodeId tangent = no_node;  // jvp only
    int order = 1;             // diff's k (0 means the function itself); 1 otherwise
};

// A derivative call written inside an export's result (`grad(E, R)` in `F = -grad(E, R)`,
// or the result itself when it is one): the node it made, how, and its source text
// (whitespace collapsed, comments dropped). Node ids are those of parsing.
struct DerivativeCall {
    NodeId node = no_node;
    DerivativeSpec spec;
    std::string text;
};

struct Model {
    std::unique_ptr<Graph> graph; // Graph does not move; Expr handles point into it
    std::vector<Function> exports;
    // result_specs[e][r]: the DerivativeSpec of exports[e].results[r], if any.
    std::vector<std::vector<std::optional<DerivativeSpec>>> result_specs;
    // derivative_calls[e][r]: every derivative call that exports[e].results[r] contains,
    // through the definitions it uses (itself included when it is one), each once, in the
    // order they were made (inner calls before the calls around them).
    std::vector<std::vector<std::vector<DerivativeCall>>> derivative_calls;
    std::string path, source; // for error messages

    const Function* find_export(std::string_view name) const;
};

// What parsing decides that a model file may leave open.
struct ParseOptions {
    // How the folds that do not say (`checkpoint = ...`) keep the carries their
    // reverse-mode derivatives read (docs/language.md, "Checkpointing"): 0, every carry;
    // n > 0, one carry per segment of n steps; checkpoint_sqrt, per segment of
    // ceil(sqrt(count)) steps.
    std::int32_t checkpoint = 0;
    static constexpr std::int32_t checkpoint_sqrt = -1;
    // Every fold keeps every carry, whatever it says (what compare measures against).
    bool keep_every_carry = false;
};

// The steps per segment that `checkpoint` (as in ParseOptions) gives a loop of `count`
// steps; 0 when every carry is kept.
std::int32_t checkpoint_segment(std::int32_t checkpoint, std::int32_t count);

// Parses and checks a model. Throws Error with the SourceLoc of the problem.
Model parse_model(std::string source, std::string path, const ParseOptions& options = {});
// Reads and parses a file; an unreadable file is an Error without a location.
Model load_model(const std::string& path, const ParseOptions& options = {});
// The bytes of a file; an unreadable file is an Error without a location.
std::string read_source(const std::string& path);

// The original functions of export `f` (specs: its result_specs): its results that are
// not derivatives, and the function (and jvp tangent) each derivative result
// differentiates; what the numeric modes evaluate and finite differences move.
std::vector<NodeId> primal_roots(const Function& f,
                                 std::span<const std::optional<DerivativeSpec>> specs);

// Export `f` with its results replaced by their simplified forms, as `gen` emits them (one
// simplifier call for all results, so they share their simplified subexpressions); the
// simplified nodes are appended to `g`. Strict options keep only the rules that are exact
// in IEEE arithmetic (docs/float-policy.md).
Function simplified(Graph& g, const Function& f, const rewrite::Options& options = {});

// Replaces m.graph by a graph of only what m.exports reach (Graph::compact), with the
// exports' nodes renumbered, and clears m.result_specs and m.derivative_calls (their
// nodes may be gone): for a
// command that needs the exports and nothing else (gen, once they are simplified).
void keep_only_exports(Model& m);

// "path:line:col: error: message\n<the source line>\n<spaces>^\n" for a located
// error, "error: message\n" otherwise. Unprintable bytes of the line show as '?', and a
// very long line is cut to a window around the column.
std::string format_error(const Error& e, std::string_view path, std::string_view source);

} // namespace symdiff
