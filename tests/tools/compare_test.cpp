// `symdiff compare`: the --json object for the two-layer network (examples/mlp.sd) parses
// and holds sane figures; the table names every result; the library's figures agree with
// their definitions; one test per error message of compare (and of run_compare).
#include "tools/compare.hpp"

#include "tools/tools_test_util.hpp"

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <cmath>

using namespace symdiff;
using namespace symdiff::test;

namespace {

namespace pt = boost::property_tree;

pt::ptree parse_json(const std::string& text) {
    std::istringstream in(text);
    pt::ptree tree;
    pt::read_json(in, tree); // throws on malformed JSON
    return tree;
}

bool positive_finite(double v) { return std::isfinite(v) && v > 0.0; }

const std::vector<std::string> mlp_point = {
    "--set", "W1=[[0.1,-0.2,0.3],[0.4,0.1,-0.3],[-0.2,0.5,0.2],[0.3,-0.1,0.1]]",
    "--set", "b1=[[0.1],[-0.1],[0.2],[0]]",
    "--set", "w2=[[0.5,-0.4,0.3,0.2]]",
    "--set", "b2=0.1",
    "--set", "X=[[0.5,-1,1.5,0,2],[1,0.5,-0.5,1.5,-1],[-0.5,2,1,-1.5,0.5]]",
    "--set", "y=[[1,0,1,0.5,-0.5]]"};

} // namespace

TEST_CASE("compare --json on the two-layer network: one object with sane figures") {
    std::vector<std::string> args = {"compare", example("mlp.sd"), "train", "--json"};
    args.insert(args.end(), mlp_point.begin(), mlp_point.end());
    const CliResult r = run_cli(args);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find('\n') == r.out.size() - 1); // one line: one object
    const pt::ptree j = parse_json(r.out);

    CHECK(j.get<std::string>("function") == "train");
    CHECK(j.get<std::string>("point") == "the --set values");
    CHECK(j.get<std::string>("agree") == "true");
    const double diff = j.get<double>("max_abs_diff");
    CHECK(diff >= 0.0);
    CHECK(diff < 1e-12);

    const pt::ptree& s = j.get_child("symbolic");
    const auto nodes_function = s.get<std::size_t>("nodes_function");
    const auto nodes_raw = s.get<std::size_t>("nodes_raw");
    const auto nodes_simplified = s.get<std::size_t>("nodes_simplified");
    CHECK(nodes_function > 10);
    CHECK(nodes_raw > nodes_function); // the derivative graph adds nodes
    CHECK(nodes_simplified > 0);
    CHECK(nodes_simplified <= nodes_raw);
    CHECK(positive_finite(s.get<double>("interpreted_us")));
    CHECK(s.get<std::size_t>("interpreter_peak_bytes") > 0);
    if (find_cxx_compiler()) {
        CHECK(positive_finite(s.get<double>("compiled_us")));
        CHECK(positive_finite(s.get<double>("compile_seconds")));
        CHECK(s.get<std::size_t>("header_bytes") > 0);
    } else {
        CHECK(s.get<std::string>("compiled_us") == "null");
    }
    CHECK(s.get<std::size_t>("work_bytes") % sizeof(double) == 0);

    const pt::ptree& t = j.get_child("tape");
    CHECK(positive_finite(t.get<double>("tape_us")));
    CHECK(t.get<std::size_t>("tape_bytes") > 0);
    CHECK(t.get<std::size_t>("tapes") == 1); // one reverse sweep gives all four gradients

    std::vector<std::string> names;
    for (const auto& [key, result] : j.get_child("results")) {
        names.push_back(result.get<std::string>("name"));
        CHECK(result.get<double>("interpreted_vs_tape") < 1e-12);
    }
    CHECK(names == std::vector<std::string>{"L", "dW1", "db1", "dw2", "db2"});
}

TEST_CASE("compare prints a table naming every result and figure") {
    const CliResult r = run_cli({"compare", example("mlp.sd"), "train"});
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    for (const char* word : {"symdiff compare", "random values in [-1, 1] (seed 1)",
                             "agreement of symbol-to-symbol and symbol-to-number mode: yes", "dW1",
                             "db2", "time per call", "interpreted", "work array", "tape"})
        CHECK(r.out.find(word) != std::string::npos);
}

