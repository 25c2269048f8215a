// `symdiff check`: it passes on every example and on models using every op and every
// kind of derivative, listing each result; it fails, naming the result, when a symbolic
// derivative is corrupted through the library; unreliable differences are skipped and
// said so; missing or failing compilers; one test per error message of check.
#include "tools/check.hpp"

#include "core/differentiate.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"
#include "tools/tools_test_util.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

using namespace symdiff;
using namespace symdiff::test;

namespace {

// The whitespace-separated cells of the table line of export `fn`, result `result`.
std::vector<std::string> row_cells(const std::string& table, const std::string& fn,
                                   const std::string& result) {
    std::istringstream lines(table);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::vector<std::string> cells;
        for (std::string w; words >> w;)
            cells.push_back(w);
        if (cells.size() >= 10 && cells[0] == fn && cells[1] == result)
            return cells;
    }
    return {};
}

// The kind column of a result as check prints it.
std::string kind_of(const std::optional<DerivativeSpec>& s) { return kind_name(s); }

const CheckRow& row(const CheckReport& r, const std::string& fn, const std::string& result) {
    const auto it = std::find_if(r.rows.begin(), r.rows.end(), [&](const CheckRow& x) {
        return x.export_name == fn && x.result_name == result;
    });
    REQUIRE(it != r.rows.end());
    return *it;
}

std::string table_of(const CheckReport& r) {
    std::ostringstream s;
    print_check_report(s, r);
    return s.str();
}

// Every derivative row was compared by the tape (unless it refuses), by finite
// differences (when they apply) and, with a compiler, by the compiled code.
void require_all_checked(const CheckReport& r) {
    const bool compiler = find_cxx_compiler().has_value();
    for (const CheckRow& x : r.rows) {
        INFO(x.export_name << "." << x.result_name << " (" << x.kind << ")\n" << table_of(r));
        CHECK(x.ok());
        if (x.tape.applies)
            CHECK(x.tape.compared > 0);
        if (x.fd.applies)
            CHECK(x.fd.compared > 0);
        if (compiler)
            CHECK(x.compiled.compared > 0);
    }
}

// The language (docs/language.md): every element-wise function, comparison, operator, literal form and
// indexing form, with grad, jvp, jacobian and hessian results, and the Hessian-vector
// product forward over reverse (fr) and reverse over forward (rf).
const std::string elementwise_model = R"(# every element-wise function of the language
input x[3], y[3]
a = exp(x) + log(1 + x^2) + sqrt(2 + y) + sin(x) * cos(y) + tan(x / 2) + tanh(y)
b = sigmoid(x - y) + relu(x - 0.1) + abs(y) + log1p(x^2) + expm1(y / 2) + softplus(x)
c = pow(2 + x, y) + max(x, y) + min(x, -y) + (2 + x) ^ 2 ^ 0.5 * 1e-3 - -0.5 * pi
d = where(x > y, x * y, x - y) + where(x < 0.3, 2 * x, y) + where(x >= y, x, 0) +
    where(x <= -y, y, x) + where(x == y, x, y) + where(x != 0.25, x * x, y)
f = sum(a * b + c * d) / 3
q = a * b - c
export values(x, y) -> a, b, c, d
export grads(x, y) -> f, dx = grad(f, x), dy = grad(f, y)
export forward(x, y) -> t = jvp(q, x, y), u = jvp(f, y, x)
export second(x, y) -> H = hessian(f, x), Hy = hessian(f, y), J = jacobian(q, x),
    Jd = jacobian(d, y), fr = jvp(grad(f, x), x, y), rf = grad(jvp(f, x, y), x)
)";

