// A test build of symdiff with a deliberately corrupted derivative: the real command
// line, except that each check sees the first derivative result of every export scaled
// by 1.001 in its symbolic graph (the graph gen emits and eval interprets) before it runs.
// CTest runs `symdiff_corrupted check MODEL` and requires exit status 1 and the result
// named in the table (expect_disagreement.sh); the real symdiff passes the same model
// (check_test.cpp runs check on every example).
#include "core/expr.hpp"
#include "tools/check.hpp"
#include "tools/cli.hpp"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    symdiff::cli::Hooks hooks;
    hooks.before_check = [](symdiff::Check& check) {
        symdiff::Model& m = check.model();
        for (std::size_t e = 0; e < m.exports.size(); ++e)
            for (std::size_t k = 0; k < m.exports[e].results.size(); ++k)
                if (m.result_specs[e][k]) {
                    symdiff::NodeId& node = check.symbolic(e).results[k].node;
                    node = (symdiff::Expr(*m.graph, node) * 1.001).id();
                    break;
                }
    };
    const std::vector<std::string> args(argv + 1, argv + argc);
    return symdiff::cli::run(args, std::cout, std::cerr, hooks);
}
