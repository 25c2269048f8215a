// Golden files: the exact header text of a few small zoo models, checked in under
// tests/codegen/golden/, is compared byte for byte with what the emitter writes now.
// To accept an intended change: cmake --build <build> --target update_codegen_golden
// (or SYMDIFF_UPDATE_GOLDEN=1 <build>/tests/codegen/codegen_tests "[golden]"); commit it.
#include "tests/codegen/zoo.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace symdiff::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        lines.push_back(l);
    return lines;
}

// Where two texts first differ, as "line N: expected ... / got ...".
std::string first_difference(const std::string& want, const std::string& got) {
    const auto a = lines_of(want), b = lines_of(got);
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        const std::string wa = i < a.size() ? a[i] : "<end of file>";
        const std::string gb = i < b.size() ? b[i] : "<end of file>";
        if (wa != gb)
            return "line " + std::to_string(i + 1) + ":\n  golden:  " + wa + "\n  emitted: " + gb;
    }
    return "the texts differ only in their final newline";
}

bool update_requested() {
    const char* v = std::getenv("SYMDIFF_UPDATE_GOLDEN");
    return v && std::string(v) == "1";
}

TEST_CASE("golden headers of small models are unchanged", "[golden]") {
    for (std::string_view name : golden_models()) {
        const std::string text = emit_model(build_model(name));
        const fs::path path = fs::path(SYMDIFF_CODEGEN_GOLDEN_DIR) / (std::string(name) + ".hpp");
        INFO("golden file " << path.string()
                            << " (to accept the new text: cmake --build <build> --target "
                               "update_codegen_golden)");
        if (update_requested()) {
            std::ofstream(path, std::ios::binary) << text;
            WARN("rewrote " << path.string());
            continue;
        }
        std::ifstream in(path, std::ios::binary);
        REQUIRE(in.good());
        const std::string golden{std::istreambuf_iterator<char>(in), {}};
        INFO(first_difference(golden, text));
        const bool unchanged = golden == text; // the texts themselves are too long to print
        CHECK(unchanged);
    }
}

} // namespace
} // namespace symdiff::test