// Every structural function, matrix product form and indexing form, with grad,
// jacobian (both modes), hessian and jvp results, and a jvp of a Hessian (a Jacobian loop
// in the function it differentiates).
const std::string structural_model = R"(# every structural function of the language
input x[3], y[3], A[3, 3], B[2, 3]
m1 = A @ x + x @ A + (A @ A)[0] + transpose(B) @ (B @ y)
m2 = x @ y + dot(x, y)
s = sum(x) + sum(A) + sum(sum(A, 0) * sum(A, 1)) + mean(x) + mean(mean(A, 1))
t = transpose(A) @ x + transpose(B) @ B[:, 1]
p = softmax(x, 0) + softmax(A, 1)[2] + logsumexp(A, 0) + logsumexp(x) * ones(3)
r = amax(A, 0) + amin(A, -1) * amax(x) + prod(A, 1) / 10 + prod(x) * amin(y) * ones(3)
z = zeros(3) + ones(3, 3)[1] + eye(3)[2] + reshape(A, 9)[0:3] + reshape(x, 1, 3)[0]
st = stack(x, y)[1] + concat(x, y)[2:5] + diag(x)[1] + tril(A)[2]
ix = x[0] * A[1, 2] + A[1] + A[:, 1] + sum(A[0:2, 1:3]) + x[1:3][0]
v = m1 * t + p * z + st * ix + r
f = sum(v * v) / 10 + m2 * s
export structural(x, y, A, B) -> f, dx = grad(f, x), dA = grad(f, A), dB = grad(f, B)
export jacobians(x, y, A, B) -> Jx = jacobian(v, x), Jw = jacobian(m2 * v[0:2], A)
export hessians(x, y, A, B) -> Hx = hessian(f, x), Hy = hessian(f, y)
export forward(x, y, A, B) -> tv = jvp(v, x, y), tf = jvp(f, A, transpose(A)),
    T = jvp(hessian(f, x), x, y)
)";

// diff of scalar functions, jvp through a Hessian loop (the tape refuses it), nested grads.
const std::string scalar_model = R"(# higher derivatives of scalars
input s, t
g = s^3 * exp(sin(s)) + t * log(2 + cos(s)) + sigmoid(s * t)
h = tanh(s) * softplus(t)
export diffs(s, t) -> g, d0 = diff(g, s, 0), d1 = diff(g, s, 1), d3 = diff(g, s, 3),
    dt2 = diff(h, t, 2), gt = grad(grad(g, s), t)
)";

// Every function of the op table that the language calls, each operand squashed into
// the op's test domain: written from the table, so a new op is checked here with no edit.
std::string table_model() {
    std::string terms;
    for (int k = 0; k < op_count; ++k)
        visit(static_cast<Op>(k), [&](auto entry) {
            using E = decltype(entry);
            if constexpr (E::kind == OpKind::elementwise) {
                if (E::syntax.precedence < 0) { // and, or, not: a condition of where
                    const std::string sym(E::syntax.symbol);
                    const std::string c = E::arity == 1 ? sym + " x > y" : "x > y " + sym + " y < 0.5";
                    terms += std::string(terms.empty() ? "" : " +\n    ") + "where(" + c + ", x, y)";
                    return;
                }
                if (!E::syntax.call)
                    return;
                std::string call = std::string(E::name) + "(";
                for (std::size_t i = 0; i < static_cast<std::size_t>(E::arity); ++i) {
                    const Interval d = E::test_domain[i];
                    const char* v = i % 2 ? "y" : "x";
                    call += i ? ", " : "";
                    if (i == 0 && E::syntax.takes_condition)
                        call += "x > y";
                    else
                        call += "(" + std::to_string(d.lo) + " + " + std::to_string(d.hi - d.lo) +
                                " * sigmoid(" + v + "))";
                }
                terms += (terms.empty() ? "" : " +\n    ") + call + ")";
            }
        });
    return "input x[3], y[3]\nv = " + terms +
           "\nf = sum(v * v) / 3\n"
           "export values(x, y) -> v\n"
           "export grads(x, y) -> f, dx = grad(f, x), dy = grad(f, y)\n"
           "export second(x, y) -> H = hessian(f, x), J = jacobian(v, y), t = jvp(v, x, y)\n";
}

const std::string generated_model = table_model();

} // namespace

