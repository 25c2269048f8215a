// Symbol-to-number mode of an export: grouping the results into tape jobs (one reverse
// sweep per differentiated function, one forward tape per plain value, row or column
// loops for Jacobians and Hessians), recording them once, and running them.
#include "tools/tape_export.hpp"

#include "core/differentiate.hpp"
#include "core/error.hpp"

#include <algorithm>

namespace symdiff {

using Kind = DerivativeSpec::Kind;

std::string kind_name(const std::optional<DerivativeSpec>& spec) {
    if (!spec)
        return "value";
    switch (spec->kind) {
    case Kind::grad:
        return "grad";
    case Kind::jvp:
        return "jvp";
    case Kind::diff:
        return "diff k=" + std::to_string(spec->order);
    case Kind::jacobian:
        return "jacobian";
    case Kind::hessian:
        return "hessian";
    }
    return "derivative";
}

struct TapeExport::Job {
    enum class Mode : std::uint8_t {
        value,   // forward only
        reverse, // forward, then one backward() (scalar output) for every variable
        jvp,     // forward mode along the tangent's value
        rows,    // a Jacobian row by row: forward(), backward(e_i)
        columns, // a Jacobian column by column: jvp(e_j)
    };
    Mode mode = Mode::value;
    NodeId output = no_node;
    std::vector<NodeId> variables;
    NodeId tangent = no_node;
    // (result, variable index); variable -1: the output's value itself.
    std::vector<std::pair<std::size_t, int>> outs;
    std::unique_ptr<Tape> tape, tangent_tape;
    Shape output_shape, variable_shape;

    void record(const Graph& g) {
        tape = std::make_unique<Tape>(g, output, variables);
        if (tangent != no_node)
            tangent_tape = std::make_unique<Tape>(g, tangent, std::span<const NodeId>{});
        output_shape = g[output].shape;
        if (!variables.empty())
            variable_shape = g[variables[0]].shape;
    }

    void run(const Bindings& b, std::vector<std::optional<Tensor>>& results) {
        if (mode == Mode::value || mode == Mode::reverse) {
            const Tensor& y = tape->forward(b);
            for (const auto& [r, v] : outs)
                if (v < 0)
                    results[r] = y;
            if (mode == Mode::reverse) {
                const std::span<const Tensor> d = tape->backward();
                for (const auto& [r, v] : outs)
                    if (v >= 0)
                        results[r] = d[static_cast<std::size_t>(v)];
            }
            return;
        }
        if (mode == Mode::jvp) {
            const Tensor t = tangent_tape->forward(b);
            const Tensor& d = tape->jvp(b, t);
            for (const auto& [r, v] : outs)
                results[r] = d;
            return;
        }
        const auto rows = static_cast<std::size_t>(output_shape.size());
        const auto cols = static_cast<std::size_t>(variable_shape.size());
        Tensor j(output_shape.concat(variable_shape));
        if (mode == Mode::rows) {
            for (std::size_t i = 0; i < rows; ++i) {
                tape->forward(b); // each backward() consumes what its forward() kept
                Tensor e(output_shape);
                e[i] = 1.0;
                const Tensor& row = tape->backward(e)[0];
                std::copy(row.data().begin(), row.data().end(),
                          j.data().begin() + static_cast<std::ptrdiff_t>(i * cols));
            }
        } else {
            for (std::size_t k = 0; k < cols; ++k) {
                Tensor e(variable_shape);
                e[k] = 1.0;
                const Tensor& col = tape->jvp(b, e);
                for (std::size_t i = 0; i < rows; ++i)
                    j[i * cols + k] = col[i];
            }
        }
        for (const auto& [r, v] : outs)
            results[r] = j;
    }

