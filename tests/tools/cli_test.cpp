// The command line, driven in-process through cli::run: help and version, the mistakes
// the command table catches for every command, reading the model, gen and eval with
// their exit status, the exact output formats, --set-file, and the atomic-write
// guarantee of gen. What eval shares with dot, check and compare (tools/command.hpp:
// values, exports, parameters) is tested here through eval, plus once per command where
// the message is the same; their own tests are dot_test, check_test and compare_test.
// CLI messages covered here:
//   no command given · unknown command 'C' · unknown option 'O' · unknown option 'O' for 'C'
//   option 'O' is given twice · option 'O' takes no value · option 'O' needs a value
//   missing argument A for 'C' · unexpected argument 'A'
//   gen needs the output file: -o OUT.hpp · cannot use 'NS' as the namespace: WHY
//   cannot use the model's file name 'S' as the namespace: WHY · cannot write 'P': WHY
//   cannot read 'P': WHY · cannot read 'P': it is a directory · 'M' has no export 'F'
//   --set needs NAME=VALUE, got 'S' · 'N' is set twice · --set N: WHY (at character K of the value)
//   'N' is not a parameter of 'F' · 'N' needs shape S / a scalar, got ...
//   no value for parameter 'P' of 'F' · no values for parameters 'P', 'Q' of 'F'
//   'N' is not an input of 'M' (its inputs: NAMES)
//   and model / JSON errors shown as FILE:LINE:COL with their caret.
#include "tools/native_build.hpp"
#include "tools/tools_test_util.hpp"

#include <regex>

#include <sys/stat.h>

using namespace symdiff;
using namespace symdiff::test;

namespace {

const std::string circuit_model =
    "input x, y, z\n"
    "q = x + y\n"
    "f = q * z\n"
    "export f_grad(x, y, z) -> f, dx = grad(f, x), dy = grad(f, y), dz = grad(f, z)\n";

// A failed run: exit 2, nothing on stdout, and exactly this stderr.
void require_failure(const std::vector<std::string>& args, const std::string& err) {
    const CliResult r = run_cli(args);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == err);
}

} // namespace

// --- help and version

TEST_CASE("cli: --help lists every command and option") {
    for (const std::string flag : {"--help", "-h", "help"}) {
        const CliResult r = run_cli({flag});
        CHECK(r.code == 0);
        CHECK(r.err.empty());
        CHECK(r.out.starts_with("usage: symdiff COMMAND"));
        for (const char* word :
             {"\n  gen MODEL.sd -o OUT.hpp [--namespace NS]", "\n  eval MODEL.sd FN",
              "\n  check MODEL.sd", "\n  compare MODEL.sd FN", "\n  dot MODEL.sd FN",
              "--set NAME=VALUE", "--set-file F.json", "--json", "--points N", "--seed S",
              "--simplify", "--strict", "--version",
              "exit status: 0 success, 1 a check failed, 2 bad input"})
            CHECK(r.out.find(word) != std::string::npos);
    }
}

TEST_CASE("cli: a command's --help prints its usage") {
    const CliResult r = run_cli({"eval", "--help"});
    CHECK(r.code == 0);
    CHECK(r.out.starts_with(
        "usage: symdiff eval MODEL.sd FN [--set NAME=VALUE ...] [--set-file F.json] [--json] "
        "[--strict] [--checkpoint N|sqrt]\n"));
    CHECK(run_cli({"gen", "m.sd", "--help"})
              .out.starts_with("usage: symdiff gen MODEL.sd -o OUT.hpp"));
}

TEST_CASE("cli: --version") {
    const CliResult r = run_cli({"--version"});
    CHECK(r.code == 0);
    CHECK(std::regex_match(r.out, std::regex("symdiff [0-9]+\\.[0-9]+\\.[0-9]+\n")));
}

// --- command-line mistakes

TEST_CASE("cli error: no command given") {
    require_failure({}, "error: no command given\nhint: run 'symdiff --help' for usage\n");
}

TEST_CASE("cli error: unknown command") {
    require_failure(
        {"evaluate", "m.sd"},
        "error: unknown command 'evaluate'\nhint: run 'symdiff --help' for the commands\n");
}

TEST_CASE("cli error: unknown option before a command") {
    require_failure(
        {"--verbose"},
        "error: unknown option '--verbose'\nhint: run 'symdiff --help' for the commands\n");
}