TEST_CASE("check passes on every example model and lists each derivative result") {
    std::vector<std::string> models;
    for (const auto& e : std::filesystem::directory_iterator(example("")))
        if (e.path().extension() == ".sd")
            models.push_back(e.path().string());
    std::sort(models.begin(), models.end());
    REQUIRE(models.size() >= 8);
    const bool compiler = find_cxx_compiler().has_value();
    for (const std::string& path : models) {
        const CliResult r = run_cli({"check", path});
        INFO(path << "\n" << r.out << r.err);
        CHECK(r.code == 0);
        CHECK(r.err.empty());
        CHECK(r.out.find("results agree") != std::string::npos);
        const Model m = load_model(path);
        for (std::size_t e = 0; e < m.exports.size(); ++e) {
            for (std::size_t k = 0; k < m.exports[e].results.size(); ++k) {
                const std::vector<std::string> cells =
                    row_cells(r.out, m.exports[e].name, m.exports[e].results[k].name);
                INFO(m.exports[e].name << "." << m.exports[e].results[k].name);
                REQUIRE(!cells.empty());
                CHECK(cells.back() == "ok");
                CHECK(cells[2] == kind_of(m.result_specs[e][k]).substr(0, cells[2].size()));
                const std::size_t n = cells.size(); // ... tape abs, tape rel, compiled abs,
                CHECK(cells[n - 7] != "-");         // compiled rel, fd abs, fd rel, verdict
                if (compiler)
                    CHECK(cells[n - 5] != "-");
                if (m.result_specs[e][k])
                    CHECK(cells[n - 3] != "-");
            }
        }
    }
}

TEST_CASE("check: Hessians, Jacobians and JVPs of models using every op agree with the tape, "
          "the compiled code and differences of the gradient") {
    for (const std::string* text :
         {&elementwise_model, &structural_model, &scalar_model, &generated_model}) {
        CheckOptions opt;
        opt.points = 2;
        opt.seed = 7;
        Check c(parse_model(*text, "ops.sd"), opt);
        const CheckReport r = c.run();
        INFO(table_of(r));
        CHECK(r.ok());
        require_all_checked(r);
        std::size_t derivatives = 0;
        for (const CheckRow& x : r.rows)
            derivatives += x.kind != "value";
        CHECK(derivatives >= 4);
    }
}

TEST_CASE("check: the functions those Hessians, Jacobians and JVPs differentiate use every op "
          "of core's table") {
    // The ops in what the second-order and forward results differentiate (primal), and in
    // every derivative graph (derived). The language cannot write diag_part and
    // strong_mul: differentiation makes them (of diag, and of masks under sums), and
    // tests/core/higher_order_ops_test.cpp differentiates them again through the C++ API.
    std::set<Op> primal, derived;
    for (const std::string* text :
         {&elementwise_model, &structural_model, &scalar_model, &generated_model}) {
        const Model m = parse_model(*text, "ops.sd");
        for (std::size_t e = 0; e < m.exports.size(); ++e) {
            const Function& f = m.exports[e];
            for (std::size_t k = 0; k < f.results.size(); ++k) {
                const auto& spec = m.result_specs[e][k];
                const NodeId result = f.results[k].node;
                for (NodeId id : reachable(*m.graph, std::span<const NodeId>(&result, 1)))
                    derived.insert((*m.graph)[id].op);
                using K = DerivativeSpec::Kind;
                if (!spec || spec->kind == K::grad || spec->kind == K::diff)
                    continue;
                std::vector<NodeId> roots = {spec->function};
                if (spec->tangent != no_node)
                    roots.push_back(spec->tangent);
                for (NodeId id : reachable(*m.graph, roots))
                    primal.insert((*m.graph)[id].op);
            }
        }
    }
    std::string missing;
    for (int k = 0; k < op_count; ++k) {
        const Op op = static_cast<Op>(k);
        const bool derivative_only = op == Op::DiagPart || op == Op::StrongMul;
        if (op == Op::Carry || op == Op::Elem || op == Op::Fold) // loops of the model: tests/tools/loops_test.cpp checks them
            continue;
        if (!(derivative_only ? derived : primal).count(op))
            missing += " " + std::string(name(op));
    }
    INFO("ops missing:" << missing);
    CHECK(missing.empty());
}

