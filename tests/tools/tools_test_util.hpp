// Helpers of the tools tests: run the CLI in-process, evaluate a model, expect a parse
// error at a place, and make scratch directories that clean up after themselves.
#pragma once

#include "core/eval.hpp"
#include "tools/cli.hpp"
#include "lang/model.hpp"
#include "tools/values.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

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

// The inputs of the contract's RNN example (LANGUAGE.md 6, conformance case contract_6_rnn).
inline const std::map<std::string, Tensor>& contract_rnn_values() {
    static const std::map<std::string, Tensor> values{
        {"X", Tensor{Shape{3, 2}, {0.0782, -0.4216, -0.9754, -0.7752, -0.8452, -0.5728}}},
        {"h0", Tensor{Shape{2}, {-0.0828, 0.7557}}},
        {"W", Tensor{Shape{2, 2}, {-0.238, -0.5386, 0.2789, -0.95}}},
        {"U", Tensor{Shape{2, 2}, {-0.0049, -0.4677, -0.513, 0.0044}}},
        {"b", Tensor{Shape{2}, {-0.3844, 0.1559}}},
    };
    return values;
}

// `symdiff check` of a model given as text: every result against the tape, the compiled
// code and finite differences, all agreeing. Returns the run for further checks.
inline CliResult check_every_mode(const std::string& source) {
    TempDir dir;
    const CliResult r = run_cli({"check", dir.write("m.sd", source)});
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(r.out.find("results agree") != std::string::npos);
    return r;
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
// shows that line with a caret under that column. And as the user meets it: `symdiff eval`
// of the model in a file exits with status 2, prints nothing on stdout, and on stderr
// exactly FILE:LINE:COL: error: MESSAGE, the line and the caret.
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
        const std::string at = ":" + std::to_string(line) + ":" + std::to_string(col);
        const std::string header = "m.sd" + at + ": error: " + message + "\n";
        const std::string text = line_of(source, line);
        CHECK(shown.starts_with(header));
        if (text.size() <= 160) // longer lines are cut to a window (tested on its own)
            CHECK(shown == header + text + "\n" +
                               std::string(static_cast<std::size_t>(col - 1), ' ') + "^\n");
        TempDir dir;
        const std::string path = dir.write("m.sd", source);
        const CliResult r = run_cli({"eval", path, "e"});
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK(r.err.starts_with(path + at + ": error: " + message + "\n"));
        CHECK(r.err == format_error(e, path, source));
    }
}

// Runs the command line in a child process that is not root: root may read and write any
// file, so a test of a path without permission would prove nothing. As root, the child
// becomes nobody (uid and gid 65534) first; the files it needs must be open to others.
inline CliResult run_cli_unprivileged(const std::vector<std::string>& args) {
    int fd[2];
    REQUIRE(::pipe(fd) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) { // no Catch2 here: report through the pipe, or by the exit status
        ::close(fd[0]);
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0))
            ::_exit(90);
        std::ostringstream out, err;
        const int code = cli::run(args, out, err);
        const std::string report = std::to_string(code) + "\n" + std::to_string(out.str().size()) +
                                   "\n" + out.str() + err.str();
        for (std::size_t done = 0; done < report.size();) {
            const ::ssize_t n = ::write(fd[1], report.data() + done, report.size() - done);
            if (n <= 0)
                ::_exit(91);
            done += static_cast<std::size_t>(n);
        }
        ::_exit(0);
    }
    ::close(fd[1]);
    std::string report;
    char buf[4096];
    for (::ssize_t n; (n = ::read(fd[0], buf, sizeof buf)) > 0;)
        report.append(buf, static_cast<std::size_t>(n));
    ::close(fd[0]);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0); // 90: could not give up root, 91: the pipe broke
    std::istringstream in(report);
    CliResult r;
    std::size_t out_size = 0;
    in >> r.code >> out_size;
    in.get();
    r.out.resize(out_size);
    in.read(r.out.data(), static_cast<std::streamsize>(out_size));
    r.err.assign(std::istreambuf_iterator<char>(in), {});
    return r;
}

} // namespace symdiff::test
