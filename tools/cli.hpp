// The `symdiff` command line (README.md, "The command line") as a function, so tests drive it
// in-process. Commands: gen, eval, check, compare, dot, and --help, --version. Exit
// status: 0 success, 1 a check failed, 2 bad input. Nothing is written to `out` unless
// the command succeeds; errors go to `err`.
#pragma once

#include <functional>
#include <ostream>
#include <span>
#include <string>

namespace symdiff {
class Check;
}

namespace symdiff::cli {

// What a test build of symdiff changes in a run: `before_check` sees each check between
// its construction and its run, where it may corrupt a symbolic derivative
// (Check::symbolic), so that a test sees `symdiff check` exit 1 (tests/tools/corrupted/).
struct Hooks {
    std::function<void(Check&)> before_check;
};

// `args` are the arguments after the program name.
int run(std::span<const std::string> args, std::ostream& out, std::ostream& err,
        const Hooks& hooks = {});

} // namespace symdiff::cli