TEST_CASE("check fails and names the result when a symbolic derivative is corrupted") {
    const std::string text = "input x, y, z\nq = x * y + sin(z)\nf = q * exp(z)\n"
                             "export f_grad(x, y, z) -> f, dx = grad(f, x), dy = grad(f, y), "
                             "dz = grad(f, z)\n";
    CheckOptions opt;
    opt.points = 2;
    SECTION("a gradient scaled by 1.001") {
        Check c(parse_model(text, "corrupt.sd"), opt);
        Function& f = c.symbolic(0);
        Graph& g = *c.model().graph;
        f.results[1].node = (Expr(g, f.results[1].node) * 1.001).id();
        const CheckReport r = c.run();
        const std::string table = table_of(r);
        INFO(table);
        CHECK_FALSE(r.ok());
        const CheckRow& dx = row(r, "f_grad", "dx");
        CHECK_FALSE(dx.ok());
        CHECK_FALSE(dx.tape.ok);
        CHECK_FALSE(dx.fd.ok);
        CHECK(dx.compiled.ok); // the compiled code is emitted from the corrupted graph
        for (const char* other : {"f", "dy", "dz"})
            CHECK(row(r, "f_grad", other).ok());
        CHECK(row_cells(table, "f_grad", "dx").back() == "FAIL");
        CHECK(row_cells(table, "f_grad", "dy").back() == "ok");
        CHECK(table.find("1 of 4 results DISAGREE: f_grad.dx") != std::string::npos);
    }
    SECTION("two gradients swapped") {
        opt.compile = false; // compiled code follows the symbolic graph (first section)
        Check c(parse_model(text, "corrupt.sd"), opt);
        Function& f = c.symbolic(0);
        std::swap(f.results[2].node, f.results[3].node);
        const CheckReport r = c.run();
        const std::string table = table_of(r);
        INFO(table);
        CHECK_FALSE(r.ok());
        CHECK_FALSE(row(r, "f_grad", "dy").ok());
        CHECK_FALSE(row(r, "f_grad", "dz").ok());
        CHECK(row(r, "f_grad", "dx").ok());
        CHECK(table.find("2 of 4 results DISAGREE: f_grad.dy f_grad.dz") != std::string::npos);
    }
    SECTION("a Hessian off by 1e-3 in every element") {
        opt.compile = false;
        Check c(parse_model("input x[3]\nf = sum(exp(x) * x) * sum(x)\n"
                            "export h(x) -> H = hessian(f, x)\n",
                            "hess.sd"),
                opt);
        Function& f = c.symbolic(0);
        f.results[0].node = (Expr(*c.model().graph, f.results[0].node) + 1e-3).id();
        const CheckReport r = c.run();
        INFO(table_of(r));
        CHECK_FALSE(r.ok());
        CHECK_FALSE(row(r, "h", "H").tape.ok);
        CHECK_FALSE(row(r, "h", "H").fd.ok);
    }
}

TEST_CASE("check exits 1 on the command line when a derivative is corrupted, 0 when not") {
    // What tests/tools/corrupted/ builds into a program: the same hook through cli::run.
    const std::vector<std::string> args = {"check", example("mlp.sd"), "--points", "1"};
    cli::Hooks corrupt;
    corrupt.before_check = [](Check& c) {
        Function& train = c.symbolic(1); // L, dW1, db1, dw2, db2
        train.results[3].node = (Expr(*c.model().graph, train.results[3].node) * 0.999).id();
    };
    std::ostringstream out, err;
    CHECK(cli::run(args, out, err, corrupt) == 1);
    INFO(out.str() << err.str());
    CHECK(err.str().empty());
    CHECK(row_cells(out.str(), "train", "dw2").back() == "FAIL");
    CHECK(out.str().find("1 of 6 results DISAGREE: train.dw2\n") != std::string::npos);
    const CliResult fine = run_cli(args);
    CHECK(fine.code == 0);
    CHECK(fine.out.find("all 6 results agree") != std::string::npos);
}

TEST_CASE("check: the uncorrupted library check of the same model passes") {
    // The control for the corruption test above: the same model, options and API.
    CheckOptions opt;
    opt.points = 2;
    Check c(parse_model("input x, y, z\nq = x * y + sin(z)\nf = q * exp(z)\n"
                        "export f_grad(x, y, z) -> f, dx = grad(f, x), dy = grad(f, y), "
                        "dz = grad(f, z)\n",
                        "fine.sd"),
            opt);
    const CheckReport r = c.run();
    INFO(table_of(r));
    CHECK(r.ok());
    require_all_checked(r);
}