TEST_CASE("cli error: unknown option for a command") {
    const std::string hint = "hint: run 'symdiff eval --help' for its usage\n";
    require_failure({"eval", "m.sd", "f", "--bogus"},
                    "error: unknown option '--bogus' for 'eval'\n" + hint);
    // an option of another command
    require_failure({"eval", "m.sd", "f", "--namespace", "n"},
                    "error: unknown option '--namespace' for 'eval'\n" + hint);
    require_failure(
        {"gen", "m.sd", "-o", "x.hpp", "--json"},
        "error: unknown option '--json' for 'gen'\nhint: run 'symdiff gen --help' for its usage\n");
}

TEST_CASE("cli error: option given twice") {
    require_failure(
        {"gen", "m.sd", "-o", "a.hpp", "-o", "b.hpp"},
        "error: option '-o' is given twice\nhint: run 'symdiff gen --help' for its usage\n");
}

TEST_CASE("cli error: option takes no value") {
    require_failure(
        {"eval", "m.sd", "f", "--json=yes"},
        "error: option '--json' takes no value\nhint: run 'symdiff eval --help' for its usage\n");
}

TEST_CASE("cli error: option needs a value") {
    require_failure(
        {"eval", "m.sd", "f", "--set"},
        "error: option '--set' needs a value\nhint: run 'symdiff eval --help' for its usage\n");
    require_failure(
        {"gen", "m.sd", "-o"},
        "error: option '-o' needs a value\nhint: run 'symdiff gen --help' for its usage\n");
}

TEST_CASE("cli error: missing argument") {
    require_failure({"eval", "m.sd"}, "error: missing argument FN for 'eval'\n"
                                      "hint: usage: symdiff eval MODEL.sd FN [--set NAME=VALUE "
                                      "...] [--set-file F.json] [--json] [--strict] [--checkpoint N|sqrt]\n");
    require_failure({"gen"}, "error: missing argument MODEL.sd for 'gen'\n"
                             "hint: usage: symdiff gen MODEL.sd -o OUT.hpp [--namespace NS] [--strict] [--checkpoint N|sqrt]\n");
}

TEST_CASE("cli error: unexpected argument") {
    require_failure({"gen", "m.sd", "extra", "-o", "x.hpp"},
                    "error: unexpected argument 'extra'\nhint: usage: symdiff gen MODEL.sd -o "
                    "OUT.hpp [--namespace NS] [--strict] [--checkpoint N|sqrt]\n");
}

// --- reading the model

TEST_CASE("cli error: unreadable model file") {
    TempDir dir;
    const std::string missing = dir.file("missing.sd");
    require_failure({"eval", missing, "f"},
                    "error: cannot read '" + missing + "': No such file or directory\n");
    require_failure({"gen", missing, "-o", dir.file("out.hpp")},
                    "error: cannot read '" + missing + "': No such file or directory\n");
    CHECK(dir.entries().empty());
}

TEST_CASE("cli error: a model file without read permission") {
    TempDir dir;
    ::chmod(dir.file("").c_str(), 0755); // others may enter: see run_cli_unprivileged
    const std::string m = dir.write("secret.sd", circuit_model);
    REQUIRE(::chmod(m.c_str(), 0) == 0);
    const std::string values = dir.write("secret.json", "{\"x\": 1, \"y\": 2, \"z\": 3}\n");
    REQUIRE(::chmod(values.c_str(), 0) == 0);
    const std::string open_model = dir.write("open.sd", circuit_model);
    REQUIRE(::chmod(open_model.c_str(), 0644) == 0);
    CliResult r = run_cli_unprivileged({"eval", m, "f_grad"});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "error: cannot read '" + m + "': Permission denied\n");
    r = run_cli_unprivileged({"eval", open_model, "f_grad", "--set-file", values});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "error: cannot read '" + values + "': Permission denied\n");
}

TEST_CASE("cli error: gen into a folder without write permission") {
    TempDir dir;
    const std::string m = dir.write("circuit.sd", circuit_model);
    REQUIRE(::chmod(m.c_str(), 0644) == 0);
    REQUIRE(::chmod(dir.file("").c_str(), 0555) == 0);
    const std::string out = dir.file("circuit.hpp");
    const CliResult r = run_cli_unprivileged({"gen", m, "-o", out});
    ::chmod(dir.file("").c_str(), 0755);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "error: cannot write '" + out + "': Permission denied\n");
    CHECK(dir.entries() == std::vector<std::string>{"circuit.sd"});
}

