// Model lookups, simplification as gen does it, file loading, and the located error
// format shared by every tool.
#include "lang/model.hpp"

#include "lang/lexer.hpp"

#include "rewrite/simplify.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace symdiff {
namespace {

constexpr std::size_t max_shown = 160; // longer source lines are cut around the column

std::string_view line_of(std::string_view source, int line) {
    std::size_t start = 0;
    for (int l = 1; l < line; ++l) {
        const std::size_t nl = source.find('\n', start);
        if (nl == std::string_view::npos)
            return {};
        start = nl + 1;
    }
    const std::size_t end = std::min(source.find('\n', start), source.size());
    std::string_view text = source.substr(start, end - start);
    if (line == 1 && text.starts_with(utf8_bom)) // the lexer counts columns after it
        text.remove_prefix(utf8_bom.size());
    if (!text.empty() && text.back() == '\r')
        text.remove_suffix(1);
    return text;
}

} // namespace

const Function* Model::find_export(std::string_view name) const {
    for (const Function& f : exports)
        if (f.name == name)
            return &f;
    return nullptr;
}

std::vector<NodeId> primal_roots(const Function& f,
                                 std::span<const std::optional<DerivativeSpec>> specs) {
    std::vector<NodeId> primal;
    for (std::size_t k = 0; k < f.results.size(); ++k) {
        const auto& spec = specs[k];
        if (!spec) {
            primal.push_back(f.results[k].node);
            continue;
        }
        primal.push_back(spec->function);
        if (spec->tangent != no_node)
            primal.push_back(spec->tangent);
    }
    return primal;
}

Function simplified(Graph& g, const Function& f, const rewrite::Options& options) {
    Function s = f;
    std::vector<NodeId> roots;
    for (const auto& r : f.results)
        roots.push_back(r.node);
    const std::vector<NodeId> out = rewrite::simplify(g, roots, options);
    for (std::size_t k = 0; k < roots.size(); ++k)
        s.results[k].node = out[k];
    return s;
}

void keep_only_exports(Model& m) {
    std::vector<NodeId> roots;
    for (const Function& f : m.exports)
        for (const auto& r : f.results)
            roots.push_back(r.node);
    std::vector<NodeId> map;
    std::unique_ptr<Graph> g = Graph::compact(*m.graph, roots, map);
    for (Function& f : m.exports) {
        for (NodeId& p : f.params)
            p = map[p];
        for (auto& r : f.results)
            r.node = map[r.node];
    }
    for (auto& specs : m.result_specs)
        std::fill(specs.begin(), specs.end(), std::nullopt);
    for (auto& calls : m.derivative_calls)
        for (auto& c : calls)
            c.clear();
    m.graph = std::move(g);
}

std::string read_source(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw Error("cannot read '" + path + "': it is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error("cannot read '" + path + "': " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        throw Error("cannot read '" + path + "'");
    return std::move(text).str();
}

Model load_model(const std::string& path, const ParseOptions& options) {
    return parse_model(read_source(path), path, options);
}

std::int32_t checkpoint_segment(std::int32_t checkpoint, std::int32_t count) {
    if (checkpoint != ParseOptions::checkpoint_sqrt)
        return checkpoint;
    std::int32_t s = 1;
    while (static_cast<std::int64_t>(s) * s < count)
        ++s;
    return s;
}

std::string format_error(const Error& e, std::string_view path, std::string_view source) {
    const SourceLoc loc = e.loc();
    if (!loc.known())
        return "error: " + std::string(e.what()) + "\n";
    std::string out = std::string(path) + ":" + std::to_string(loc.line) + ":" +
                      std::to_string(loc.col) + ": error: " + e.what() + "\n";
    const std::string_view text = line_of(source, loc.line);
    std::size_t col = static_cast<std::size_t>(std::max(loc.col, 1)) - 1; // 0-based
    col = std::min(col, text.size());
    std::size_t from = 0, to = text.size();
    if (text.size() > max_shown) { // a window around the column
        from = col > max_shown / 2 ? col - max_shown / 2 : 0;
        to = std::min(text.size(), from + max_shown);
    }
    std::string shown, caret;
    if (from > 0)
        shown = caret = "...";
    for (std::size_t i = from; i < to; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const bool printable = c == '\t' || (c >= 0x20 && c < 0x7F);
        shown += printable ? static_cast<char>(c) : '?';
        if (i < col)
            caret += c == '\t' ? '\t' : ' '; // tabs keep the caret aligned
    }
    if (to < text.size())
        shown += "...";
    return out + shown + "\n" + caret + "^\n";
}

} // namespace symdiff