TEST_CASE("check: a derivative the tape cannot compute is compared by the other modes") {
    CheckOptions opt;
    opt.points = 2;
    opt.compile = false;
    Check c(parse_model("input x[3], v[3]\nf = sum(exp(x) * x)\n"
                        "export third(x, v) -> d = jvp(hessian(f, x), x, v)\n",
                        "third.sd"),
            opt);
    const CheckReport r = c.run();
    const std::string table = table_of(r);
    INFO(table);
    CHECK(r.ok());
    const CheckRow& d = row(r, "third", "d");
    CHECK_FALSE(d.tape.applies);
    CHECK(d.tape.compared == 0);
    CHECK(d.fd.compared > 0);
    CHECK(table.find("third.d: tape: the tape refuses:") != std::string::npos);
}

TEST_CASE("check: results that wrap derivatives hold each one against differences") {
    // Forces, a triangle of a Hessian, a Gauss-Newton matrix, sums of derivatives: none
    // is a derivative itself, each has derivatives inside.
    const std::string text = "input x, R[3], v[3]\n"
                             "E = sum(R ^ 2) * x + sum(sin(R))\n"
                             "L = sum(exp(R) * R) * x\n"
                             "J = jacobian(sin(R) * x, R)\n"
                             "export forces(x, R, v) -> F = -grad(E, R), T = tril(hessian(L, R)),\n"
                             "    G = transpose(J) @ J, K = 2 * jvp(E, R, v) + grad(grad(E, x), x),\n"
                             "    P = E\n";
    CheckOptions opt;
    opt.points = 2;
    opt.compile = false;
    {
        Check c(parse_model(text, "forces.sd"), opt);
        const CheckReport r = c.run();
        const std::string table = table_of(r);
        INFO(table);
        CHECK(r.ok());
        for (const char* name : {"F", "T", "G", "K"}) {
            INFO(name);
            CHECK(row(r, "forces", name).fd.applies);
            CHECK(row(r, "forces", name).fd.compared > 0);
            CHECK(row_cells(table, "forces", name)[7] != "-"); // fd abs
        }
        CHECK_FALSE(row(r, "forces", "P").fd.applies);
        CHECK(table.find("forces.F: fd: the derivative inside, grad(E, R), against differences "
                         "of its function\n") != std::string::npos);
        CHECK(table.find("forces.G: fd: the derivative inside, jacobian(sin(R) * x, R), against "
                         "differences of its function\n") != std::string::npos);
        CHECK(table.find("forces.K: fd: the 3 derivatives inside, jvp(E, R, v), grad(E, x), "
                         "grad(grad(E, x), x), each against differences of its function\n") !=
              std::string::npos);
    }
    // A wrong derivative inside fails its row, and only its row.
    Check c(parse_model(text, "forces.sd"), opt);
    Model& m = c.model();
    DerivativeCall& hessian = m.derivative_calls[0][1][0];
    hessian.node = (Expr(*m.graph, hessian.node) * 1.001).id();
    const CheckReport r = c.run();
    INFO(table_of(r));
    CHECK_FALSE(r.ok());
    CHECK_FALSE(row(r, "forces", "T").fd.ok);
    for (const char* other : {"F", "G", "K", "P"})
        CHECK(row(r, "forces", other).ok());
}

TEST_CASE("check: tensor literals agree in every mode, the emitted code included") {
    CheckOptions opt;
    opt.points = 2;
    Check c(parse_model("input x[2], y\n"
                        "A = [[2, -1], [0.5, 3]]\n"
                        "r = [x[0] * y, sin(x[1]), 1]\n"
                        "f = sum(r * [1, 2, 4]) + x @ A @ x\n"
                        "export e(x, y) -> f, r, dx = grad(f, x), J = jacobian(r, x)\n",
                        "lit.sd"),
            opt);
    const CheckReport r = c.run();
    INFO(table_of(r));
    CHECK(r.ok());
    require_all_checked(r);
}