TEST_CASE("cli error: the model is a directory") {
    TempDir dir;
    require_failure({"eval", dir.file(""), "f"},
                    "error: cannot read '" + dir.file("") + "': it is a directory\n");
}

TEST_CASE("cli error: model errors show file, line, column and caret") {
    TempDir dir;
    const std::string m = dir.write("bad.sd", "input x\nf = (x + 1) * y\nexport e(x) -> f\n");
    const std::string want =
        m + ":2:15: error: 'y' is not defined\nf = (x + 1) * y\n              ^\n";
    require_failure({"eval", m, "e", "--set", "x=1"}, want);
    require_failure({"gen", m, "-o", dir.file("bad.hpp")}, want);
}

// --- gen

TEST_CASE("cli: gen writes a header in the namespace of the model's stem") {
    TempDir dir;
    const std::string out = dir.file("circuit.hpp");
    const CliResult r = run_cli({"gen", example("circuit.sd"), "-o", out});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.empty());
    const std::string header = read_file(out);
    CHECK(header.find("namespace circuit") != std::string::npos);
    CHECK(header.find("f_grad") != std::string::npos);
    CHECK(dir.entries() == std::vector<std::string>{"circuit.hpp"}); // no temporary left
    // --namespace, also in its --opt=value form, replacing the file
    REQUIRE(run_cli({"gen", example("circuit.sd"), "-o", out, "--namespace=lecture"}).code == 0);
    CHECK(read_file(out).find("namespace lecture") != std::string::npos);
    CHECK(dir.entries() == std::vector<std::string>{"circuit.hpp"});
}

TEST_CASE("cli error: gen needs -o") {
    require_failure({"gen", example("circuit.sd")},
                    "error: gen needs the output file: -o OUT.hpp\nhint: usage: symdiff gen "
                    "MODEL.sd -o OUT.hpp [--namespace NS] [--strict] [--checkpoint N|sqrt]\n");
}

TEST_CASE("cli error: gen with an unusable namespace") {
    TempDir dir;
    require_failure({"gen", example("circuit.sd"), "-o", dir.file("c.hpp"), "--namespace", "class"},
                    "error: cannot use 'class' as the namespace: 'class' is a C++ keyword\n"
                    "hint: choose another with --namespace NS\n");
    require_failure({"gen", example("circuit.sd"), "-o", dir.file("c.hpp"), "--namespace", "my-ns"},
                    "error: cannot use 'my-ns' as the namespace: 'my-ns' is not an identifier\n"
                    "hint: choose another with --namespace NS\n");
    CHECK(dir.entries().empty());
}

TEST_CASE("cli error: gen when the model's stem is not an identifier") {
    TempDir dir;
    const std::string m = dir.write("my-model.sd", circuit_model);
    require_failure({"gen", m, "-o", dir.file("m.hpp")},
                    "error: cannot use the model's file name 'my-model' as the namespace: "
                    "'my-model' is not an identifier\n"
                    "hint: choose a namespace with --namespace NS\n");
    CHECK(run_cli({"gen", m, "-o", dir.file("m.hpp"), "--namespace", "mine"}).code == 0);
}

TEST_CASE("cli error: gen into a directory that does not exist") {
    TempDir dir;
    const std::string out = dir.file("no/such/dir/c.hpp");
    require_failure({"gen", example("circuit.sd"), "-o", out},
                    "error: cannot write '" + out + "': No such file or directory\n");
    CHECK(dir.entries().empty());
}

TEST_CASE("cli error: gen onto a directory leaves it alone") {
    TempDir dir;
    std::filesystem::create_directory(dir.file("taken"));
    const CliResult r = run_cli({"gen", example("circuit.sd"), "-o", dir.file("taken")});
    CHECK(r.code == 2);
    CHECK(r.err.starts_with("error: cannot write '" + dir.file("taken") + "': "));
    CHECK(std::filesystem::is_directory(dir.file("taken")));
    CHECK(dir.entries() == std::vector<std::string>{"taken"});
}

