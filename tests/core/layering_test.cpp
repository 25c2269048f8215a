// The folders' layering (docs/architecture.md): each source file includes only its own
// folder and the folders below it. Read from the sources, so a new back edge fails here.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

namespace fs = std::filesystem;

TEST_CASE("each folder includes only itself and the folders below it", "[layering]") {
    const std::map<std::string, std::set<std::string>> may = {
        {"core", {"core"}},
        {"rewrite", {"core", "rewrite"}},
        {"codegen", {"core", "codegen"}},
        {"lang", {"core", "rewrite", "lang"}},
        {"tools", {"core", "rewrite", "codegen", "lang", "tools"}},
    };
    const fs::path root = SYMDIFF_SOURCE_DIR;
    const std::regex include(R"re(#include\s+"([a-z_]+)/)re");
    int files = 0;
    for (const auto& [folder, allowed] : may)
        for (const auto& e : fs::recursive_directory_iterator(root / folder)) {
            const std::string ext = e.path().extension().string();
            if (ext != ".cpp" && ext != ".hpp")
                continue;
            ++files;
            std::ifstream in(e.path());
            for (std::string line; std::getline(in, line);) {
                std::smatch m;
                if (!std::regex_search(line, m, include))
                    continue;
                INFO(e.path().string() << ": " << line);
                CHECK(allowed.count(m[1].str()) == 1);
            }
        }
    CHECK(files > 80);
}
