// SymdiffModel: parse and simplify like `symdiff gen` (tools/cli.cpp), then the
// interpreter and tape modes of a benchmark case.
#include "bench/common/symdiff_modes.hpp"

#include "core/differentiate.hpp"
#include "core/expr.hpp"

#include <algorithm>
#include <optional>

namespace bench {

using symdiff::NodeId;

namespace {

std::vector<NodeId> simplify_results(symdiff::Graph& g, const symdiff::Function& f,
                                     symdiff::rewrite::Stats* stats) {
    std::vector<NodeId> roots;
    for (const auto& r : f.results)
        roots.push_back(r.node);
    return symdiff::rewrite::simplify(g, roots, {}, stats);
}

void append(std::vector<double>& out, const symdiff::Tensor& t) {
    out.insert(out.end(), t.data().begin(), t.data().end());
}

} // namespace

// What the tape mode keeps: the tape, and how each result of the derivative export is
// read from it.
struct SymdiffModel::TapeState {
    enum class Layout { grad, rows }; // grad: f and gradients; rows: one sweep per output
    std::optional<symdiff::Tape> tape;
    Layout layout = Layout::grad;
    // grad layout: per export result, -1 for the objective value, else a variable index
    std::vector<int> source;
    std::vector<symdiff::Tensor> cotangents; // rows layout: one unit cotangent per row
    std::vector<double> out;                 // rows layout: the rows, in order
    double value = 0.0;                      // grad layout: f and the gradients
    std::span<const symdiff::Tensor> grads;
};

SymdiffModel::SymdiffModel(const std::string& path, const std::string& objective,
                           const std::string& derivative)
    : model_(symdiff::load_model(path)) {
    objective_ = model_.find_export(objective);
    derivative_ = model_.find_export(derivative);
    if (!objective_ || !derivative_)
        fail(path + ": missing export " + objective + " or " + derivative);
    derivative_index_ = static_cast<std::size_t>(derivative_ - model_.exports.data());
    simplify_results(*model_.graph, *objective_, &stats_[0]);
    simplified_ = simplify_results(*model_.graph, *derivative_, &stats_[1]);
    bindings_ = std::make_unique<symdiff::Bindings>(*model_.graph);
}

SymdiffModel::~SymdiffModel() = default;

void SymdiffModel::set(const std::string& input, std::span<const double> values) {
    const auto k = model_.graph->find_input(input);
    if (!k)
        fail("model has no input " + input);
    const symdiff::Shape& shape = model_.graph->inputs()[static_cast<std::size_t>(*k)].shape;
    bindings_->set(*k, symdiff::Tensor(shape, std::vector<double>(values.begin(), values.end())));
}

Mode SymdiffModel::interpreter_mode() {
    auto out = std::make_shared<std::vector<symdiff::Tensor>>();
    const symdiff::Graph* g = model_.graph.get();
    const symdiff::Bindings* b = bindings_.get();
    std::vector<NodeId> roots = simplified_;
    Mode m{"interpreter", Kind::derivative,
           [=] { *out = symdiff::evaluate(*g, roots, *b); },
           [=] {
               std::vector<double> r;
               for (const auto& t : *out)
                   append(r, t);
               return r;
           }};
    return m;
}

Mode SymdiffModel::tape_mode() {
    using Kind_ = symdiff::DerivativeSpec::Kind;
    auto st = std::make_shared<TapeState>();
    symdiff::Graph& g = *model_.graph;
    const auto& specs = model_.result_specs[derivative_index_];
    const auto& results = derivative_->results;

    // The objective all derivative results differentiate, and the variables.
    std::optional<symdiff::DerivativeSpec> first;
    for (const auto& s : specs)
        if (s) {
            first = *s;
            break;
        }
    if (!first)
        fail(derivative_->name + ": no derivative result to tape");
    if (first->kind == Kind_::grad) {
        std::vector<NodeId> vars;
        for (std::size_t r = 0; r < results.size(); ++r) {
            const auto& s = specs[r];
            if (!s) {
                if (results[r].node != first->function)
                    fail(derivative_->name + ": result " + results[r].name +
                         " is neither the objective nor a gradient");
                st->source.push_back(-1);
                continue;
            }
            if (s->kind != Kind_::grad || s->function != first->function)
                fail(derivative_->name + ": mixed derivative kinds are not taped");
            st->source.push_back(static_cast<int>(vars.size()));
            vars.push_back(s->variable);
        }
        const NodeId root = symdiff::rewrite::simplify(g, std::vector<NodeId>{first->function})[0];
        st->layout = TapeState::Layout::grad;
        st->tape.emplace(g, root, vars);
    } else if (first->kind == Kind_::hessian || first->kind == Kind_::jacobian) {
        if (results.size() != 1)
            fail(derivative_->name + ": one hessian or jacobian result expected");
        NodeId y = first->function;
        if (first->kind == Kind_::hessian) // tape the gradient graph; reverse sweeps give rows
            y = symdiff::grad(symdiff::Expr(g, first->function),
                              symdiff::Expr(g, first->variable))
                    .id();
        const NodeId root = symdiff::rewrite::simplify(g, std::vector<NodeId>{y})[0];
        const symdiff::Shape shape = g[root].shape;
        for (std::int64_t i = 0; i < shape.size(); ++i) {
            symdiff::Tensor e(shape);
            e[static_cast<std::size_t>(i)] = 1.0;
            st->cotangents.push_back(std::move(e));
        }
        st->layout = TapeState::Layout::rows;
        st->out.assign(static_cast<std::size_t>(shape.size() * g[first->variable].shape.size()), 0.0);
        st->tape.emplace(g, root, std::vector<NodeId>{first->variable});
    } else {
        fail(derivative_->name + ": this derivative kind is not taped");
    }

    const symdiff::Bindings* b = bindings_.get();
    // The timed call: forward and the reverse sweeps. A gradient stays in the tape's
    // buffers (read by results()); rows are copied out, as the next sweep reuses them.
    // A backward() consumes its forward(), so each row costs a forward and a backward.
    auto run = [st, b] {
        if (st->layout == TapeState::Layout::grad) {
            st->value = st->tape->forward(*b).item();
            st->grads = st->tape->backward();
        } else {
            std::size_t at = 0;
            for (const symdiff::Tensor& e : st->cotangents) {
                st->tape->forward(*b); // a backward() consumes the values of its forward()
                const auto row = st->tape->backward(e)[0].data();
                std::copy(row.begin(), row.end(), st->out.begin() + static_cast<std::ptrdiff_t>(at));
                at += row.size();
            }
        }
    };
    auto collect = [st] {
        if (st->layout == TapeState::Layout::rows)
            return st->out;
        std::vector<double> r;
        for (int s : st->source) {
            if (s < 0)
                r.push_back(st->value);
            else
                append(r, st->grads[static_cast<std::size_t>(s)]);
        }
        return r;
    };
    return Mode{"tape", Kind::derivative, run, collect};
}

} // namespace bench
