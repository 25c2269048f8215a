// Helpers of the tools tests: run the CLI in-process, evaluate a model, expect a parse
// error at a place, and make scratch directories that clean up after themselves.
#pragma once

#include "core/eval.hpp"
#include "tools/cli.hpp"
#include "tools/model.hpp"
#include "tools/values.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace symdiff::test {

struct CliResult {
    int code = -1;
    std::string out, err;
};

inline CliResult run_cli(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    CliResult r;
    r.code = cli::run(args, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

inline std::string example(const std::string& name) {
    return std::string(SYMDIFF_SOURCE_DIR) + "/examples/" + name;
}

// Results of `symdiff eval ARGS` (readable form), by name; fails the test on an error.
inline std::map<std::string, Tensor> eval_cli(const std::vector<std::string>& args) {
    std::vector<std::string> all{"eval"};
    all.insert(all.end(), args.begin(), args.end());
    const CliResult r = run_cli(all);
    INFO(r.err);
    REQUIRE(r.code == 0);
    REQUIRE(r.err.empty());
    std::map<std::string, Tensor> values;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        const auto eq = line.find(" = ");
        REQUIRE(eq != std::string::npos);
        values[line.substr(0, eq)] = parse_value(line.substr(eq + 3));
    }
    return values;
}

// A fresh directory under the system's temporary folder, removed with its contents.
class TempDir {
  public:
    TempDir() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "symdiff-test-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }
    std::string write(const std::string& name, const std::string& content) const {
        std::ofstream(file(name), std::ios::binary) << content;
        return file(name);
    }
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(path_))
            names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

  private:
    std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Evaluates export `fn` of a model given as text, without simplification (this tests
// the graph the parser built).
inline std::vector<Tensor> eval_model(const std::string& source, const std::string& fn,
                                      const std::map<std::string, Tensor>& values = {}) {
    const Model m = parse_model(source, "test.sd");
    const Function* f = m.find_export(fn);
    REQUIRE(f != nullptr);
    Bindings b(*m.graph);
    for (const auto& [name, value] : values)
        b.set(name, value);
    std::vector<NodeId> roots;
    for (const auto& r : f->results)
        roots.push_back(r.node);
    return evaluate(*m.graph, roots, b);
}

// The value of a constant expression: "export e() -> r = EXPR".
inline Tensor value_of(const std::string& expr) {
    return eval_model("export e() -> r = " + expr + "\n", "e").at(0);
}

inline std::vector<double> elements(const Tensor& t) { return {t.data().begin(), t.data().end()}; }

inline std::string line_of(const std::string& source, int line) {
    std::istringstream in(source);
    std::string text;
    for (int l = 0; l < line; ++l)
        std::getline(in, text);
    if (!text.empty() && text.back() == '\r')
        text.pop_back();
    for (char& c : text)
        if (!(c == '\t' || (c >= 0x20 && c < 0x7F)))
            c = '?';
    return text;
}

// Parsing `source` fails with exactly `message` at line:col, and the formatted error
// shows that line with a caret under that column.
inline void require_error(const std::string& source, const std::string& message, int line,
                          int col) {
    INFO("source: " << source.substr(0, 200));
    try {
        parse_model(source, "m.sd");
        FAIL("parsed without error; expected: " << message);
    } catch (const Error& e) {
        CHECK(std::string(e.what()) == message);
        CHECK(e.loc().line == line);
        CHECK(e.loc().col == col);
        const std::string shown = format_error(e, "m.sd", source);
        const std::string header = "m.sd:" + std::to_string(line) + ":" + std::to_string(col) +
                                   ": error: " + message + "\n";
        const std::string text = line_of(source, line);
        if (text.size() <= 160) // longer lines are cut to a window (tested on its own)
            CHECK(shown == header + text + "\n" +
                               std::string(static_cast<std::size_t>(col - 1), ' ') + "^\n");
    }
}

} // namespace symdiff::test
