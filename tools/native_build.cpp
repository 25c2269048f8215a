// Compiling and loading emitted code at run time: finding the compiler, probing once per
// process that it can build and load a shared library at all, writing header and driver
// into a fresh folder, compiling, and dlopen/dlsym. The driver's symbols are the only
// ones the library exports (-fvisibility=hidden), so two loaded modules never interpose.
#include "tools/native_build.hpp"

#include "codegen/emit.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <system_error>
#include <utility>

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace symdiff {
namespace {

namespace fs = std::filesystem;

constexpr const char* code_namespace = "symdiff_native_code";
constexpr std::size_t max_compiler_output = 3000; // characters of compiler output kept

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

bool is_executable(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

// `name` as an executable: a path if it contains '/', else searched on PATH.
std::optional<std::string> resolve(const std::string& name) {
    if (name.empty())
        return std::nullopt;
    if (name.find('/') != std::string::npos)
        return is_executable(name) ? std::optional(name) : std::nullopt;
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');)
        if (!dir.empty() && is_executable(fs::path(dir) / name))
            return (fs::path(dir) / name).string();
    return std::nullopt;
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
    if (!out)
        throw Error("cannot write " + p.string());
}

// A fresh folder under the system's temporary folder.
fs::path make_temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "symdiff-native-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
        throw Error("cannot create a temporary folder in " + fs::temp_directory_path().string());
    return tmpl;
}

// Removes its folder unless released.
struct TempDir {
    fs::path path;
    ~TempDir() {
        if (!path.empty()) {
            std::error_code ec;
            fs::remove_all(path, ec);
        }
    }
    fs::path release() { return std::exchange(path, fs::path()); }
};

struct CommandResult {
    bool ran = false; // the shell ran it and it exited (no signal)
    int exit_code = -1;
    std::string output; // stdout and stderr
};

CommandResult run_command(const std::string& command, const fs::path& log) {
    const std::string full = command + " > " + shell_quote(log.string()) + " 2>&1";
    const int status = std::system(full.c_str());
    CommandResult r;
    r.output = read_text(log);
    if (status != -1 && WIFEXITED(status)) {
        r.ran = true;
        r.exit_code = WEXITSTATUS(status);
    }
    return r;
}

std::string compile_command(const std::string& cxx, const std::string& flags,
                            const fs::path& source, const fs::path& library) {
    return cxx + " " + flags + " -fPIC -shared -fvisibility=hidden -I " +
           shell_quote(source.parent_path().string()) + " -o " + shell_quote(library.string()) +
           " " + shell_quote(source.string());
}

std::string clipped(std::string s) {
    if (s.size() > max_compiler_output)
        s = s.substr(0, max_compiler_output) + "\n[...]";
    return s;
}

// Whether `cxx` with `flags` builds and loads a trivial shared library; the reason if
// not. Probed once per compiler and flags in a process.
std::optional<std::string> toolchain_problem(const std::string& cxx, const std::string& flags) {
    static std::mutex mutex;
    static std::map<std::string, std::optional<std::string>> cache;
    const std::lock_guard lock(mutex);
    const std::string key = cxx + '\n' + flags;
    if (const auto it = cache.find(key); it != cache.end())
        return it->second;
    std::optional<std::string> problem;
    try {
        TempDir dir{make_temp_dir()};
        write_text(dir.path / "probe.cpp",
                   "extern \"C\" __attribute__((visibility(\"default\"))) int "
                   "symdiff_native_probe() { return 42; }\n");
        const fs::path lib = dir.path / "probe.so";
        const CommandResult r = run_command(
            compile_command(cxx, flags, dir.path / "probe.cpp", lib), dir.path / "probe.log");
        if (!r.ran || r.exit_code != 0) {
            problem = "'" + cxx + "' cannot build a trivial shared library: " +
                      clipped(r.output.empty() ? "no output" : r.output);
        } else if (void* h = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL); !h) {
            problem =
                std::string("cannot load a shared library built by '") + cxx + "': " + ::dlerror();
        } else {
            auto* probe = reinterpret_cast<int (*)()>(::dlsym(h, "symdiff_native_probe"));
            if (!probe || probe() != 42)
                problem = "a shared library built by '" + cxx + "' does not run";
            ::dlclose(h);
        }
    } catch (const std::exception& e) {
        problem = e.what();
    }
    cache[key] = problem;
    return problem;
}

std::string param_name(const Graph& g, NodeId p) {
    return g.inputs()[static_cast<std::size_t>(g[p].input_index())].name;
}

// The driver: one entry point that calls the `work` overload of function k.
std::string driver_source(const Graph& g, std::span<const Function> functions) {
    std::ostringstream s;
    s << "// Generated by symdiff (tools/native_build.cpp): one entry point for every function\n"
         "// of module.hpp, for `symdiff check` and `symdiff compare`.\n"
         "#include \"module.hpp\"\n\n#include <cstddef>\n\n"
         "#define SYMDIFF_NATIVE_API extern \"C\" __attribute__((visibility(\"default\")))\n\n"
         "SYMDIFF_NATIVE_API std::size_t symdiff_native_count() { return "
      << functions.size() << "; }\n\n"
      << "SYMDIFF_NATIVE_API std::size_t symdiff_native_work_size(std::size_t k) {\n"
      << "    static const std::size_t sizes[] = {";
    for (const Function& f : functions)
        s << "::" << code_namespace << "::" << f.name << "_work_size, ";
    s << "0};\n    return k < " << functions.size() << " ? sizes[k] : 0;\n}\n\n"
      << "SYMDIFF_NATIVE_API void symdiff_native_call(std::size_t k, const double* const* in,\n"
      << "                                             double* const* out, double* work) {\n"
      << "    (void)in;\n    (void)out;\n    switch (k) {\n";
    for (std::size_t k = 0; k < functions.size(); ++k) {
        const Function& f = functions[k];
        s << "    case " << k << ": // " << f.name << "(";
        for (std::size_t i = 0; i < f.params.size(); ++i)
            s << (i ? ", " : "") << param_name(g, f.params[i]);
        s << ")\n        ::" << code_namespace << "::" << f.name << "(";
        for (std::size_t i = 0; i < f.params.size(); ++i)
            s << "in[" << i << "], ";
        for (std::size_t j = 0; j < f.results.size(); ++j)
            s << "out[" << j << "], ";
        s << "work);\n        return;\n";
    }
    s << "    default:\n        return;\n    }\n}\n";
    return s.str();
}

} // namespace

