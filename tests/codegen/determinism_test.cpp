// Determinism and size of emitted code: the same model gives the same bytes (twice in
// one process, from fresh graphs, and in the separate process that generated the build's
// headers), and code size follows the graph, not the tensor sizes.
#include "tests/codegen/zoo.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

namespace symdiff::test {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        lines.push_back(l);
    return lines;
}

TEST_CASE("a model emitted twice from fresh graphs gives identical bytes", "[determinism]") {
    for (const ZooEntry& e : zoo()) {
        INFO("model " << e.name);
        const Model a = e.build();
        const Model b = e.build();
        const std::string first = emit_model(a);
        CHECK(first == emit_model(b));
        CHECK(first == emit_model(a)); // emitting does not change the graph's answer
    }
}

TEST_CASE("headers generated at build time equal the ones emitted here", "[determinism]") {
    // zoo_gen ran in another process (other addresses, other allocation order).
    for (const ZooEntry& e : zoo()) {
        INFO("model " << e.name);
        const std::filesystem::path path =
            std::filesystem::path(SYMDIFF_CODEGEN_GENERATED_DIR) / (std::string(e.name) + ".hpp");
        std::ifstream in(path, std::ios::binary);
        REQUIRE(in.good());
        const std::string on_disk{std::istreambuf_iterator<char>(in), {}};
        CHECK(on_disk == emit_model(e.build()));
    }
}

// The scalable model at n = 1000 and n = 100000: the same lines once every number is
// replaced by '#', except where an allocating overload moves its work array from the
// stack to the heap (two lines per function); elsewhere only digits are added. (Below
// 16 elements a sum runs without partial sums, so n = 10 prints a few lines fewer.)
TEST_CASE("code size grows with the graph, not with tensor sizes", "[determinism][size]") {
    const Model small_model = build_scalable(1000), big_model = build_scalable(100000);
    const std::string small = emit_model(small_model), big = emit_model(big_model);
    const auto small_lines = lines_of(small), big_lines = lines_of(big);
    INFO("sizes: " << small.size() << " bytes at n = 1000, " << big.size() << " at n = 100000");
    CHECK(emit_model(build_scalable(10)).size() <= small.size());
    REQUIRE(small_lines.size() == big_lines.size());
    const std::regex number("[0-9]+(\\.[0-9]+)?(e[-+]?[0-9]+)?");
    std::size_t allocation_lines = 0;
    long digit_growth = 0;
    for (std::size_t i = 0; i < small_lines.size(); ++i) {
        const std::string a = std::regex_replace(small_lines[i], number, "#");
        const std::string b = std::regex_replace(big_lines[i], number, "#");
        if (a == b) {
            digit_growth +=
                static_cast<long>(big_lines[i].size()) - static_cast<long>(small_lines[i].size());
            continue;
        }
        INFO("line " << i + 1 << ":\n  n = 1000:   " << small_lines[i]
                     << "\n  n = 100000: " << big_lines[i]);
        CHECK((a.find("work_") != std::string::npos && b.find("work_") != std::string::npos));
        ++allocation_lines;
    }
    CHECK(allocation_lines <= 2 * small_model.functions.size());
    CHECK(std::labs(digit_growth) < 300); // about 70 numbers grow by two digits each
}

} // namespace
} // namespace symdiff::test