    std::size_t bytes() const {
        return (tape ? tape->memory().total() : 0) +
               (tangent_tape ? tangent_tape->memory().total() : 0);
    }
};

TapeExport::TapeExport(Graph& g, const Function& raw,
                       std::span<const std::optional<DerivativeSpec>> specs)
    : refusals_(raw.results.size()), results_(raw.results.size()) {
    using Mode = Job::Mode;
    auto job_for = [&](Mode mode, NodeId output) -> Job& {
        for (auto& j : jobs_)
            if (j->mode == mode && j->output == output && mode != Mode::jvp)
                return *j;
        jobs_.push_back(std::make_unique<Job>());
        jobs_.back()->mode = mode;
        jobs_.back()->output = output;
        return *jobs_.back();
    };
    auto reverse = [&](NodeId output, NodeId variable, std::size_t r) {
        Job& j = job_for(Mode::reverse, output);
        auto it = std::find(j.variables.begin(), j.variables.end(), variable);
        if (it == j.variables.end())
            it = j.variables.insert(j.variables.end(), variable);
        j.outs.emplace_back(r, static_cast<int>(it - j.variables.begin()));
    };
    std::vector<std::pair<std::size_t, NodeId>> values; // plain results, placed last
    for (std::size_t r = 0; r < raw.results.size(); ++r) {
        const std::optional<DerivativeSpec>& s = r < specs.size() ? specs[r] : std::nullopt;
        if (!s) {
            values.emplace_back(r, raw.results[r].node);
            continue;
        }
        const Expr f(g, s->function), x(g, s->variable);
        if (s->kind == Kind::grad) {
            reverse(s->function, s->variable, r);
        } else if (s->kind == Kind::diff) {
            if (s->order == 0)
                values.emplace_back(r, s->function);
            else
                reverse(diff(f, x, s->order - 1).id(), s->variable, r);
        } else if (s->kind == Kind::jvp) {
            Job& j = job_for(Mode::jvp, s->function);
            j.variables = {s->variable};
            j.tangent = s->tangent;
            j.outs.emplace_back(r, 0);
        } else {
            const NodeId y = s->kind == Kind::hessian ? grad(f, x).id() : s->function;
            const bool by_rows = g[y].shape.size() <= g[s->variable].shape.size();
            Job& j = job_for(by_rows ? Mode::rows : Mode::columns, y);
            if (j.variables.empty())
                j.variables = {s->variable};
            if (j.variables[0] == s->variable) {
                j.outs.emplace_back(r, 0);
            } else { // the same function by another variable: a job of its own
                jobs_.push_back(std::make_unique<Job>());
                Job& k = *jobs_.back();
                k.mode = j.mode;
                k.output = y;
                k.variables = {s->variable};
                k.outs.emplace_back(r, 0);
            }
        }
    }
    for (const auto& [r, node] : values) {
        Job* host = nullptr;
        for (auto& j : jobs_)
            if (j->mode == Mode::reverse && j->output == node)
                host = j.get();
        (host ? *host : job_for(Mode::value, node)).outs.emplace_back(r, -1);
    }
    for (auto& j : jobs_) {
        try {
            j->record(g);
        } catch (const Error& e) {
            j->tape.reset();
            for (const auto& [r, v] : j->outs)
                refusals_[r] = std::string("the tape refuses: ") + e.what();
        }
    }
}

TapeExport::~TapeExport() = default;
TapeExport::TapeExport(TapeExport&&) noexcept = default;
TapeExport& TapeExport::operator=(TapeExport&&) noexcept = default;

std::vector<std::optional<Tensor>> TapeExport::run(const Bindings& inputs) {
    std::vector<std::optional<Tensor>> results(results_);
    for (auto& j : jobs_) {
        if (!j->tape)
            continue;
        try {
            j->run(inputs, results);
        } catch (const Error& e) {
            for (const auto& [r, v] : j->outs) {
                results[r].reset();
                refusals_[r] = std::string("the tape fails: ") + e.what();
            }
        }
    }
    return results;
}

const std::optional<std::string>& TapeExport::refusal(std::size_t result) const {
    return refusals_.at(result);
}

std::size_t TapeExport::tape_count() const {
    std::size_t n = 0;
    for (const auto& j : jobs_)
        n += (j->tape ? 1 : 0) + (j->tangent_tape ? 1 : 0);
    return n;
}

std::size_t TapeExport::bytes() const {
    std::size_t n = 0;
    for (const auto& j : jobs_)
        n += j->bytes();
    return n;
}

} // namespace symdiff
