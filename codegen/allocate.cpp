// Work-array layout (allocate.hpp): lifetimes, then best fit over the free blocks in
// order of first use.
#include "codegen/allocate.hpp"

#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <utility>

namespace symdiff::codegen {
namespace {

std::size_t u(std::int64_t k) { return static_cast<std::size_t>(k); }

struct Span {
    std::int64_t first = -1, last = -1; // steps; first < 0: never accessed

    void touch(std::int64_t t) {
        first = first < 0 ? t : std::min(first, t);
        last = std::max(last, t);
    }
};

// Numbers the kernels in execution order and records each buffer's accesses; `loops`
// receives each loop's span of steps, inner loops before the loops around them.
void time_steps(const Program& prog, const std::vector<Step>& steps, std::int64_t& t,
                std::vector<Span>& life, std::vector<Span>& loops) {
    for (const Step& step : steps) {
        if (step.loop >= 0) {
            const std::int64_t start = t;
            time_steps(prog, prog.loops[u(step.loop)].steps, t, life, loops);
            if (t > start)
                loops.push_back({start, t - 1});
            continue;
        }
        const Kernel& k = step.kernel;
        for (const Access* w : {&k.out, &k.side})
            if (w->buffer >= 0)
                life[u(w->buffer)].touch(t);
        for (const Value& v : k.body)
            if (v.kind == Value::Kind::load)
                life[u(v.at.buffer)].touch(t);
        ++t;
    }
}

std::vector<Span> lifetimes(const Program& prog) {
    std::vector<Span> life(prog.buffers.size()), loops;
    std::int64_t t = 0;
    time_steps(prog, prog.steps, t, life, loops);
    for (const Span& loop : loops) // inner loops first: an outer one then sees the extension
        for (Span& s : life)
            if (s.first >= 0 && s.first <= loop.last && s.last >= loop.first &&
                (s.first < loop.first || s.last > loop.last)) {
                s.first = std::min(s.first, loop.first);
                s.last = std::max(s.last, loop.last);
            }
    return life;
}

} // namespace

void allocate_work(Program& prog) {
    const std::vector<Span> life = lifetimes(prog);
    std::vector<std::size_t> order;
    for (std::size_t b = 0; b < prog.buffers.size(); ++b)
        if (prog.buffers[b].kind == Buffer::Kind::work)
            order.push_back(b);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return life[a].first < life[b].first; });
    // Best fit over the free blocks, freed as their buffers die: O(log n) a buffer (a scan
    // of the live buffers made gen quadratic on long chains).
    using Block = std::pair<std::int64_t, std::int64_t>; // (offset, size)
    std::map<std::int64_t, std::int64_t> free_at;       // offset -> size, coalesced
    std::set<std::pair<std::int64_t, std::int64_t>> by_size; // (size, offset)
    auto release = [&](std::int64_t offset, std::int64_t size) {
        auto next = free_at.lower_bound(offset);
        if (next != free_at.end() && offset + size == next->first) { // merge the next
            size += next->second;
            by_size.erase({next->second, next->first});
            next = free_at.erase(next);
        }
        if (next != free_at.begin()) { // merge the previous
            const auto prev = std::prev(next);
            if (prev->first + prev->second == offset) {
                by_size.erase({prev->second, prev->first});
                offset = prev->first;
                size += prev->second;
                free_at.erase(prev);
            }
        }
        free_at[offset] = size;
        by_size.insert({size, offset});
    };
    using Death = std::pair<std::int64_t, Block>; // (last step, block)
    std::priority_queue<Death, std::vector<Death>, std::greater<>> dying;
    std::int64_t end = 0; // the work array's size so far
    prog.work_size = 0;
    for (std::size_t b : order) {
        Buffer& buf = prog.buffers[b];
        const std::int64_t now = life[b].first;
        while (!dying.empty() && dying.top().first < now) {
            release(dying.top().second.first, dying.top().second.second);
            dying.pop();
        }
        std::int64_t offset = end;
        if (const auto fit = by_size.lower_bound({buf.size, 0}); fit != by_size.end()) {
            const auto [size, at] = *fit;
            offset = at;
            by_size.erase(fit);
            free_at.erase(at);
            if (size > buf.size) {
                free_at[at + buf.size] = size - buf.size;
                by_size.insert({size - buf.size, at + buf.size});
            }
        } else if (!free_at.empty() &&
                   std::prev(free_at.end())->first + std::prev(free_at.end())->second == end) {
            const auto last = std::prev(free_at.end()); // grow the free tail
            offset = last->first;
            by_size.erase({last->second, last->first});
            free_at.erase(last);
        }
        buf.offset = offset;
        end = std::max(end, offset + buf.size);
        dying.push({life[b].last, {offset, buf.size}});
        prog.work_size = std::max(prog.work_size, end);
    }
}

} // namespace symdiff::codegen