TEST_CASE("compare through the library: figures are consistent with their definitions") {
    Model m = load_model(example("mlp.sd"));
    CompareOptions opt;
    opt.seconds_per_mode = 0.02;
    opt.compile = false;
    const CompareReport r = run_compare(m, "train", opt);
    CHECK(r.agree);
    CHECK(r.max_abs_diff < 1e-12);
    CHECK_FALSE(r.symbolic.compiled_us.has_value());
    REQUIRE(r.not_run.size() == 1);
    CHECK(r.not_run[0].mode == "compiled code");
    CHECK_FALSE(r.not_run[0].result.has_value());
    CHECK(r.not_run[0].why == "disabled");
    CHECK(r.comparisons == 5); // interpreted vs tape, for each result
    CHECK(r.symbolic.work_bytes > 0); // known from lowering, without a compiler
    REQUIRE(r.symbolic.interpreter_peak_bytes);
    CHECK(*r.symbolic.interpreter_peak_bytes >= 15 * sizeof(double)); // X and y alone
    CHECK(positive_finite(r.tape.tape_us));
    CHECK(positive_finite(r.symbolic.interpreted_us));

    std::ostringstream json;
    print_compare_json(json, r);
    const pt::ptree j = parse_json(json.str());
    CHECK(j.get<std::string>("symbolic.compiled_us") == "null");
    CHECK(j.get<std::string>("agree") == "true");
}

TEST_CASE("compare: a Hessian export agrees, and its loops have no interpreter peak") {
    Model m = parse_model("input x[4]\nf = sum(exp(x) * x) * sum(sin(x))\n"
                          "export h(x) -> f, g = grad(f, x), H = hessian(f, x)\n",
                          "h.sd");
    CompareOptions opt;
    opt.seconds_per_mode = 0.02;
    opt.compile = false;
    const CompareReport r = run_compare(m, "h", opt);
    CHECK(r.agree);
    CHECK(r.max_abs_diff < 1e-10);
    CHECK_FALSE(r.symbolic.interpreter_peak_bytes.has_value());
    REQUIRE(r.results.size() == 3);
    CHECK(r.results[2].kind == "hessian");
    CHECK(r.results[2].interpreted_vs_tape.has_value());
}

TEST_CASE("compare: the headline counts every comparison that ran, and names what did not") {
    // A tape that refuses a result while the compiled code differs from the interpreted
    // graph by 0.41 was once "agreement: NO, largest difference 0".
    CompareReport r;
    r.model = "m.sd";
    r.function = "e";
    r.point = "the --set values";
    r.agree = false;
    CompareResult f{"f", "value", 0.0, 0.0, 0.0, std::nullopt};
    CompareResult j{"J", "jacobian", std::nullopt, std::nullopt, 0.41,
                    std::string("the tape refuses: loops")};
    r.results = {f, j};
    r.not_run = {{"tape", std::string("J"), "the tape refuses: loops"}};
    summarize_agreement(r);
    CHECK(r.comparisons == 4);
    CHECK(r.max_abs_diff == 0.41);
    CHECK(r.largest_result == "J");
    CHECK(r.largest_between == "compiled vs interpreted");
    std::ostringstream table;
    print_compare_table(table, r);
    INFO(table.str());
    CHECK(table.str().find("\nagreement of the modes that ran: NO, largest difference 4.1e-01 (J, "
                           "compiled vs interpreted)\n  not run: the tape for J (the tape refuses: "
                           "loops)\n") != std::string::npos);
    std::ostringstream json;
    print_compare_json(json, r);
    const pt::ptree tree = parse_json(json.str());
    CHECK(tree.get<std::string>("agree") == "false");
    CHECK(tree.get<double>("max_abs_diff") == 0.41);
    CHECK(tree.get<std::string>("largest.result") == "J");
    CHECK(tree.get<std::string>("largest.between") == "compiled vs interpreted");
    CHECK(tree.get_child("not_run").front().second.get<std::string>("mode") == "tape");
    CHECK(tree.get_child("not_run").front().second.get<std::string>("result") == "J");

    // nothing compared at all: the headline says so, JSON has null
    CompareReport none;
    none.results = {CompareResult{"J", "jacobian", std::nullopt, std::nullopt, std::nullopt,
                                  std::string("the tape refuses: loops")}};
    none.not_run = {{"tape", std::string("J"), "the tape refuses: loops"},
                    {"compiled code", std::nullopt, "no C++ compiler found"}};
    summarize_agreement(none);
    std::ostringstream t2, j2;
    print_compare_table(t2, none);
    print_compare_json(j2, none);
    CHECK(t2.str().find("agreement: not measured (no two modes computed the same result)\n"
                        "  not run: the tape for J (the tape refuses: loops)\n"
                        "  not run: the compiled code (no C++ compiler found)\n") !=
          std::string::npos);
    CHECK(j2.str().find("\"agree\": null, \"max_abs_diff\": null, \"largest\": null") !=
          std::string::npos);
}

