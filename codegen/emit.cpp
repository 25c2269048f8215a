// The C++ emitter: prints lowered programs as one self-contained header. It makes no
// optimisation decisions (those are lower's and rewrite's); it only spells them.
// Output is deterministic: it depends on the graph and the functions, nothing else.
//
// Naming: user names (namespace, functions, parameters, results) appear as written;
// every identifier the emitter invents ends in '_' (the model language reserves such
// names), so the two can never collide.
#include "codegen/emit.hpp"

#include "core/traverse.hpp"

#include "codegen/kernel_builder.hpp"
#include "codegen/kernel_printer.hpp"
#include "codegen/lower.hpp"
#include "core/cpp_names.hpp"
#include "core/error.hpp"
#include "core/ops.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <sstream>

namespace symdiff::codegen {
namespace {

std::size_t u(std::int64_t k) { return static_cast<std::size_t>(k); }

std::string shape_list(const Shape& s) {
    std::string r;
    for (int k = 0; k < s.rank(); ++k)
        r += (k ? ", " : "") + std::to_string(s[k]);
    return r;
}

std::string signature_part(const std::string& name, const Shape& s) {
    return s.is_scalar() ? name : name + "[" + shape_list(s) + "]";
}

// Prints one function: its metadata, the `work` overload, and the allocating overload.
class FunctionPrinter {
  public:
    FunctionPrinter(const Graph& g, const Function& fn, const Program& prog, const std::string& ns,
                    Writer& w)
        : g_(g), fn_(fn), w_(w), prog_(prog), qualified_(cat("::", ns, "::", fn.name)) {}

    void print() {
        name_buffers();
        print_metadata();
        print_work_overload();
        print_allocating_overload();
    }

  private:
    const Shape& param_shape(std::size_t i) const { return g_[fn_.params[i]].shape; }
    const Shape& result_shape(std::size_t j) const { return g_[fn_.results[j].node].shape; }
    std::string param_name(std::size_t i) const {
        return g_.inputs()[u(g_[fn_.params[i]].input_index())].name;
    }

    void name_buffers() {
        int temps = 0;
        for (const Buffer& b : prog_.buffers) {
            switch (b.kind) {
            case Buffer::Kind::input:
                names_.push_back(param_name(u(b.index)));
                break;
            case Buffer::Kind::output:
                names_.push_back(fn_.results[u(b.index)].name);
                break;
            case Buffer::Kind::work:
            case Buffer::Kind::local:
                names_.push_back(cat("t", temps++, "_"));
                break;
            }
        }
    }

    std::string params_signature(bool with_work) const {
        std::string s;
        for (std::size_t i = 0; i < fn_.params.size(); ++i) {
            s += (i ? ", " : "");
            if (!prog_.param_used[i])
                s += "[[maybe_unused]] ";
            s += "const double* SYMDIFF_RESTRICT " + param_name(i);
        }
        for (const auto& r : fn_.results)
            s += (s.empty() ? "" : ", ") + std::string("double* SYMDIFF_RESTRICT ") + r.name;
        if (with_work)
            s += (s.empty() ? "" : ", ") + std::string(prog_.work_size ? "" : "[[maybe_unused]] ") +
                 "double* SYMDIFF_RESTRICT work_";
        return s;
    }

    // "x, y, f, df, <work>": the arguments forwarded to the `work` overload.
    std::string call_with(const std::string& work) const {
        std::string s;
        for (std::size_t i = 0; i < fn_.params.size(); ++i)
            s += param_name(i) + ", ";
        for (const auto& r : fn_.results)
            s += r.name + ", ";
        return s + work;
    }

