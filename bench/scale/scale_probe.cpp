// The phases of `symdiff gen` on one model, timed in-process (what the command does:
// parse with differentiation, simplify each export, emit the header), with graph sizes
// and the peak resident memory (getrusage), as one JSON line. The header is written
// to OUT when given; --skip-emit stops after simplification.
// Usage: scale_probe MODEL.sd [OUT.hpp] [--skip-emit]
#include "codegen/emit.hpp"
#include "rewrite/simplify.hpp"
#include "tools/model.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

long peak_kib() {
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    return r.ru_maxrss;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args;
    bool skip_emit = false;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--skip-emit")
            skip_emit = true;
        else
            args.emplace_back(argv[i]);
    }
    if (args.empty()) {
        std::fprintf(stderr, "usage: scale_probe MODEL.sd [OUT.hpp] [--skip-emit]\n");
        return 2;
    }
    using namespace symdiff;
    try {
        auto t = std::chrono::steady_clock::now();
        const std::string source = read_source(args[0]);
        const double t_read = seconds_since(t);
        t = std::chrono::steady_clock::now();
        Model m = parse_model(source, args[0]);
        const double t_parse = seconds_since(t);
        const std::size_t nodes_parsed = m.graph->size();
        const long rss_parse = peak_kib();
        t = std::chrono::steady_clock::now();
        std::size_t before = 0, after = 0;
        for (Function& f : m.exports) {
            std::vector<NodeId> roots;
            for (const auto& r : f.results)
                roots.push_back(r.node);
            rewrite::Stats st;
            const auto s = rewrite::simplify(*m.graph, roots, {}, &st);
            for (std::size_t k = 0; k < s.size(); ++k)
                f.results[k].node = s[k];
            before += st.nodes_before;
            after += st.nodes_after;
        }
        const double t_simplify = seconds_since(t);
        t = std::chrono::steady_clock::now();
        const std::string header =
            skip_emit ? std::string() : codegen::emit_header(*m.graph, m.exports, {"chain", "chain.sd"});
        const double t_emit = skip_emit ? -1.0 : seconds_since(t);
        if (args.size() > 1 && !skip_emit)
            std::ofstream(args[1], std::ios::binary) << header;
        std::printf("{\"read_s\": %.4f, \"parse_differentiate_s\": %.4f, \"simplify_s\": %.4f, "
                    "\"emit_s\": %.4f, \"nodes_parsed\": %zu, \"nodes_final\": %u, "
                    "\"graph_bytes\": %zu, \"nodes_before_simplify\": %zu, "
                    "\"nodes_after_simplify\": %zu, \"peak_rss_kib_after_parse\": %ld, "
                    "\"peak_rss_kib\": %ld, \"header_bytes\": %zu}\n",
                    t_read, t_parse, t_simplify, t_emit, nodes_parsed, m.graph->size(),
                    m.graph->memory_bytes(), before, after, rss_parse, peak_kib(), header.size());
    } catch (const Error& e) {
        std::fprintf(stderr, "scale_probe: %s\n", e.what());
        return 2;
    }
    return 0;
}