TEST_CASE("compare: results the tape refuses are named in the headline, with the reason") {
    TempDir dir;
    const std::string m =
        dir.write("j.sd", "input x[3], v[3]\nf = sum(exp(x) * x) * sum(sin(x))\n"
                          "export j(x, v) -> f, R = jvp(hessian(f, x), x, v), T = -hessian(f, x)\n");
    const CliResult r = run_cli({"compare", m, "j"});
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("\nagreement of the modes that ran: yes, largest difference ") !=
          std::string::npos);
    CHECK(r.out.find("\n  not run: the tape for R, T (the tape refuses: ") != std::string::npos);
    const CliResult j = run_cli({"compare", m, "j", "--json"});
    const pt::ptree tree = parse_json(j.out);
    CHECK(tree.get<std::string>("agree") == "true");
    std::vector<std::string> refused;
    for (const auto& [key, n] : tree.get_child("not_run"))
        if (n.get<std::string>("mode") == "tape")
            refused.push_back(n.get<std::string>("result"));
    CHECK(refused == std::vector<std::string>{"R", "T"});
}

TEST_CASE("interpreter_peak_bytes follows the interpreter's liveness rule") {
    Graph g;
    const Expr x = input(g, "x", {100});
    const Expr a = exp(x);     // x and a alive, then x dies (exp was its last use)
    const Expr b = sin(a) * a; // a, sin(a) and b alive: the peak
    const NodeId root = sum(b).id();
    const auto peak = interpreter_peak_bytes(g, std::span<const NodeId>(&root, 1));
    REQUIRE(peak);
    // 100 doubles are 800 bytes; at most three such values live at once.
    CHECK(*peak == 3 * 800);
}

TEST_CASE("compare error: an export the model does not have") {
    const std::string path = example("circuit.sd");
    const CliResult r = run_cli({"compare", path, "nope"});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "error: '" + path + "' has no export 'nope'\nhint: its exports: f_grad\n");
    Model m = load_model(path);
    CHECK_THROWS_WITH(run_compare(m, "nope"), "the model has no export 'nope'");
}

TEST_CASE("compare error: a --set value that is not a parameter of the export") {
    const std::string path = example("mlp.sd");
    const CliResult r = run_cli({"compare", path, "predict", "--set", "y=[[1,2,3,4,5]]"});
    CHECK(r.code == 2);
    CHECK(r.err == "error: 'y' is not a parameter of 'predict'\n"
                   "hint: its parameters: W1, b1, w2, b2, X\n");
    Model m = load_model(path);
    CompareOptions opt;
    opt.at = {{"y", Tensor::filled(Shape{1, 5}, 1.0)}};
    CHECK_THROWS_WITH(run_compare(m, "predict", opt), "'y' is not a parameter of 'predict'");
}

TEST_CASE("compare error: a --set value of the wrong shape") {
    const CliResult r = run_cli({"compare", example("norm.sd"), "loss", "--set", "x=[1,2,3]"});
    CHECK(r.code == 2);
    CHECK(r.err == "error: 'x' needs shape [2], got a value of shape [3]\n");
}
