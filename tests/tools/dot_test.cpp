// `symdiff dot`, in-process: the lecture circuit's values and gradients against numbers
// computed here, which nodes count as made by differentiation, -o, one test per error
// message, and Graphviz's own `dot -Tsvg` on every export of every example (with and
// without values, raw and simplified) and on odd names, with no warning allowed.
#include "tools/tools_test_util.hpp"

#include "core/differentiate.hpp"
#include "core/dot.hpp"
#include "core/expr.hpp"

#include <cstdlib>

using namespace symdiff;
using namespace symdiff::test;

namespace {

const std::string dot_hint = "give each with --set NAME=VALUE or --set-file F.json";

// The one line of `dot` for which `pick` holds; fails the test otherwise.
template <class Pick> std::string line_where(const std::string& dot, Pick pick) {
    std::istringstream lines(dot);
    std::vector<std::string> found;
    for (std::string line; std::getline(lines, line);)
        if (pick(line))
            found.push_back(line);
    INFO(dot);
    REQUIRE(found.size() == 1);
    return found[0];
}

// The node statement whose label starts with `text`, and its DOT id ("n3").
std::string node_labelled(const std::string& dot, const std::string& text) {
    return line_where(dot, [&](const std::string& l) {
        return l.starts_with("n") && (l.find("[label=<" + text + "<BR/>") != std::string::npos ||
                                      l.find("[label=<" + text + ">") != std::string::npos);
    });
}
std::string id_of(const std::string& node_statement) {
    return node_statement.substr(0, node_statement.find('['));
}

std::string in_colour(const std::string& s, std::string_view colour) {
    const std::string open = "<FONT COLOR=\"" + std::string(colour) + "\">";
    const auto at = s.find(open);
    REQUIRE(at != std::string::npos);
    const auto from = at + open.size();
    return s.substr(from, s.find("</FONT>", from) - from);
}

std::string graphviz_dot() {
    const bool found = std::system("command -v dot > /dev/null 2>&1") == 0;
    INFO("Graphviz's `dot` is needed for these tests (tests/install-deps.sh installs it)");
    REQUIRE(found);
    return "dot";
}

// Renders `text` with `dot -Tsvg`; requires exit status 0, an SVG, and no message at all.
void require_graphviz_accepts(const std::string& text, const std::string& what) {
    TempDir dir;
    const std::string in = dir.write("in.dot", text), out = dir.file("out.svg"),
                      err = dir.file("err.txt");
    const std::string cmd =
        graphviz_dot() + " -Tsvg '" + in + "' -o '" + out + "' 2> '" + err + "'";
    const int status = std::system(cmd.c_str());
    INFO(what << "\n" << read_file(err) << "\n" << text.substr(0, 2000));
    CHECK(status == 0);
    CHECK(read_file(err).empty());
    CHECK(read_file(out).find("<svg") != std::string::npos);
}

// Deterministic values for every parameter of `f`, as --set arguments.
std::vector<std::string> set_args(const Model& m, const Function& f) {
    std::vector<std::string> args;
    int k = 0;
    for (NodeId p : f.params) {
        const Graph& g = *m.graph;
        Tensor t(g[p].shape);
        for (std::size_t i = 0; i < t.size(); ++i)
            t[i] = 0.3 + 0.1 * static_cast<double>(k++ % 7);
        std::ostringstream value;
        write_json(value, t);
        args.push_back("--set");
        args.push_back(g.inputs()[static_cast<std::size_t>(g[p].input_index())].name + "=" +
                       value.str());
    }
    return args;
}

bool has_scalar_to_differentiate(const Model& m, std::size_t e) {
    const Graph& g = *m.graph;
    for (const auto& spec : m.result_specs[e])
        if (spec && g[spec->function].shape.is_scalar())
            return true;
    for (const Function::Result& r : m.exports[e].results)
        if (g[r.node].shape.is_scalar())
            return true;
    return false;
}

void require_failure(const std::vector<std::string>& args, const std::string& err) {
    const CliResult r = run_cli(args);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == err);
}

} // namespace

