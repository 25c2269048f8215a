// Build-time generator of the codegen tests: emits every zoo model to <model>.hpp and
// writes zoo_adapter.cpp, which registers both overloads of every function (see
// compiled_registry.hpp). Headers the compiler rejects are left out and registered with
// its messages, so that one emitter bug fails one model's test instead of the build.
//   usage: zoo_gen OUT_DIR CXX "FLAGS" MODEL...  |  zoo_gen --golden DIR
#include "tests/codegen/zoo.hpp"

#include "core/error.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace symdiff::test {
namespace {

namespace fs = std::filesystem;

// Files keep their time stamp when their text is unchanged, so nothing recompiles.
void write_if_changed(const fs::path& path, const std::string& text) {
    {
        std::ifstream in(path, std::ios::binary);
        if (in) {
            const std::string old{std::istreambuf_iterator<char>(in), {}};
            if (old == text)
                return;
        }
    }
    const fs::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        out << text;
        if (!out)
            throw Error("cannot write " + tmp.string());
    }
    fs::rename(tmp, path);
}

std::string param_name(const Model& m, NodeId p) {
    const Graph& g = *m.graph;
    return g.inputs()[static_cast<std::size_t>(g[p].input_index())].name;
}

std::string join(const std::vector<std::string>& parts) {
    std::string s;
    for (std::size_t i = 0; i < parts.size(); ++i)
        s += (i ? ", " : "") + parts[i];
    return s;
}

// The adapter's code for one function; `k` numbers the functions of all models.
void adapt(std::ostream& os, std::ostream& table, const Model& m, const Function& fn, int k) {
    const std::string id = std::to_string(k);
    const std::string qualified = "::" + m.name + "::" + fn.name;
    const std::string info = "info_" + id;
    std::vector<std::string> args, shapes_in, shapes_out;
    for (std::size_t i = 0; i < fn.params.size(); ++i) {
        args.push_back("in[" + std::to_string(i) + "]");
        const std::string s = info + "::" + param_name(m, fn.params[i]) + "_shape";
        shapes_in.push_back("{" + s + ".data(), " + s + ".size()}");
    }
    for (std::size_t j = 0; j < fn.results.size(); ++j) {
        args.push_back("out[" + std::to_string(j) + "]");
        const std::string s = info + "::" + fn.results[j].name + "_shape";
        shapes_out.push_back("{" + s + ".data(), " + s + ".size()}");
    }
    const std::string in_param =
        fn.params.empty() ? "const double* const*" : "const double* const* in";
    const std::string out_param = fn.results.empty() ? "double* const*" : "double* const* out";
    os << "// " << m.name << "::" << fn.name << "\n"
       << "using " << info << " = " << qualified << "_info;\n"
       << "static_assert(" << qualified << "_work_size == " << info << "::work_size);\n"
       << "static_assert(" << info << "::inputs.size() == " << fn.params.size() << " && " << info
       << "::outputs.size() == " << fn.results.size() << ");\n"
       << "void call_" << id << "(" << in_param << ", " << out_param << ") {\n"
       << "    " << qualified << "(" << join(args) << ");\n"
       << "}\n"
       << "void call_work_" << id << "(" << in_param << ", " << out_param << ", double* work) {\n"
       << "    " << qualified << "(" << join(args) << (args.empty() ? "" : ", ") << "work);\n"
       << "}\n";
    if (!shapes_in.empty())
        os << "const CompiledShape in_shapes_" << id << "[] = {" << join(shapes_in) << "};\n";
    if (!shapes_out.empty())
        os << "const CompiledShape out_shapes_" << id << "[] = {" << join(shapes_out) << "};\n";
    os << "\n";
    table << "    {\"" << m.name << "\", \"" << fn.name << "\", " << info << "::name, "
          << fn.params.size() << ", " << fn.results.size() << ", " << info << "::inputs.data(), "
          << info << "::outputs.data(), " << info << "::input_sizes.data(), " << info
          << "::output_sizes.data(), " << (shapes_in.empty() ? "nullptr" : "in_shapes_" + id)
          << ", " << (shapes_out.empty() ? "nullptr" : "out_shapes_" + id) << ", " << qualified
          << "_work_size, " << info << "::work_size, call_" << id << ", call_work_" << id << "},\n";
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Compiles a translation unit that includes `models`' headers; returns the compiler's
// messages, or nothing when it compiled cleanly.
std::optional<std::string> compile_errors(const fs::path& dir, const std::string& cxx,
                                          const std::string& flags,
                                          const std::vector<std::string>& models,
                                          const std::string& stem) {
    std::string tu;
    for (const std::string& m : models)
        tu += "#include \"" + m + ".hpp\"\n";
    const fs::path src = dir / (stem + ".cpp"), log = dir / (stem + ".log");
    write_if_changed(src, tu);
    const std::string cmd = "\"" + cxx + "\" " + flags +
                            " -fsyntax-only -fdiagnostics-color=never -I \"" + dir.string() +
                            "\" \"" + src.string() + "\" > \"" + log.string() + "\" 2>&1";
    if (std::system(cmd.c_str()) == 0)
        return std::nullopt;
    std::string out = read_file(log);
    if (out.size() > 4000)
        out = out.substr(0, 4000) + "\n[...]";
    return out;
}

// A C++ string literal holding `s`.
std::string cpp_string_literal(const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            q += std::string("\\") + c;
        else if (c == '\n')
            q += "\\n\"\n    \"";
        else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            q += ' ';
        else
            q += c;
    }
    return q + "\"";
}