    void print_metadata() {
        const std::string& fname = fn_.name;
        std::string sig = fname + "(";
        for (std::size_t i = 0; i < fn_.params.size(); ++i)
            sig += (i ? ", " : "") + signature_part(param_name(i), param_shape(i));
        sig += ") -> ";
        for (std::size_t j = 0; j < fn_.results.size(); ++j)
            sig += (j ? ", " : "") + signature_part(fn_.results[j].name, result_shape(j));
        w_.line("// " + sig);
        w_.open("struct " + fname + "_info");
        w_.line("static constexpr const char* name = \"" + fname + "\";");
        auto names_array = [&](const std::string& member, const std::vector<std::string>& names) {
            std::string list;
            for (std::size_t k = 0; k < names.size(); ++k)
                list += (k ? ", " : "") + ("\"" + names[k] + "\"");
            w_.line("static constexpr std::array<const char*, " + std::to_string(names.size()) + "> " +
                    member + "{{" + list + "}};");
        };
        auto sizes_array = [&](const std::string& member, const std::vector<Shape>& shapes) {
            std::string list;
            for (std::size_t k = 0; k < shapes.size(); ++k)
                list += (k ? ", " : "") + std::to_string(shapes[k].size());
            w_.line("static constexpr std::array<std::size_t, " + std::to_string(shapes.size()) + "> " +
                    member + "{{" + list + "}};");
        };
        std::vector<std::string> in_names, out_names;
        std::vector<Shape> in_shapes, out_shapes;
        for (std::size_t i = 0; i < fn_.params.size(); ++i) {
            in_names.push_back(param_name(i));
            in_shapes.push_back(param_shape(i));
        }
        for (std::size_t j = 0; j < fn_.results.size(); ++j) {
            out_names.push_back(fn_.results[j].name);
            out_shapes.push_back(result_shape(j));
        }
        names_array("inputs", in_names);
        names_array("outputs", out_names);
        sizes_array("input_sizes", in_shapes);
        sizes_array("output_sizes", out_shapes);
        // At least 1, so that `double work[FN_work_size];` is always a valid array.
        w_.line(cat("static constexpr std::size_t work_size = ", std::max<std::int64_t>(1, prog_.work_size),
                    ";"));
        w_.line("// shape of each parameter and result (row-major; empty for a scalar)");
        auto shape_member = [&](const std::string& n, const Shape& s) {
            w_.line("static constexpr std::array<std::size_t, " + std::to_string(s.rank()) + "> " + n +
                    "_shape{{" + shape_list(s) + "}};");
        };
        for (std::size_t i = 0; i < in_names.size(); ++i)
            shape_member(in_names[i], in_shapes[i]);
        for (std::size_t j = 0; j < out_names.size(); ++j)
            shape_member(out_names[j], out_shapes[j]);
        w_.close(";");
        w_.line("constexpr std::size_t " + fname + "_work_size = " + fname + "_info::work_size;");
        w_.blank();
    }

    void print_work_overload() {
        w_.line("// Allocation-free: `work_` must hold " + fn_.name + "_work_size doubles.");
        w_.open("inline void " + fn_.name + "(" + params_signature(true) + ")");
        for (std::size_t b = 0; b < prog_.buffers.size(); ++b)
            if (prog_.buffers[b].kind == Buffer::Kind::work)
                w_.line(cat("double* const ", names_[b], " = work_ + ", prog_.buffers[b].offset, ";"));
        print_steps(prog_.steps);
        w_.close();
        w_.blank();
    }

    void print_steps(const std::vector<Step>& steps) {
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const Step& step = steps[i];
            if (step.loop < 0) {
                KernelPrinter printer(w_, prog_.buffers, names_, temps_);
                if (i + 1 < steps.size() && steps[i + 1].loop < 0 &&
                    fusable(step.kernel, steps[i + 1].kernel, prog_.buffers))
                    printer.print_fused(step.kernel, steps[++i].kernel);
                else
                    printer.print(step.kernel);
                continue;
            }
            const Loop& loop = prog_.loops[u(step.loop)];
            const std::string k = cat("k", loop.depth, "_");
            w_.line(loop.fold ? "// one step of a loop of the model (fold, scan) per iteration"
                              : "// one direction of a Jacobian per iteration");
            w_.open(cat("for (std::ptrdiff_t ", k, " = 0; ", k, " < ", loop.count, "; ++", k, ")"));
            print_steps(loop.steps);
            w_.close();
        }
    }

    void print_allocating_overload() {
        const std::string n = qualified_ + "_work_size"; // a parameter may shadow the name
        w_.line("// Finds its own scratch space: on the stack when small, else on the heap.");
        w_.open("inline void " + fn_.name + "(" + params_signature(false) + ")");
        if (prog_.work_size == 0) {
            w_.line(qualified_ + "(" + call_with("nullptr") + ");");
        } else if (prog_.work_size <= stack_limit) {
            w_.line("double work_[" + n + "];");
            w_.line(qualified_ + "(" + call_with("work_") + ");");
        } else {
            w_.line("const std::unique_ptr<double[]> work_(new double[" + n + "]);");
            w_.line(qualified_ + "(" + call_with("work_.get()") + ");");
        }
        w_.close();
        w_.blank();
    }

    static constexpr std::int64_t stack_limit = 4096; // doubles (32 KiB)