TEST_CASE("check: differences straddling a kink are skipped, and the table says so") {
    const TempDir dir;
    const std::string path = dir.write("kink.sd", "input x, y\nf = relu(x) * y + abs(y - 1)\n"
                                                  "export k(x, y) -> dx = grad(f, x), "
                                                  "dy = grad(f, y)\n");
    const CliResult r = run_cli({"check", path, "--points", "0", "--set", "x=0", "--set", "y=1"});
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(r.out.find("the --set point") != std::string::npos);
    CHECK(r.out.find("k.dx: fd: 1 of 1 estimates skipped") != std::string::npos);
    CHECK(r.out.find("k.dy: fd: 1 of 1 estimates skipped") != std::string::npos);
    CHECK(row_cells(r.out, "k", "dx").back() == "ok");
}

TEST_CASE("check: the same seed gives the same table, another seed other points") {
    auto table = [](std::uint64_t seed) {
        CheckOptions opt;
        opt.points = 2;
        opt.seed = seed;
        opt.compile = false;
        return table_of(Check(load_model(example("review.sd")), opt).run());
    };
    CHECK(table(5) == table(5));
    CHECK(table(5) != table(6));
}

TEST_CASE("check: without a usable compiler the compiled code is skipped, with a note") {
    CheckOptions opt;
    opt.points = 1;
    opt.native.compiler = "/nonexistent/c++";
    const CheckReport r = Check(load_model(example("circuit.sd")), opt).run();
    const std::string table = table_of(r);
    INFO(table);
    CHECK(r.ok());
    for (const CheckRow& x : r.rows) {
        CHECK_FALSE(x.compiled.applies);
        CHECK(x.compiled.compared == 0);
        CHECK(x.tape.compared > 0);
    }
    CHECK(table.find("compiled code not checked: '/nonexistent/c++' cannot build a trivial "
                     "shared library") != std::string::npos);
}

TEST_CASE("check: emitted code that the compiler rejects fails the check") {
    if (!find_cxx_compiler())
        return; // nothing to compile with: the test above covers this machine
    CheckOptions opt;
    opt.points = 1;
    // A macro that breaks the emitted code's namespace and nothing else.
    opt.native.flags = "-std=c++17 -Dsymdiff_native_code=1";
    const CheckReport r = Check(load_model(example("circuit.sd")), opt).run();
    const std::string table = table_of(r);
    INFO(table);
    CHECK_FALSE(r.ok());
    for (const CheckRow& x : r.rows) {
        CHECK_FALSE(x.compiled.ok);
        CHECK(x.tape.ok);
    }
    CHECK(table.find("rejected the emitted code") != std::string::npos);
    CHECK(table.find("4 of 4 results DISAGREE") != std::string::npos);
}

TEST_CASE("find_cxx_compiler: $CXX when it names an executable, else c++, g++, clang++") {
    const char* saved = std::getenv("CXX");
    const std::optional<std::string> old = saved ? std::optional<std::string>(saved) : std::nullopt;
    ::setenv("CXX", "/nonexistent/cxx", 1);
    std::string note;
    const std::optional<std::string> fallback = find_cxx_compiler(&note);
    CHECK(note == "$CXX ('/nonexistent/cxx') is not an executable; looked for c++, g++, clang++");
    if (fallback) {
        ::setenv("CXX", fallback->c_str(), 1);
        note.clear();
        CHECK(find_cxx_compiler(&note) == fallback);
        CHECK(note.empty());
    }
    if (old)
        ::setenv("CXX", old->c_str(), 1);
    else
        ::unsetenv("CXX");
}

// Error messages of check: --points needs a whole number from 0 to 10000, got 'S' ·
// --seed needs a non-negative whole number, got 'S' · nothing to check: --points 0 and no
// --set values · 'N' is not an input of 'M' · 'N' needs shape S / a scalar, got ... · and
// the --set plumbing shared with compare (malformed, set twice, bad value, located
// model and JSON errors, unreadable files).

TEST_CASE("check error: --points needs a whole number from 0 to 10000") {
    for (const std::string bad : {"abc", "-1", "10001", "2.5", ""}) {
        const CliResult r = run_cli({"check", example("circuit.sd"), "--points", bad});
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK(r.err == "error: --points needs a whole number from 0 to 10000, got '" + bad +
                           "'\nhint: for example --points 3\n");
    }
}