std::optional<std::string> find_cxx_compiler(std::string* note) {
    if (const char* cxx = std::getenv("CXX"); cxx && *cxx) {
        const std::string value = cxx;
        const std::string first = value.substr(0, value.find_first_of(" \t"));
        if (resolve(first))
            return value;
        if (note)
            *note = "$CXX ('" + value + "') is not an executable; looked for c++, g++, clang++";
    }
    for (const char* name : {"c++", "g++", "clang++"})
        if (auto path = resolve(name))
            return path;
    return std::nullopt;
}

NativeModule::NativeModule(fs::path dir, void* handle, CallFn entry, std::size_t count,
                           std::size_t (*work_sizes)(std::size_t))
    : dir_(std::move(dir)), handle_(handle), call_(entry), count_(count), work_size_(work_sizes) {}

NativeModule::~NativeModule() {
    if (handle_)
        ::dlclose(handle_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

std::size_t NativeModule::work_size(std::size_t fn) const {
    if (fn >= count_)
        throw Error("internal error: native function " + std::to_string(fn) + " out of range");
    return work_size_(fn);
}

void NativeModule::call(std::size_t fn, const double* const* in, double* const* out,
                        double* work) const {
    if (fn >= count_)
        throw Error("internal error: native function " + std::to_string(fn) + " out of range");
    call_(fn, in, out, work);
}

NativeCall::NativeCall(const NativeModule& module, std::size_t fn, const Graph& g,
                       const Function& f, const std::vector<Tensor>& point)
    : module_(&module), fn_(fn), work_(std::max<std::size_t>(module.work_size(fn), 1)) {
    for (NodeId p : f.params)
        in_.push_back(point.at(static_cast<std::size_t>(g[p].input_index())).data().data());
    out_.reserve(f.results.size());
    for (const Function::Result& r : f.results) {
        out_.emplace_back(static_cast<std::size_t>(g[r.node].shape.size()),
                          std::numeric_limits<double>::quiet_NaN());
        out_ptrs_.push_back(out_.back().data());
    }
}

NativeBuild build_native(const Graph& g, std::span<const Function> functions,
                         const NativeBuildOptions& options) {
    NativeBuild b;
    std::string note;
    const std::optional<std::string> cxx =
        options.compiler ? options.compiler : find_cxx_compiler(&note);
    if (!cxx) {
        b.status = NativeBuild::Status::no_compiler;
        b.note = "no C++ compiler found (set CXX, or put c++, g++ or clang++ on PATH)" +
                 (note.empty() ? "" : "; " + note);
        return b;
    }
    b.compiler = *cxx;
    std::string header;
    try {
        header = codegen::emit_header(g, functions, {code_namespace, "symdiff check"});
    } catch (const Error& e) {
        b.status = NativeBuild::Status::emit_failed;
        b.note = std::string("the emitter refused: ") + e.what();
        return b;
    }
    b.header_bytes = header.size();
    if (auto problem = toolchain_problem(*cxx, options.flags)) {
        b.status = NativeBuild::Status::unavailable;
        b.note = *problem;
        return b;
    }
    try {
        TempDir dir{make_temp_dir()};
        write_text(dir.path / "module.hpp", header);
        write_text(dir.path / "driver.cpp", driver_source(g, functions));
        const fs::path lib = dir.path / "module.so";
        const auto start = std::chrono::steady_clock::now();
        const CommandResult r =
            run_command(compile_command(*cxx, options.flags, dir.path / "driver.cpp", lib),
                        dir.path / "compile.log");
        b.compile_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!r.ran) { // killed (out of memory, a signal): says nothing about the code
            b.status = NativeBuild::Status::unavailable;
            b.note = "the compiler did not finish: " + clipped(r.output);
            return b;
        }
        if (r.exit_code != 0) {
            b.status = NativeBuild::Status::compile_failed;
            b.note = "'" + *cxx + "' rejected the emitted code:\n" + clipped(r.output);
            return b;
        }
        void* h = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            b.status = NativeBuild::Status::unavailable;
            b.note = std::string("cannot load the compiled code: ") + ::dlerror();
            return b;
        }
        auto* count = reinterpret_cast<std::size_t (*)()>(::dlsym(h, "symdiff_native_count"));
        auto* work =
            reinterpret_cast<std::size_t (*)(std::size_t)>(::dlsym(h, "symdiff_native_work_size"));
        auto* call = reinterpret_cast<NativeModule::CallFn>(::dlsym(h, "symdiff_native_call"));
        if (!count || !work || !call || count() != functions.size()) {
            ::dlclose(h);
            b.status = NativeBuild::Status::unavailable;
            b.note = "the compiled library lacks its entry points";
            return b;
        }
        b.module = std::make_unique<NativeModule>(dir.release(), h, call, functions.size(), work);
        b.status = NativeBuild::Status::ok;
    } catch (const std::exception& e) {
        b.status = NativeBuild::Status::unavailable;
        b.note = e.what();
    }
    return b;
}

} // namespace symdiff