TEST_CASE("cli: a failing gen leaves an existing output byte-identical") {
    TempDir dir;
    const std::string out =
        dir.write("model.hpp", std::string("// the old header\n\0binary\xff", 26));
    const std::string before = read_file(out);
    const std::string bad = dir.write("model.sd", "input x\nexport e(x) -> r = x +\n");
    CHECK(run_cli({"gen", bad, "-o", out}).code == 2);
    CHECK(run_cli({"gen", bad, "-o", out, "--namespace", "int"}).code == 2);
    CHECK(read_file(out) == before);
    CHECK(dir.entries() == std::vector<std::string>{"model.hpp", "model.sd"});
}

TEST_CASE("cli: a failing gen creates nothing") {
    TempDir dir;
    const std::string bad = dir.write("model.sd", "input x\nf = x\n");
    CHECK(run_cli({"gen", bad, "-o", dir.file("model.hpp")}).code == 2);
    CHECK(dir.entries() == std::vector<std::string>{"model.sd"});
}

// --- eval

TEST_CASE("cli: eval prints name = value lines") {
    TempDir dir;
    const std::string m =
        dir.write("v.sd", "input v[2]\nexport e(v) -> s = sum(v), w = v * 2, M = stack(v, v)\n");
    const CliResult r = run_cli({"eval", m, "e", "--set", "v=[0.25, -1.5]"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK(r.out == "s = -1.25\nw = [0.5, -3]\nM = [[0.25, -1.5], [0.25, -1.5]]\n");
}

TEST_CASE("cli: eval --json prints one object, outputs in result order") {
    const CliResult r = run_cli({"eval", example("circuit.sd"), "f_grad", "--set", "x=-2", "--set",
                                 "y=5", "--set", "z=-4", "--json"});
    CHECK(r.code == 0);
    CHECK(r.out == "{\"function\": \"f_grad\", \"outputs\": {\"f\": -12, \"dx\": -4, \"dy\": -4, "
                   "\"dz\": 3}}\n");
    TempDir dir;
    const std::string m =
        dir.write("v.sd", "input v[2]\nexport e(v) -> w = v * 2, M = stack(v, v)\n");
    CHECK(run_cli({"eval", m, "e", "--set=v=[0.25,-1.5]", "--json"}).out ==
          "{\"function\": \"e\", \"outputs\": {\"w\": [0.5, -3], \"M\": [[0.25, -1.5], [0.25, "
          "-1.5]]}}\n");
}

TEST_CASE("cli: eval --json is strict JSON: NaN and infinities are the strings \"NaN\", "
          "\"Infinity\", \"-Infinity\"") {
    TempDir dir;
    const std::string m = dir.write(
        "n.sd", "input x\nexport e(x) -> a = log(x), b = 1 / x, c = sqrt(x - 1), v = stack(x, b)\n");
    const CliResult r = run_cli({"eval", m, "e", "--set", "x=0", "--json"});
    CHECK(r.code == 0);
    CHECK(r.out == "{\"function\": \"e\", \"outputs\": {\"a\": \"-Infinity\", \"b\": \"Infinity\", "
                   "\"c\": \"NaN\", \"v\": [0, \"Infinity\"]}}\n");
    // without --json, NAME = VALUE lines keep the bare words (as --set takes them)
    CHECK(run_cli({"eval", m, "e", "--set", "x=0"}).out ==
          "a = -Infinity\nb = Infinity\nc = NaN\nv = [0, Infinity]\n");

    // Strict parsers accept it: Python's json with the bare constants refused, and jq.
    const std::string out = dir.write("out.json", r.out);
    if (std::system("command -v python3 > /dev/null 2>&1") == 0) {
        const std::string script = dir.write(
            "strict.py", "import json, sys\n"
                         "def refuse(c): raise ValueError('bare ' + c)\n"
                         "o = json.load(open(sys.argv[1]), parse_constant=refuse)['outputs']\n"
                         "assert o == {'a': '-Infinity', 'b': 'Infinity', 'c': 'NaN',\n"
                         "             'v': [0, 'Infinity']}, o\n"
                         "assert float(o['c']) != float(o['c']) and float(o['a']) < 0\n");
        CHECK(std::system(("python3 '" + script + "' '" + out + "'").c_str()) == 0);
    } else {
        WARN("python3 not found: the strict-JSON check by Python was skipped");
    }
    if (std::system("command -v jq > /dev/null 2>&1") == 0)
        CHECK(std::system(("jq -e '.outputs.c == \"NaN\"' '" + out + "' > /dev/null").c_str()) == 0);
    else
        WARN("jq not found: the strict-JSON check by jq was skipped");

    // and --set-file reads the encoding back (as well as Python's bare constants)
    const std::string back =
        dir.write("back.sd", "input a, b, c, v[2]\nexport id(a, b, c, v) -> s = a, t = b, u = c, w = v\n");
    const auto at = r.out.find("{\"a\"");
    const std::string outputs = dir.write("outputs.json", r.out.substr(at, r.out.size() - at - 2));
    const CliResult again = run_cli({"eval", back, "id", "--set-file", outputs, "--json"});
    CHECK(again.err.empty());
    CHECK(again.out == "{\"function\": \"id\", \"outputs\": {\"s\": \"-Infinity\", \"t\": "
                       "\"Infinity\", \"u\": \"NaN\", \"w\": [0, \"Infinity\"]}}\n");
    const std::string bare = dir.write("bare.json", "{\"a\": -Infinity, \"b\": Infinity, \"c\": "
                                                    "NaN, \"v\": [0, \"Infinity\"]}");
    CHECK(run_cli({"eval", back, "id", "--set-file", bare, "--json"}).out == again.out);
}

TEST_CASE("cli: --strict simplifies by the exact rules only, in gen, eval, check and compare") {
    // x y / x -> y is real algebra (div-mul-cancel): at x = 0 it turns NaN into y.
    TempDir dir;
    const std::string m = dir.write("r.sd", "input x, y\nexport e(x, y) -> r = x * y / x\n");
    const std::vector<std::string> at{"--set", "x=0", "--set", "y=3"};
    auto eval = [&](bool strict) {
        std::vector<std::string> args{"eval", m, "e"};
        args.insert(args.end(), at.begin(), at.end());
        if (strict)
            args.push_back("--strict");
        const CliResult r = run_cli(args);
        CHECK(r.code == 0);
        return r.out;
    };
    CHECK(eval(false) == "r = 3\n");
    CHECK(eval(true) == "r = NaN\n");

    const std::string loose = dir.file("loose.hpp"), strict = dir.file("strict.hpp");
    REQUIRE(run_cli({"gen", m, "-o", loose}).code == 0);
    REQUIRE(run_cli({"gen", m, "-o", strict, "--strict"}).code == 0);
    CHECK(read_file(loose).find(" / ") == std::string::npos);
    CHECK(read_file(strict).find(" / ") != std::string::npos);

    auto simplified_nodes = [&](bool strict_mode) {
        std::vector<std::string> args{"compare", m, "e", "--json"};
        args.insert(args.end(), at.begin(), at.end());
        if (strict_mode)
            args.push_back("--strict");
        const CliResult r = run_cli(args);
        REQUIRE(r.code == 0);
        std::smatch n;
        REQUIRE(std::regex_search(r.out, n, std::regex("\"nodes_simplified\": ([0-9]+)")));
        return std::stoi(n[1]);
    };
    CHECK(simplified_nodes(false) == 1); // y
    CHECK(simplified_nodes(true) == 4);  // x, y, x * y, / x
    // check holds the strictly simplified graph against the tape, which agrees with it
    // at random points (x != 0)
    CHECK(run_cli({"check", m, "--points", "2", "--strict"}).code == 0);
}

TEST_CASE("cli: eval --set-file, with --set overriding it") {
    TempDir dir;
    const std::string values = dir.write("values.json", "{\"x\": -2, \"y\": 5,\n \"z\": -4}\n");
    auto r = eval_cli({example("circuit.sd"), "f_grad", "--set-file", values});
    CHECK(r.at("f").item() == -12);
    r = eval_cli({example("circuit.sd"), "f_grad", "--set-file", values, "--set", "z=1"});
    CHECK(r.at("f").item() == 3);
    CHECK(r.at("dz").item() == 3);
}

TEST_CASE("cli: one --set-file for a whole model: values of other exports' inputs are left out") {
    TempDir dir;
    const std::string values = dir.write(
        "mlp.json",
        "{\"W1\": [[0.1, -0.2, 0.3], [0.4, 0.1, -0.3], [-0.2, 0.5, 0.2], [0.3, -0.1, 0.1]],\n"
        " \"b1\": [[0.1], [-0.1], [0.2], [0]], \"w2\": [[0.5, -0.4, 0.3, 0.2]], \"b2\": 0.1,\n"
        " \"X\": [[0.5, -1, 1.5, 0, 2], [1, 0.5, -0.5, 1.5, -1], [-0.5, 2, 1, -1.5, 0.5]],\n"
        " \"y\": [[1, 0, 1, 0.5, -0.5]]}\n");
    // predict does not take y; train does
    const auto p = eval_cli({example("mlp.sd"), "predict", "--set-file", values});
    CHECK(p.at("yhat").shape() == Shape{1, 5});
    const auto t = eval_cli({example("mlp.sd"), "train", "--set-file", values});
    CHECK(t.count("dW1") == 1);
    // the same for dot and compare
    CHECK(run_cli({"dot", example("mlp.sd"), "train", "--set-file", values}).code == 0);
    const CliResult c =
        run_cli({"compare", example("mlp.sd"), "predict", "--set-file", values, "--json"});
    INFO(c.err);
    CHECK(c.code == 0);
    // an explicit --set of an input the export does not take stays an error
    require_failure({"eval", example("mlp.sd"), "predict", "--set-file", values, "--set",
                     "y=[[1, 2, 3, 4, 5]]"},
                    "error: 'y' is not a parameter of 'predict'\n"
                    "hint: its parameters: W1, b1, w2, b2, X\n");
}

TEST_CASE("cli error: a --set-file name that is no input of the model, at its place") {
    TempDir dir;
    const std::string values = dir.write("v.json", "{\"x\": 1, \"y\": 2,\n \"zz\": 3, \"z\": 4}\n");
    for (const char* command : {"eval", "dot", "compare"})
        require_failure({command, example("circuit.sd"), "f_grad", "--set-file", values},
                        values + ":2:2: error: 'zz' is not an input of '" + example("circuit.sd") +
                            "' (its inputs: x, y, z)\n \"zz\": 3, \"z\": 4}\n ^\n");
    require_failure({"check", example("circuit.sd"), "--set-file", values},
                    values + ":2:2: error: 'zz' is not an input of '" + example("circuit.sd") +
                        "' (its inputs: x, y, z)\n \"zz\": 3, \"z\": 4}\n ^\n");
}

TEST_CASE("cli: an export whose signature keeps a parameter no result uses") {
    // The slope of x^2 + y does not depend on y; the signature stays slope(x, y).
    TempDir dir;
    const std::string m =
        dir.write("slope.sd", "input x, y\nf = x * x + y\nexport slope(x, y) -> g = grad(f, x)\n");
    const std::string header = dir.file("slope.hpp");
    REQUIRE(run_cli({"gen", m, "-o", header}).code == 0);
    CHECK(read_file(header).find("slope(const double* SYMDIFF_RESTRICT x, [[maybe_unused]] const "
                                 "double* SYMDIFF_RESTRICT y, double* SYMDIFF_RESTRICT g)") !=
          std::string::npos);
    CHECK(eval_cli({m, "slope", "--set", "x=3", "--set", "y=1"}).at("g").item() == 6);
    require_failure({"eval", m, "slope", "--set", "x=3"},
                    "error: no value for parameter 'y' of 'slope'\n"
                    "hint: give each with --set NAME=VALUE or --set-file F.json\n");
    if (const auto cxx = find_cxx_compiler()) { // clean under the contract's warnings
        const std::string main = dir.write(
            "main.cpp", "#include \"slope.hpp\"\nint main() {\n  const double x = 3, y = 1;\n"
                        "  double g = 0;\n  slope::slope(&x, &y, &g);\n  return g == 6 ? 0 : 1;\n}\n");
        const std::string cmd = "'" + *cxx + "' -std=c++17 -Wall -Wextra -Wpedantic -Werror '" +
                                main + "' -o '" + dir.file("main") + "' && '" + dir.file("main") +
                                "'";
        CHECK(std::system(cmd.c_str()) == 0);
    }
    const CliResult c = run_cli({"check", m, "--points", "2"});
    INFO(c.out << c.err);
    CHECK(c.code == 0);
    CHECK(run_cli({"compare", m, "slope", "--json"}).code == 0);
    CHECK(run_cli({"dot", m, "slope", "--set", "x=1", "--set", "y=2"}).code == 0);
}

TEST_CASE("cli error: --set-file errors are located in the JSON file") {
    TempDir dir;
    const std::string values = dir.write("values.json", "{\"x\": -2,\n \"y\": [5,\n}\n");
    require_failure({"eval", example("circuit.sd"), "f_grad", "--set-file", values},
                    values + ":3:1: error: expected a number or a list, got '}'\n}\n^\n");
    const std::string missing = dir.file("none.json");
    require_failure({"eval", example("circuit.sd"), "f_grad", "--set-file", missing},
                    "error: cannot read '" + missing + "': No such file or directory\n");
}

TEST_CASE("cli error: unknown export, in every command that names one") {
    for (const char* command : {"eval", "dot", "compare"})
        require_failure({command, example("norm.sd"), "nope"},
                        "error: '" + example("norm.sd") +
                            "' has no export 'nope'\nhint: its exports: loss, loss_grad\n");
}

TEST_CASE("cli error: --set without NAME=VALUE") {
    const std::string hint = "hint: for example --set x=0.5 or --set 'W=[[1,2],[3,4]]'\n";
    require_failure({"eval", example("circuit.sd"), "f_grad", "--set", "x"},
                    "error: --set needs NAME=VALUE, got 'x'\n" + hint);
    require_failure({"eval", example("circuit.sd"), "f_grad", "--set", "=1"},
                    "error: --set needs NAME=VALUE, got '=1'\n" + hint);
}

TEST_CASE("cli error: a name set twice") {
    require_failure({"eval", example("circuit.sd"), "f_grad", "--set", "x=1", "--set", "x=2"},
                    "error: 'x' is set twice\nhint: give each value once\n");
}

TEST_CASE("cli error: a value that does not parse") {
    require_failure(
        {"eval", example("norm.sd"), "loss", "--set", "W=[[1,2],[3]]", "--set", "x=[1,2]"},
        "error: --set W: ragged list: element 2 has shape [1], element 1 has [2] (at character 8 "
        "of the value)\n");
    require_failure(
        {"eval", example("circuit.sd"), "f_grad", "--set", "x=one"},
        "error: --set x: expected a number or a list, got 'o' (at character 1 of the value)\n");
}

TEST_CASE("cli error: a value for a name that is not a parameter") {
    require_failure({"eval", example("circuit.sd"), "f_grad", "--set", "q=1"},
                    "error: 'q' is not a parameter of 'f_grad'\nhint: its parameters: x, y, z\n");
}

TEST_CASE("cli error: a value of the wrong shape") {
    require_failure(
        {"eval", example("norm.sd"), "loss", "--set", "W=[1,2,3,4]", "--set", "x=[1,2]"},
        "error: 'W' needs shape [2,2], got a value of shape [4]\n");
    require_failure(
        {"eval", example("norm.sd"), "loss", "--set", "W=[[1,2],[3,4]]", "--set", "x=1"},
        "error: 'x' needs shape [2], got a scalar\n");
    require_failure({"eval", example("circuit.sd"), "f_grad", "--set", "x=[1]"},
                    "error: 'x' needs a scalar, got a value of shape [1]\n");
}

TEST_CASE("cli error: parameters without a value") {
    const std::string hint = "hint: give each with --set NAME=VALUE or --set-file F.json\n";
    require_failure({"eval", example("circuit.sd"), "f_grad", "--set", "x=1", "--set", "y=1"},
                    "error: no value for parameter 'z' of 'f_grad'\n" + hint);
    require_failure({"eval", example("circuit.sd"), "f_grad", "--set", "y=1"},
                    "error: no values for parameters 'x', 'z' of 'f_grad'\n" + hint);
}

TEST_CASE("cli error: gen to a path that names no file") {
    TempDir dir;
    const std::string out = dir.file("") + "/";
    require_failure({"gen", example("circuit.sd"), "-o", out},
                    "error: cannot write '" + out + "': not a file name\n");
    CHECK(dir.entries().empty());
}

TEST_CASE("cli: options may come in any order, and '--' ends them") {
    auto r = eval_cli(
        {"--set", "x=-2", "--set", "y=5", "--set", "z=-4", "--", example("circuit.sd"), "f_grad"});
    CHECK(r.at("f").item() == -12);
    require_failure({"eval", "--", example("circuit.sd"), "f_grad", "--json"},
                    "error: unexpected argument '--json'\n"
                    "hint: usage: symdiff eval MODEL.sd FN [--set NAME=VALUE ...] [--set-file "
                    "F.json] [--json] [--strict] [--checkpoint N|sqrt]\n");
}
