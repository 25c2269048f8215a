// The phases of `symdiff gen` on one model, timed in-process with the calls the command
// makes (parse with differentiation, simplify each export, keep only what the exports
// reach, emit the header streamed to the file), as one JSON line. Per phase: wall and CPU seconds,
// the graph's node count after it, the heap in use after it (mallinfo2) and the peak resident
// memory during it (the kernel's high-water mark, reset before each phase through
// /proc/self/clear_refs; where that is refused, the peak so far). --skip-emit stops after
// simplification. Usage: scale_probe MODEL.sd [OUT.hpp] [--skip-emit]
#include "codegen/emit.hpp"
#include "rewrite/simplify.hpp"
#include "tools/atomic_file.hpp"
#include "lang/model.hpp"

#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// VmHWM and VmRSS of this process, in KiB.
std::pair<long, long> rss_kib() {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    long hwm = -1, rss = -1;
    if (!f)
        return {hwm, rss};
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
        std::sscanf(line, "VmHWM: %ld", &hwm);
        std::sscanf(line, "VmRSS: %ld", &rss);
    }
    std::fclose(f);
    return {hwm, rss};
}

// Resets the high-water mark to the current RSS (Linux >= 4.0); false if refused.
bool reset_peak() {
    std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
    if (!f)
        return false;
    const bool ok = std::fputs("5", f) >= 0;
    return std::fclose(f) == 0 && ok;
}

long heap_kib() {
    const struct mallinfo2 mi = mallinfo2();
    return static_cast<long>((mi.uordblks + mi.hblkhd) / 1024);
}

struct Phase {
    const char* name;
    double wall = 0, cpu = 0;
    std::size_t nodes = 0; // graph size after the phase
    long peak_kib = 0, heap_kib = 0;
};

class Timer {
  public:
    explicit Timer(Phase& p) : p_(p) {
        reset_peak();
        wall_ = std::chrono::steady_clock::now();
        cpu_ = cpu_seconds();
    }
    void stop(std::size_t nodes) {
        p_.cpu = cpu_seconds() - cpu_;
        p_.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count();
        p_.nodes = nodes;
        p_.peak_kib = rss_kib().first;
        p_.heap_kib = heap_kib();
    }

  private:
    Phase& p_;
    std::chrono::steady_clock::time_point wall_;
    double cpu_;
};

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
        Phase parse{"parse_differentiate"}, simplify{"simplify"}, compact{"compact"}, emit{"emit"};
        const long rss_start = rss_kib().second;
        Timer t(parse);
        Model m = load_model(args[0]);
        t.stop(m.graph->size());
        const std::size_t nodes_parsed = m.graph->size();

        Timer ts(simplify);
        std::size_t before = 0, after = 0, passes = 0;
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
            passes += static_cast<std::size_t>(st.passes);
        }
        ts.stop(m.graph->size());
        const std::size_t graph_bytes = m.graph->memory_bytes();

        Timer tc(compact);
        keep_only_exports(m);
        tc.stop(m.graph->size());

        std::size_t header_bytes = 0;
        if (!skip_emit) {
            Timer te(emit);
            const codegen::EmitOptions options{"chain", "chain.sd"};
            if (args.size() > 1) {
                write_file_atomically(args[1], [&](std::ostream& out) {
                    codegen::emit_header(*m.graph, m.exports, options, out);
                });
                header_bytes = std::filesystem::file_size(args[1]);
            } else {
                std::ofstream null("/dev/null", std::ios::binary);
                codegen::emit_header(*m.graph, m.exports, options, null);
                header_bytes = static_cast<std::size_t>(null.tellp());
            }
            te.stop(m.graph->size());
        }
        rusage r{};
        getrusage(RUSAGE_SELF, &r);
        std::printf("{\"nodes_parsed\": %zu, \"nodes_before_simplify\": %zu, "
                    "\"nodes_after_simplify\": %zu, \"simplify_passes\": %zu, "
                    "\"graph_nodes_final\": %u, \"graph_bytes\": %zu, \"header_bytes\": %zu, "
                    "\"rss_kib_start\": %ld, \"peak_rss_kib\": %ld, \"phases\": {",
                    nodes_parsed, before, after, passes, m.graph->size(), graph_bytes, header_bytes,
                    rss_start, r.ru_maxrss);
        bool first = true;
        for (const Phase* p : {&parse, &simplify, &compact, &emit}) {
            if (p == &emit && skip_emit)
                continue;
            std::printf("%s\"%s\": {\"wall_s\": %.4f, \"cpu_s\": %.4f, \"graph_nodes\": %zu, "
                        "\"peak_rss_kib\": %ld, \"heap_kib\": %ld}",
                        first ? "" : ", ", p->name, p->wall, p->cpu, p->nodes, p->peak_kib,
                        p->heap_kib);
            first = false;
        }
        std::printf("}}\n");
    } catch (const Error& e) {
        std::fprintf(stderr, "scale_probe: %s\n", e.what());
        return 2;
    }
    return 0;
}