    const Graph& g_;
    const Function& fn_;
    Writer& w_;
    const Program& prog_;
    std::string qualified_;          // ::ns::fn: a result may be named like the function
    std::vector<std::string> names_; // per buffer
    int temps_ = 0;                  // temporaries named so far
};

// The helper of formula op `op` (after the helpers its formula calls): its entry's
// formula as a kernel of one scalar, printed as every kernel is.
void print_helper(Writer& w, Op op, std::set<Op>& printed) {
    if (!printed.insert(op).second)
        return;
    const Kernel k = formula_kernel(op);
    for (const Value& v : k.body)
        if (v.kind == Value::Kind::apply && info(v.op).formula)
            print_helper(w, v.op, printed);
    const int arity = info(op).arity;
    static constexpr const char* one[] = {"x"};
    static constexpr const char* several[] = {"a", "b", "c"};
    std::vector<Buffer> buffers(static_cast<std::size_t>(arity) + 1);
    std::vector<std::string> names;
    std::string params;
    for (int a = 0; a < arity; ++a) {
        names.push_back(arity == 1 ? one[0] : several[a]);
        params += (a ? ", double " : "double ") + names.back();
    }
    names.push_back("r_");
    for (Buffer& b : buffers)
        b.kind = Buffer::Kind::local;
    std::string guard = "SYMDIFF_RT_" + std::string(name(op)) + "_V1";
    for (char& c : guard)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    w.line("#ifndef " + guard);
    w.line("#define " + guard);
    w.line("namespace symdiff_rt {");
    w.open("inline double " + std::string(name(op)) + "(" + params + ")");
    int temps = 0;
    KernelPrinter(w, buffers, names, temps).print(k);
    w.line("return r_;");
    w.close();
    w.line("} // namespace symdiff_rt");
    w.line("#endif");
    w.blank();
}

void require_emittable_name(std::string_view name, std::string_view what) {
    if (const auto problem = cpp_name_problem(name))
        throw Error(std::string(what) + " " + *problem);
}

void check_names(const Graph& g, std::span<const Function> fns, const EmitOptions& opt) {
    require_emittable_name(opt.ns, "namespace");
    std::set<std::string> top; // namespace-level names
    for (const Function& fn : fns) {
        require_emittable_name(fn.name, "function");
        for (const std::string& n : {fn.name, fn.name + "_info", fn.name + "_work_size"})
            if (!top.insert(n).second)
                throw Error("generated name '" + n + "' of function '" + fn.name +
                            "' collides with another generated name; rename the function", fn.loc);
        std::set<std::string> local;
        for (NodeId p : fn.params) {
            g.check_node(p, "emit_header: a parameter of '" + fn.name + "'");
            if (g[p].op != Op::Input)
                throw Error("parameter of '" + fn.name + "' is not an input", fn.loc);
            const std::string& n = g.inputs()[u(g[p].input_index())].name;
            require_emittable_name(n, "parameter");
            if (!local.insert(n).second)
                throw Error("'" + fn.name + "' has two parameters named '" + n + "'", fn.loc);
        }
        for (const auto& r : fn.results) {
            g.check_node(r.node, "emit_header: result '" + r.name + "' of '" + fn.name + "'");
            require_emittable_name(r.name, "result");
            if (!local.insert(r.name).second)
                throw Error("'" + fn.name + "' has two parameters or results named '" + r.name + "'",
                            fn.loc);
        }
    }
}

} // namespace

std::string emit_header(const Graph& g, std::span<const Function> fns, const EmitOptions& opt) {
    std::ostringstream out;
    emit_header(g, fns, opt, out);
    return std::move(out).str();
}

void emit_header(const Graph& g, std::span<const Function> fns, const EmitOptions& opt,
                 std::ostream& out) {
    check_names(g, fns, opt);
    Writer w(out);
    std::string source = opt.source_name; // shown in a comment: keep it on one printable line
    for (char& c : source)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = '?';
    w.line("// Generated by symdiff" + (source.empty() ? "" : " from " + source) +
           ". Do not edit: edit the model and regenerate.");
    w.line("// Standard C++17, self-contained. Arrays are contiguous row-major doubles; results");
    w.line("// are written in full and must not overlap the inputs.");
    w.line("#pragma once");
    w.blank();
    for (const char* h : {"<array>", "<cmath>", "<cstddef>", "<limits>", "<memory>"})
        w.line(std::string("#include ") + h);
    w.blank();

    // Parameters, results and the work array never overlap (the calling convention), and
    // saying so lets compilers keep loads in registers and vectorise without run-time
    // overlap checks. `__restrict` is an extension every major compiler has; elsewhere,
    // or defined empty by the user, the header is plain C++17.
    w.line("#ifndef SYMDIFF_RESTRICT");
    w.line("#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)");
    w.line("#define SYMDIFF_RESTRICT __restrict");
    w.line("#else");
    w.line("#define SYMDIFF_RESTRICT");
    w.line("#endif");
    w.line("#endif");
    w.blank();

    // The helper functions of the ops defined by a formula (sigmoid, softplus, ...), each
    // under its own guard so that headers generated from different models can be
    // included together; a helper another helper calls comes first.
    std::vector<Program> programs;
    for (const Function& fn : fns)
        programs.push_back(lower(g, fn));
    std::set<Op> used;
    for (const Program& p : programs)
        p.for_each_kernel([&](const Kernel& k) {
            for (const Value& v : k.body)
                if (v.kind == Value::Kind::apply && info(v.op).formula)
                    used.insert(v.op);
        });
    std::set<Op> printed;
    for (Op op : used)
        print_helper(w, op, printed);

    w.line(cat("namespace ", opt.ns, " {"));
    w.blank();
    for (std::size_t i = 0; i < fns.size(); ++i)
        FunctionPrinter(g, fns[i], programs[i], opt.ns, w).print();
    w.line(cat("} // namespace ", opt.ns));
}

} // namespace symdiff::codegen
