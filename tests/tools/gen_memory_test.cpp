// What gen does to bound its memory on large models, and that none of it shows in the
// header: the graph is compacted to what the simplified exports reach
// (keep_only_exports), and the header is streamed into the atomically written file.
#include "codegen/emit.hpp"
#include "tools/atomic_file.hpp"
#include "tools/tools_test_util.hpp"

#include <stdexcept>

using namespace symdiff;
using namespace symdiff::test;

namespace {

// The header as gen wrote it before it compacted and streamed: simplified exports of the
// whole graph, emitted into a string.
std::string header_without_compaction(const std::string& path) {
    Model m = load_model(path);
    for (Function& f : m.exports)
        f = simplified(*m.graph, f);
    return codegen::emit_header(*m.graph, m.exports,
                                {std::filesystem::path(path).stem().string(),
                                 std::filesystem::path(path).filename().string()});
}

} // namespace

TEST_CASE("gen: compacting the graph and streaming the header change no byte") {
    TempDir dir;
    std::vector<std::string> models;
    for (const char* folder : {"/examples", "/bench/models"})
        for (const auto& e :
             std::filesystem::directory_iterator(SYMDIFF_SOURCE_DIR + std::string(folder)))
            if (e.path().extension() == ".sd")
                models.push_back(e.path().string());
    std::sort(models.begin(), models.end());
    REQUIRE(models.size() >= 10);
    for (const std::string& path : models) {
        INFO(path);
        const std::string out = dir.file("out.hpp");
        const CliResult r = run_cli({"gen", path, "-o", out});
        INFO(r.err);
        REQUIRE(r.code == 0);
        CHECK(read_file(out) == header_without_compaction(path));
    }
}

TEST_CASE("keep_only_exports keeps the exports' nodes and every input, and nothing dead") {
    Model m = load_model(example("mlp.sd"));
    for (Function& f : m.exports)
        f = simplified(*m.graph, f);
    const std::size_t inputs = m.graph->inputs().size(), before = m.graph->size();
    keep_only_exports(m);
    CHECK(m.graph->inputs().size() == inputs);
    CHECK(m.graph->size() < before);
    for (const Function& f : m.exports) {
        for (NodeId p : f.params)
            CHECK((*m.graph)[p].op == Op::Input);
        for (const auto& r : f.results)
            CHECK(r.node < m.graph->size());
    }
    for (const auto& specs : m.result_specs)
        for (const auto& s : specs)
            CHECK(!s);
}

TEST_CASE("atomic write of a stream: the text, or on an exception the old file and no temporary") {
    TempDir dir;
    const std::string path = dir.write("out.txt", "old");
    std::string big(300000, 'x'); // more than the stream's buffer
    big += "end";
    write_file_atomically(path, [&](std::ostream& out) { out << big; });
    CHECK(read_file(path) == big);
    CHECK_THROWS_AS(write_file_atomically(path,
                                          [&](std::ostream& out) {
                                              out << big << "more";
                                              throw std::runtime_error("stop");
                                          }),
                    std::runtime_error);
    CHECK(read_file(path) == big);
    CHECK(dir.entries() == std::vector<std::string>{"out.txt"});
}
