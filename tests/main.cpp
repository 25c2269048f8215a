// The test programs' main: Catch2's, after one check of the programs themselves. CTest
// learns the test names from --list-test-names-only through CMake lists, where ';'
// separates items and unbalanced '[' or ']' suspends the separation: such a name cut off
// every test listed after it, and those were silently never run (122 of tools_tests,
// until this check). So a program whose test names hold either fails at once, naming them.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <iostream>
#include <string>

namespace {

// True if CMake can hold `name` as one item of a list.
bool listable(const std::string& name) {
    int depth = 0;
    for (char c : name) {
        if (c == ';')
            return false;
        depth += c == '[' ? 1 : c == ']' ? -1 : 0;
        if (depth < 0)
            return false;
    }
    return depth == 0;
}

} // namespace

int main(int argc, char* argv[]) {
    int bad = 0;
    for (const Catch::TestCase& t : Catch::getRegistryHub().getTestCaseRegistry().getAllTests())
        if (!listable(t.name)) {
            std::cerr << "a test name holds ';' or unbalanced brackets, which CTest cannot list: "
                      << t.name << "\n";
            ++bad;
        }
    if (bad)
        return 1;
    return Catch::Session().run(argc, argv);
}