TEST_CASE("dot: the lecture circuit f = (x + y) z at x = -2, y = 5, z = -4") {
    const CliResult r = run_cli(
        {"dot", example("circuit.sd"), "f_grad", "--set", "x=-2", "--set", "y=5", "--set", "z=-4"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    const std::string& dot = r.out;
    // by hand: q = x + y, f = q z; df/dq = z, df/dz = q, df/dx = df/dy = df/dq
    const double x = -2, y = 5, z = -4, q = x + y, f = q * z;
    const double df_dq = z, df_dz = q, df_dx = df_dq, df_dy = df_dq;
    REQUIRE(q == 3);
    REQUIRE(f == -12);
    const auto num = [](double v) { return dot_number(v); };

    const std::string nx = node_labelled(dot, "x"), ny = node_labelled(dot, "y"),
                      nz = node_labelled(dot, "z"), nq = node_labelled(dot, "add"),
                      nf = node_labelled(dot, "mul");
    const auto wire = [&](const std::string& from, const std::string& to) {
        return line_where(dot, [&](const std::string& l) {
            return l.starts_with(id_of(from) + "->" + id_of(to) + " ");
        });
    };
    const auto result = [&](const std::string& name) { // the wire into result sink `name`
        const std::string sink = line_where(dot, [&](const std::string& l) {
            return l.find("[shape=plaintext, label=<<B>" + name + "</B>>]") != std::string::npos;
        });
        const std::string rid = sink.substr(0, sink.find(' '));
        return line_where(dot, [&](const std::string& l) {
            return l.find(" -> " + rid + " ") != std::string::npos;
        });
    };
    // forward values on the wires
    CHECK(in_colour(wire(nx, nq), dot_value_colour) == num(x));
    CHECK(in_colour(wire(ny, nq), dot_value_colour) == num(y));
    CHECK(in_colour(wire(nq, nf), dot_value_colour) == num(q));
    CHECK(in_colour(wire(nz, nf), dot_value_colour) == num(z));
    CHECK(in_colour(result("f"), dot_value_colour) == num(f));
    CHECK(in_colour(result("f"), dot_value_colour) == "-12");
    CHECK(in_colour(wire(nq, nf), dot_value_colour) == "3");
    // gradients on the nodes
    CHECK(in_colour(nf, dot_gradient_colour) == "1");
    CHECK(in_colour(nq, dot_gradient_colour) == num(df_dq));
    CHECK(in_colour(nz, dot_gradient_colour) == num(df_dz));
    CHECK(in_colour(nx, dot_gradient_colour) == num(df_dx));
    CHECK(in_colour(ny, dot_gradient_colour) == num(df_dy));
    CHECK(in_colour(nq, dot_gradient_colour) == "-4");
    CHECK(in_colour(nz, dot_gradient_colour) == "3");
    // the results dx, dy, dz are wires out of z, z and q: the chain rule, drawn
    CHECK(result("dx").starts_with(id_of(nz) + " -> "));
    CHECK(result("dy").starts_with(id_of(nz) + " -> "));
    CHECK(result("dz").starts_with(id_of(nq) + " -> "));
    CHECK(in_colour(result("dz"), dot_value_colour) == num(df_dz));
    CHECK_THAT(dot, Catch::Matchers::Contains("f_grad(x, y, z) at x = -2, y = 5, z = -4"));
    CHECK_THAT(dot, Catch::Matchers::Contains("red: d f / d node"));
}

TEST_CASE("dot: the neuron's backward pass is marked, its forward pass is not") {
    const CliResult r = run_cli({"dot", example("neuron.sd"), "neuron"});
    REQUIRE(r.code == 0);
    const std::string& dot = r.out;
    CHECK(dot.find("COLOR") == std::string::npos); // no values given: no numbers
    for (const char* forward : {"w [3]", "x [2]", "sigmoid"})
        CHECK_THAT(node_labelled(dot, forward), !Catch::Matchers::Contains("filled"));
    // sigmoid' = f (1 - f), and the adjoint of each w[i] embedded back into a vector
    CHECK_THAT(node_labelled(dot, "sub"), Catch::Matchers::Contains("filled"));
    const auto embeds = line_where(dot, [](const std::string& l) {
        return l.find("[label=<embed [3]<BR/><FONT POINT-SIZE=\"10\">at [2]</FONT>") !=
               std::string::npos;
    });
    CHECK_THAT(embeds, Catch::Matchers::Contains("filled"));
    CHECK_THAT(dot, Catch::Matchers::Contains("subgraph cluster_backward {"));
    // every forward node (the primal function's) stays outside the cluster
    const auto from = dot.find("subgraph cluster_backward");
    const std::string cluster = dot.substr(from, dot.find('}', from) - from);
    CHECK(cluster.find(id_of(node_labelled(dot, "sigmoid")) + ";") == std::string::npos);
    CHECK(cluster.find(id_of(node_labelled(dot, "sub")) + ";") != std::string::npos);
}

TEST_CASE("dot: a derivative defined at top level and used inside a result is drawn apart") {
    // g = grad(f, x) is a definition; k = 3 * g is not a derivative, yet holds one.
    TempDir dir;
    const std::string m = dir.write("w.sd", "input x\nf = sin(x) * x\ng = grad(f, x)\n"
                                            "export e(x) -> k = 3 * g\nexport d(x) -> g\n");
    for (const char* fn : {"e", "d"}) {
        for (const bool simplify : {false, true}) {
            std::vector<std::string> args{"dot", m, fn, "--set", "x=0.5"};
            if (simplify)
                args.push_back("--simplify");
            const CliResult r = run_cli(args);
            INFO(fn << (simplify ? " --simplify\n" : "\n") << r.out << r.err);
            REQUIRE(r.code == 0);
            const std::string& dot = r.out;
            CHECK_THAT(node_labelled(dot, "cos"), Catch::Matchers::Contains("filled"));
            CHECK_THAT(node_labelled(dot, "sin"), !Catch::Matchers::Contains("filled"));
            CHECK_THAT(dot, Catch::Matchers::Contains("subgraph cluster_backward {"));
            if (std::string(fn) == "e") // 3 * g: computed from the derivative, not by it
                CHECK_THAT(node_labelled(dot, "3"), !Catch::Matchers::Contains("filled"));
        }
    }
}

TEST_CASE("dot: a zero is drawn as 0, never -0") {
    CHECK(dot_number(-0.0) == "0");
    CHECK(dot_value(Tensor(Shape{2}, {-0.0, 1})) == "[0, 1]");
    TempDir dir;
    const std::string m =
        dir.write("z.sd", "input x, y\nf = x * x * y\nexport e(x, y) -> f, d = grad(f, x)\n");
    const CliResult r = run_cli({"dot", m, "e", "--set", "x=0", "--set", "y=-1"});
    REQUIRE(r.code == 0);
    CHECK(r.out.find(">0</FONT>") != std::string::npos);
    CHECK(r.out.find("-0<") == std::string::npos);
}

TEST_CASE("dot -o writes the file atomically and nothing to stdout") {
    TempDir dir;
    const std::string out = dir.write("neuron.dot", "old content\n");
    const std::vector<std::string> args{
        "dot", example("neuron.sd"), "neuron", "--set", "w=[2,-3,-3]", "--set", "x=[-1,-2]"};
    const CliResult to_stdout = run_cli(args);
    REQUIRE(to_stdout.code == 0);
    std::vector<std::string> with_o = args;
    with_o.insert(with_o.end(), {"-o", out});
    const CliResult r = run_cli(with_o);
    CHECK(r.code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.empty());
    CHECK(read_file(out) == to_stdout.out);
    CHECK(dir.entries() == std::vector<std::string>{"neuron.dot"}); // no temporary left
    CHECK_THAT(to_stdout.out, Catch::Matchers::Contains("neuron(w, x) at w = [2, -3, -3], "
                                                        "x = [-1, -2]"));
}

TEST_CASE("dot --simplify draws the simplified graph") {
    const std::vector<std::string> args{"dot", example("norm.sd"), "loss_grad"};
    const CliResult raw = run_cli(args);
    std::vector<std::string> simple_args = args;
    simple_args.push_back("--simplify");
    const CliResult simple = run_cli(simple_args);
    REQUIRE(raw.code == 0);
    REQUIRE(simple.code == 0);
    const auto nodes = [](const std::string& dot) {
        std::size_t n = 0;
        std::istringstream lines(dot);
        for (std::string line; std::getline(lines, line);)
            n += line.starts_with("n") && line.find("[label=<") != std::string::npos;
        return n;
    };
    CHECK(nodes(simple.out) < nodes(raw.out));
}

TEST_CASE("dot error: unknown export") {
    const std::string m = example("circuit.sd");
    require_failure({"dot", m, "nope"},
                    "error: '" + m + "' has no export 'nope'\nhint: its exports: f_grad\n");
}

TEST_CASE("dot error: missing --set values") {
    require_failure({"dot", example("circuit.sd"), "f_grad", "--set", "x=1"},
                    "error: no values for parameters 'y', 'z' of 'f_grad'\nhint: " + dot_hint +
                        "\n");
}

TEST_CASE("dot error: unwritable -o path") {
    TempDir dir;
    const std::string out = dir.file("missing/f.dot");
    require_failure({"dot", example("circuit.sd"), "f_grad", "-o", out},
                    "error: cannot write '" + out + "': No such file or directory\n");
    CHECK(dir.entries().empty());
}

TEST_CASE("dot error: values given but no scalar to take gradients of") {
    TempDir dir;
    const std::string m = dir.write("v.sd", "input x[2]\n"
                                            "export twice(x) -> y = 2 * x\n");
    require_failure({"dot", m, "twice", "--set", "x=[1,2]"},
                    m + ":2:8: error: export 'twice' has no scalar result, so there is nothing "
                        "to take gradients of (draw it without values, or export a scalar such "
                        "as a sum)\n"
                        "export twice(x) -> y = 2 * x\n"
                        "       ^\n");
    CHECK(run_cli({"dot", m, "twice"}).code == 0); // without values it draws
}

TEST_CASE("dot: every export of every example is valid Graphviz, with and without values") {
    for (const auto& entry : std::filesystem::directory_iterator(example(""))) {
        if (entry.path().extension() != ".sd")
            continue;
        const std::string path = entry.path().string();
        const Model m = load_model(path);
        for (std::size_t e = 0; e < m.exports.size(); ++e) {
            const Function& f = m.exports[e];
            for (const bool simplify : {false, true}) {
                std::vector<std::string> args{"dot", path, f.name};
                if (simplify)
                    args.push_back("--simplify");
                const CliResult plain = run_cli(args);
                INFO(path << " " << f.name << (simplify ? " --simplify" : "") << "\n" << plain.err);
                REQUIRE(plain.code == 0);
                require_graphviz_accepts(plain.out, path + " " + f.name);

                const std::vector<std::string> values = set_args(m, f);
                args.insert(args.end(), values.begin(), values.end());
                const CliResult numbers = run_cli(args);
                INFO(numbers.err);
                if (!has_scalar_to_differentiate(m, e)) {
                    CHECK(numbers.code == 2);
                    CHECK_THAT(numbers.err, Catch::Matchers::Contains("has no scalar result"));
                    continue;
                }
                REQUIRE(numbers.code == 0);
                CHECK_THAT(numbers.out,
                           Catch::Matchers::Contains(std::string(dot_gradient_colour)));
                require_graphviz_accepts(numbers.out, path + " " + f.name + " with values");
            }
        }
    }
}

TEST_CASE("dot: odd names through the C++ API are valid Graphviz") {
    Graph g;
    // Inputs name parameters of generated code, so they are identifiers (input() refuses
    // others); titles and result names may hold anything.
    CHECK_THROWS_AS(input(g, "say \"hi\" \\N \\\\"), Error);
    const Expr a = input(g, "a");
    const Expr b = input(g, "b");
    const Expr f = sin(a) * b;
    const Expr da = grad(f, a);
    Bindings values(g);
    values.set(0, Tensor(0.5));
    values.set(1, Tensor(-2.0));
    DotOptions o;
    o.title = "\"quoted\" \\ title\n<second line>";
    o.results = {{"f \"1\"", f.id()}, {"d\\a\n", da.id()}};
    o.primal = {f.id()};
    o.gradient_of = f.id();
    const std::vector<NodeId> roots{f.id(), da.id()};
    DotNumbers numbers = dot_numbers(g, roots, f.id(), values);
    o.values = std::move(numbers.values);
    o.gradients = std::move(numbers.gradients);
    std::ostringstream text;
    write_dot(text, g, roots, o);
    require_graphviz_accepts(text.str(), "odd names");
}

TEST_CASE("dot: a loop's body is drawn in a box, values and gradients only outside it") {
    TempDir dir;
    const std::string model = dir.write("m.sd", "input x, w\n"
                                                "def f(c) = sin(c * w)\n"
                                                "y = fold(f, x, 3)\n"
                                                "export e(x, w) -> y, dw = grad(y, w)\n");
    const CliResult r = run_cli({"dot", model, "e", "--set", "x=2", "--set", "w=0.5"});
    REQUIRE(r.code == 0);
    const std::string& dot = r.out;
    // the primal loop's body: its carry, the product and the sine, in a box of its own
    const std::string fold = id_of(line_where(dot, [](const std::string& l) {
        return l.starts_with("n") && l.find("[label=<fold_loop<BR/><FONT POINT-SIZE=\"10\">3 steps</FONT>") !=
                                         std::string::npos;
    }));
    const auto from = dot.find("subgraph cluster_loop" + fold.substr(1) + " {");
    REQUIRE(from != std::string::npos);
    const std::string box = dot.substr(from, dot.find('}', from) - from);
    CHECK_THAT(box, Catch::Matchers::Contains("label=<body of loop " + fold + ": 3 steps>"));
    // (the gradient's forward scan has a sine of its own, made by differentiation: filled)
    auto primal = [&](const std::string& text) {
        return line_where(dot, [&](const std::string& l) {
            return l.starts_with("n") && l.find("[label=<" + text + ">") != std::string::npos &&
                   l.find("fillcolor") == std::string::npos;
        });
    };
    for (const char* inside : {"sin", "carry"})
        CHECK(box.find(id_of(primal(inside)) + ";") != std::string::npos);
    // a body node has a value per step: none is written on it
    CHECK(primal("sin").find("COLOR") == std::string::npos);
    // the forward scan keeps the cosine of each step for the reverse loop
    CHECK_THAT(dot, Catch::Matchers::Contains("3 steps, every carry after a step and what the reverse loop reads of it"));
    // the reverse loop of the gradient is boxed inside the backward pass
    CHECK_THAT(dot, Catch::Matchers::Contains("3 steps, backwards>"));
    require_graphviz_accepts(dot, "a model with a loop");
}