int generate(const fs::path& dir, const std::string& cxx, const std::string& flags,
             const std::vector<std::string>& requested) {
    std::vector<std::string> names;
    for (const ZooEntry& e : zoo())
        names.emplace_back(e.name);
    if (std::set<std::string>(names.begin(), names.end()) !=
        std::set<std::string>(requested.begin(), requested.end())) {
        std::cerr
            << "zoo_gen: the models named in tests/codegen/CMakeLists.txt (codegen_zoo_models)"
               " differ from the zoo; list exactly:";
        for (const std::string& n : names)
            std::cerr << ' ' << n;
        std::cerr << '\n';
        return 1;
    }
    fs::create_directories(dir);
    std::vector<Model> models;
    for (const std::string& name : names) {
        models.push_back(build_model(name));
        write_if_changed(dir / (name + ".hpp"), emit_model(models.back()));
    }
    // Usually everything compiles at once; otherwise find the culprits one by one.
    std::map<std::string, std::string> rejected; // model -> compiler messages
    if (compile_errors(dir, cxx, flags, names, "probe_all")) {
        for (const std::string& name : names)
            if (auto errors = compile_errors(dir, cxx, flags, {name}, "probe_" + name)) {
                std::cerr << "zoo_gen: warning: the emitted " << name
                          << ".hpp does not compile; its test will fail:\n"
                          << *errors;
                rejected[name] = *errors;
            }
    }
    std::ostringstream adapter, code, table, uncompiled;
    adapter << "// Generated by zoo_gen (tests/codegen/zoo_gen.cpp). Do not edit.\n"
            << "// Includes every zoo header (each twice: they must be include-guarded) and\n"
            << "// registers a uniform wrapper of both overloads of every function.\n";
    int k = 0;
    for (const Model& m : models) {
        if (rejected.count(m.name)) {
            uncompiled << "    {\"" << m.name << "\", " << cpp_string_literal(rejected[m.name])
                       << "},\n";
            continue;
        }
        adapter << "#include \"" << m.name << ".hpp\"\n#include \"" << m.name << ".hpp\"\n";
        for (const Function& fn : m.functions)
            adapt(code, table, m, fn, k++);
    }
    adapter << "\n#include \"tests/codegen/compiled_registry.hpp\"\n\n"
            << "namespace symdiff::test {\nnamespace {\n\n"
            << code.str() << "} // namespace\n\n"
            << "const CompiledFunction compiled_functions[] = {\n"
            << table.str() << "};\n"
            << "const std::size_t compiled_function_count = " << k << ";\n\n"
            << "const UncompiledModel uncompiled_models[] = {\n"
            << uncompiled.str() << "    {nullptr, nullptr}};\n"
            << "const std::size_t uncompiled_model_count = " << rejected.size() << ";\n\n"
            << "} // namespace symdiff::test\n";
    write_if_changed(dir / "zoo_adapter.cpp", adapter.str());
    return 0;
}

int write_golden(const fs::path& dir) {
    fs::create_directories(dir);
    for (std::string_view name : golden_models()) {
        write_if_changed(dir / (std::string(name) + ".hpp"), emit_model(build_model(name)));
        std::cout << "wrote " << (dir / (std::string(name) + ".hpp")).string() << '\n';
    }
    return 0;
}

} // namespace
} // namespace symdiff::test

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.size() == 2 && args[0] == "--golden")
            return symdiff::test::write_golden(args[1]);
        if (args.size() >= 3 && args[0].rfind("--", 0) != 0)
            return symdiff::test::generate(args[0], args[1], args[2],
                                           {args.begin() + 3, args.end()});
    } catch (const std::exception& e) {
        std::cerr << "zoo_gen: " << e.what() << '\n';
        return 1;
    }
    std::cerr << "usage: zoo_gen OUT_DIR CXX \"FLAGS\" MODEL... | zoo_gen --golden DIR\n";
    return 2;
}