TEST_CASE("check error: --seed needs a non-negative whole number") {
    for (const std::string bad : {"x", "-3", "1e3", "99999999999999999999"}) {
        const CliResult r = run_cli({"check", example("circuit.sd"), "--seed", bad});
        CHECK(r.code == 2);
        CHECK(r.err == "error: --seed needs a non-negative whole number, got '" + bad +
                           "'\nhint: for example --seed 3\n");
    }
}

TEST_CASE("check error: nothing to check") {
    const CliResult r = run_cli({"check", example("circuit.sd"), "--points", "0"});
    CHECK(r.code == 2);
    CHECK(r.err == "error: nothing to check: --points 0 and no --set values\n"
                   "hint: give --points N with N > 0, or a point with --set\n");
}

TEST_CASE("check error: a --set value that is not an input of the model") {
    const std::string path = example("circuit.sd");
    const CliResult r = run_cli({"check", path, "--set", "q=1"});
    CHECK(r.code == 2);
    CHECK(r.err == "error: 'q' is not an input of '" + path + "'\nhint: its inputs: x, y, z\n");
    // the library says so too
    CheckOptions opt;
    opt.at = {{"q", Tensor(1.0)}};
    CHECK_THROWS_WITH(Check(load_model(path), opt), "'q' is not an input of the model");
}

TEST_CASE("check error: a --set value of the wrong shape") {
    CliResult r = run_cli({"check", example("circuit.sd"), "--set", "x=[1,2]"});
    CHECK(r.code == 2);
    CHECK(r.err == "error: 'x' needs a scalar, got a value of shape [2]\n");
    r = run_cli({"check", example("norm.sd"), "--set", "x=3"});
    CHECK(r.code == 2);
    CHECK(r.err == "error: 'x' needs shape [2], got a scalar\n");
}

TEST_CASE("check error: malformed, repeated and unreadable --set values") {
    const std::string path = example("circuit.sd");
    CHECK(run_cli({"check", path, "--set", "x"}).err ==
          "error: --set needs NAME=VALUE, got 'x'\n"
          "hint: for example --set x=0.5 or --set 'W=[[1,2],[3,4]]'\n");
    CHECK(run_cli({"check", path, "--set", "x=1", "--set", "x=2"}).err ==
          "error: 'x' is set twice\nhint: give each value once\n");
    const CliResult r = run_cli({"check", path, "--set", "x=[1,"});
    CHECK(r.code == 2);
    CHECK(r.err.starts_with("error: --set x: "));
    CHECK(r.err.find("(at character 4 of the value)") != std::string::npos);
}

TEST_CASE("check error: model and JSON errors are shown at their place") {
    const TempDir dir;
    const std::string model = dir.write("bad.sd", "input x\nf = x +* 2\n");
    CliResult r = run_cli({"check", model});
    CHECK(r.code == 2);
    CHECK(r.err.starts_with(model + ":2:"));
    CHECK(r.err.find("\nf = x +* 2\n") != std::string::npos);
    CHECK(r.err.find("^") != std::string::npos);

    const std::string json = dir.write("v.json", "{\"x\": [1,\n 2,]}");
    r = run_cli({"check", example("circuit.sd"), "--set-file", json});
    CHECK(r.code == 2);
    CHECK(r.err.starts_with(json + ":2:"));

    r = run_cli({"check", dir.file("missing.sd")});
    CHECK(r.code == 2);
    CHECK(r.err ==
          "error: cannot read '" + dir.file("missing.sd") + "': No such file or directory\n");
}

TEST_CASE("check: --set-file gives the point, --set overrides it") {
    const TempDir dir;
    const std::string json = dir.write("v.json", "{\"x\": -2, \"y\": 5, \"z\": -4}");
    const CliResult r = run_cli(
        {"check", example("circuit.sd"), "--points", "0", "--set-file", json, "--set", "z=2"});
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(r.out.find("the --set point") != std::string::npos);
    CHECK(r.out.find("all 4 results agree") != std::string::npos);
}
