// The `symdiff` command line (LANGUAGE.md section 2) as a function, so tests drive it
// in-process. Commands: gen, eval (check, compare, dot are announced but not yet
// available), --help, --version. Exit status: 0 success, 1 a check failed, 2 bad input.
// Nothing is written to `out` unless the command succeeds; errors go to `err`.
#pragma once

#include <ostream>
#include <span>
#include <string>

namespace symdiff::cli {

// `args` are the arguments after the program name.
int run(std::span<const std::string> args, std::ostream& out, std::ostream& err);

} // namespace symdiff::cli
