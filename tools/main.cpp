// The `symdiff` program: the command line lives in cli::run (tools/cli.hpp) so that tests
// can drive it in-process; this only adapts argv.
#include "tools/cli.hpp"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    return symdiff::cli::run(args, std::cout, std::cerr);
}
