// The DOT writer (boost::write_graphviz over GraphAdapter) and the numbers of a picture.
// Labels are Graphviz HTML-like labels, so two colours can share one: every text goes
// through html() (entities, doubled backslashes, <BR/> for line breaks, '?' for control
// bytes and broken UTF-8), so no name can end a label or change its meaning.
#include "core/dot.hpp"
#include "core/number_text.hpp"

#include "core/differentiate.hpp"
#include "core/error.hpp"
#include "core/graph_adapter.hpp"
#include "core/ops.hpp"
#include "core/traverse.hpp"

#include <boost/graph/graphviz.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>

namespace symdiff {
namespace {

constexpr const char* derivative_fill = "#fde7c8";   // nodes made by differentiation
constexpr const char* derivative_border = "#d08c30"; // their cluster
constexpr const char* derivative_wire = "#8a8a8a";   // edges into them

// ---------------------------------------------------------------------------------
// Escaping

// The length of the well-formed UTF-8 sequence at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    const std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (c >= 0xF5 || n == 0 || i + n > s.size())
        return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((b(k) & 0xC0) != 0x80)
            return 0;
    if ((n == 3 && c == 0xE0 && b(1) < 0xA0) || (n == 3 && c == 0xED && b(1) >= 0xA0) ||
        (n == 4 && c == 0xF0 && b(1) < 0x90) || (n == 4 && c == 0xF4 && b(1) >= 0x90))
        return 0; // overlong, surrogate, beyond U+10FFFF
    return n;
}

// Text for an HTML-like label. Graphviz expands \N, \G, ... even there, so a backslash
// is doubled.
std::string html(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const std::size_t n = utf8_length(s, i);
            out += n ? s.substr(i, n) : "?";
            i += n ? n : 1;
            continue;
        }
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '"')
            out += "&quot;";
        else if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "<BR/>";
        else if (c < 0x20 || c == 0x7F)
            out += '?';
        else
            out += static_cast<char>(c);
        ++i;
    }
    return out;
}

std::string coloured(const std::string& escaped, std::string_view colour) {
    std::string s = "<FONT COLOR=\"";
    s += colour;
    return s + "\">" + escaped + "</FONT>";
}

// ---------------------------------------------------------------------------------
// What a picture shows

// The window of a slice or embed: "[0]", "[1:3, :]" (":" for a whole axis of `source`).
std::string window(const SliceSpec& s, const Shape& source) {
    std::string w = "[";
    for (int k = 0; k < source.rank(); ++k) {
        const auto start = s.start[static_cast<std::size_t>(k)];
        const auto stop = s.stop[static_cast<std::size_t>(k)];
        w += k ? ", " : "";
        if (s.dropped(k))
            w += std::to_string(start);
        else if (start == 0 && stop == source[k])
            w += ":";
        else
            w += std::to_string(start) + ":" + std::to_string(stop);
    }
    return w + "]";
}

// A second line for nodes whose payload matters to a reader: where a slice reads, where
// an embed writes, how a loop lays out its directions.
// "10 steps", "scan of 10 steps, backwards, the carries before each step", ...
std::string fold_words(const FoldSpec& f) {
    std::string s = std::to_string(f.count) + (f.count == 1 ? " step" : " steps");
    if (f.reverse)
        s += ", backwards";
    if (f.mode == FoldMode::after)
        s += ", every carry after a step";
    else if (f.mode == FoldMode::before)
        s += ", every carry before a step";
    if (f.keeps_steps)
        s += " and what the reverse loop reads of it";
    return s;
}

std::string payload_detail(const Graph& g, const Node& n) {
    const Payload p = n.payload();
    if (const auto* s = boost::variant2::get_if<SliceSpec>(&p)) // embed: into itself
        return "at " + window(*s, n.op == Op::Slice ? g[n.args[0]].shape : n.shape);
    if (const auto* l = boost::variant2::get_if<LoopSpec>(&p))
        return l->seed_axes_last ? "one column per direction" : "one row per direction";
    if (const auto* f = boost::variant2::get_if<FoldSpec>(&p))
        return fold_words(*f);
    return {};
}

const std::optional<Tensor>* entry(const std::vector<std::optional<Tensor>>& v, NodeId id) {
    return id < v.size() && v[id] ? &v[id] : nullptr;
}

class DotWriter {
  public:
    DotWriter(const Graph& g, std::vector<NodeId> roots, const DotOptions& o)
        : o_(o), view_(g, roots) {
        if (!o.primal.empty()) {
            const std::vector<NodeId> original = reachable(g, o.primal);
            primal_.assign(g.size(), 0);
            for (NodeId id : original)
                primal_[id] = 1;
            if (!o.derivatives.empty()) { // what the derivatives do not reach is not theirs
                std::vector<std::uint8_t> derived(g.size(), 0);
                for (NodeId id : reachable(g, o.derivatives))
                    derived[id] = 1;
                for (std::size_t id = 0; id < g.size(); ++id)
                    primal_[id] = primal_[id] || !derived[id];
            }
        }
        find_boxes();
    }

    void write(std::ostream& out) const {
        const BglGraph& b = view_.bgl();
        std::vector<std::string> ids(boost::num_vertices(b));
        for (std::size_t v = 0; v < ids.size(); ++v)
            ids[v] = "n" + std::to_string(view_.node(v));
        boost::write_graphviz(
            out, b, [&](std::ostream& os, GraphAdapter::Vertex v) { vertex(os, v); },
            [&](std::ostream& os, GraphAdapter::Edge e) { edge(os, e); },
            [&](std::ostream& os) { header(os); },
            boost::make_iterator_property_map(ids.begin(), boost::get(boost::vertex_index, b)));
    }

  private:
    bool derivative(NodeId id) const { return !primal_.empty() && !primal_[id]; }

    // The body of each loop of the model drawn (a fold or scan) in a box: the nodes that
    // depend on its carry or elements, a loop inside another's body in that box.
    struct Box {
        NodeId parent = no_node;     // the loop whose box holds this one
        std::vector<NodeId> members; // nodes drawn in this box and in no inner one
    };

    void find_boxes() {
        std::vector<NodeId> nodes;
        for (std::size_t v = 0; v < boost::num_vertices(view_.bgl()); ++v)
            nodes.push_back(view_.node(v));
        std::sort(nodes.begin(), nodes.end());
        const Graph& g = view_.graph();
        if (std::none_of(nodes.begin(), nodes.end(), [&](NodeId id) { return g[id].op == Op::Fold; }))
            return;
        const std::vector<LoopSet> free = free_seeds(g, nodes); // the adapter draws closed sets
        owner_.assign(nodes.back() + 1, no_node);
        for (NodeId loop : nodes) { // inner loops have smaller ids: they claim their nodes first
            if (g[loop].op != Op::Fold)
                continue;
            const LoopSet bit = free[g[loop].args[1]];
            boxes_[loop];
            for (NodeId id : nodes)
                if (id < loop && (free[id] & bit).any() && owner_[id] == no_node)
                    owner_[id] = loop;
            for (auto& [inner, box] : boxes_)
                if (inner < loop && box.parent == no_node && (free[inner] & bit).any())
                    box.parent = loop;
        }
        for (NodeId id : nodes)
            if (owner_[id] != no_node)
                boxes_[owner_[id]].members.push_back(id);
    }

    NodeId box_of(NodeId id) const { return id < owner_.size() ? owner_[id] : no_node; }

    void write_box(std::ostream& os, NodeId loop) const {
        const Node& n = view_.graph()[loop];
        os << "subgraph cluster_loop" << loop << " {\nlabel=<body of loop n" << loop << ": "
           << html(fold_words(n.fold())) << ">;\nstyle=rounded;\ncolor=\"#5b7fb0\";\nfontcolor=\"#5b7fb0\";\n";
        for (NodeId id : boxes_.at(loop).members)
            os << "n" << id << ";\n";
        for (const auto& [inner, box] : boxes_)
            if (box.parent == loop)
                write_box(os, inner);
        os << "}\n";
    }

    // The legend's words for the gradients.
    std::string gradient_key() const {
        if (o_.gradient_of == no_node)
            return "red: gradients";
        for (const Function::Result& r : o_.results)
            if (r.node == o_.gradient_of)
                return "red: d " + html(r.name) + " / d node";
        return "red: d (double-bordered node) / d node";
    }

    std::string value_text(NodeId id) const {
        const auto* v = entry(o_.values, id);
        return v ? html(dot_value(**v, o_.max_listed)) : std::string();
    }

    // Graph attributes, the legend, the backward-pass cluster and the result sinks.
    void header(std::ostream& os) const {
        os << "rankdir=LR;\nnewrank=true;\nnode [fontname=\"Helvetica\", fontsize=12];\n"
              "edge [fontname=\"Helvetica\", fontsize=11, arrowsize=0.7];\n";
        std::vector<std::string> legend;
        if (!o_.title.empty())
            legend.push_back(html(o_.title));
        std::string key;
        const auto add = [&](const std::string& part) { key += (key.empty() ? "" : "   ") + part; };
        if (!o_.values.empty())
            add(coloured("green: values", dot_value_colour));
        if (!o_.gradients.empty())
            add(coloured(gradient_key(), dot_gradient_colour));
        std::vector<NodeId> backward;
        for (std::size_t v = 0; v < boost::num_vertices(view_.bgl()); ++v)
            if (derivative(view_.node(v)) && box_of(view_.node(v)) == no_node)
                backward.push_back(view_.node(v));
        if (!backward.empty())
            add("filled: made by differentiation");
        if (!key.empty())
            legend.push_back("<FONT POINT-SIZE=\"11\">" + key + "</FONT>");
        if (!legend.empty()) {
            os << "labelloc=t;\nlabeljust=l;\nfontname=\"Helvetica\";\nlabel=<";
            for (std::size_t k = 0; k < legend.size(); ++k)
                os << (k ? "<BR ALIGN=\"LEFT\"/>" : "") << legend[k];
            os << "<BR ALIGN=\"LEFT\"/>>;\n";
        }
        if (!backward.empty()) {
            os << "subgraph cluster_backward {\nlabel=\"backward pass\";\nstyle=dashed;\ncolor=\""
               << derivative_border << "\";\nfontcolor=\"" << derivative_border << "\";\n";
            for (NodeId id : backward)
                os << "n" << id << ";\n";
            for (const auto& [loop, box] : boxes_)
                if (box.parent == no_node && derivative(loop))
                    write_box(os, loop);
            os << "}\n";
        }
        for (const auto& [loop, box] : boxes_)
            if (box.parent == no_node && (backward.empty() || !derivative(loop)))
                write_box(os, loop);
        for (std::size_t k = 0; k < o_.results.size(); ++k) {
            const NodeId id = o_.results[k].node;
            os << "r" << k << " [shape=plaintext, label=<<B>" << html(o_.results[k].name)
               << "</B>>];\n";
            os << "n" << id << " -> r" << k << " [label=<";
            if (const std::string v = value_text(id); !v.empty())
                os << coloured(v, dot_value_colour);
            os << ">];\n";
        }
    }

    void vertex(std::ostream& os, GraphAdapter::Vertex v) const {
        const NodeId id = view_.node(v);
        const Node& n = view_.node_record(v);
        std::string label = html(view_.label(v));
        if (const std::string d = payload_detail(view_.graph(), n); !d.empty())
            label += "<BR/><FONT POINT-SIZE=\"10\">" + html(d) + "</FONT>";
        const bool read = boost::out_degree(v, view_.bgl()) > 0 ||
                          std::any_of(o_.results.begin(), o_.results.end(),
                                      [&](const Function::Result& r) { return r.node == id; });
        if (const std::string value = value_text(id); !value.empty() && !read)
            label += "<BR/>" + coloured(value, dot_value_colour);
        if (const auto* gr = entry(o_.gradients, id))
            label += "<BR/>" + coloured(html(dot_value(**gr, o_.max_listed)), dot_gradient_colour);
        std::string style;
        os << "[label=<" << label << ">";
        if (n.op == Op::Input) {
            os << ", shape=box";
            style = "rounded";
        } else if (n.op == Op::Const || n.op == Op::Seed) {
            os << ", shape=box";
            style = "dashed";
        } else {
            os << ", shape=ellipse";
        }
        if (id == o_.gradient_of)
            os << ", peripheries=2";
        if (derivative(id)) {
            style += style.empty() ? "filled" : ",filled";
            os << ", fillcolor=\"" << derivative_fill << "\"";
        }
        if (!style.empty())
            os << ", style=\"" << style << "\"";
        os << "]";
    }

    void edge(std::ostream& os, GraphAdapter::Edge e) const {
        const BglGraph& b = view_.bgl();
        const NodeId from = view_.node(boost::source(e, b));
        const NodeId to = view_.node(boost::target(e, b));
        os << "[label=<";
        if (const std::string v = value_text(from); !v.empty())
            os << coloured(v, dot_value_colour);
        os << ">";
        if (derivative(to))
            os << ", color=\"" << derivative_wire << "\"";
        os << "]";
    }

    const DotOptions& o_;
    GraphAdapter view_;
    std::vector<std::uint8_t> primal_; // by NodeId: reached from o_.primal; empty: no marks
    std::vector<NodeId> owner_;        // by NodeId: the innermost loop whose box holds it
    std::map<NodeId, Box> boxes_;      // by loop node
};

std::vector<NodeId> drawn_roots(std::span<const NodeId> roots, const DotOptions& o) {
    std::vector<NodeId> all(roots.begin(), roots.end());
    for (const Function::Result& r : o.results)
        all.push_back(r.node);
    return all;
}

// in_loop[id]: node id has a value per direction of a jacobian loop or per step of a fold
// (free_seeds), as the interpreter evaluates loop bodies.
std::vector<std::uint8_t> inside_loops(const Graph& g, const std::vector<NodeId>& nodes) {
    const std::vector<LoopSet> seeds = free_seeds(g, nodes);
    std::vector<std::uint8_t> in_loop(seeds.size(), 0);
    for (NodeId id : nodes)
        in_loop[id] = seeds[id].any();
    return in_loop;
}

} // namespace

void write_dot(std::ostream& out, const Graph& g, std::span<const NodeId> roots,
               const DotOptions& options) {
    DotWriter(g, drawn_roots(roots, options), options).write(out);
}

DotNumbers dot_numbers(Graph& g, std::span<const NodeId> roots, NodeId of, const Bindings& inputs) {
    if (!g[of].shape.is_scalar())
        throw Error("gradients need a scalar function; node " + std::to_string(of) + " has shape " +
                    g[of].shape.str());
    std::vector<NodeId> all(roots.begin(), roots.end());
    all.push_back(of);
    const std::vector<NodeId> nodes = reachable(g, all);
    const std::vector<std::uint8_t> in_loop = inside_loops(g, nodes);
    std::vector<NodeId> evaluated;
    for (NodeId id : nodes)
        if (!in_loop[id])
            evaluated.push_back(id);
    // A node in a loop's body has a value, and a gradient, per step: none is shown.
    std::vector<NodeId> ancestors;
    for (NodeId id : reachable(g, std::span<const NodeId>(&of, 1)))
        if (!in_loop[id])
            ancestors.push_back(id);
    std::vector<Expr> vars;
    for (NodeId id : ancestors)
        vars.emplace_back(g, id);
    const std::vector<Expr> adjoints = node_adjoints(Expr(g, of), vars, Expr(1.0));
    const std::size_t first_adjoint = evaluated.size();
    for (const Expr& a : adjoints)
        evaluated.push_back(a.id());
    const std::vector<Tensor> numbers = evaluate(g, evaluated, inputs);

    DotNumbers d;
    d.values.resize(nodes.back() + 1);
    d.gradients.resize(nodes.back() + 1);
    for (std::size_t k = 0; k < first_adjoint; ++k)
        d.values[evaluated[k]] = numbers[k];
    for (std::size_t k = 0; k < ancestors.size(); ++k)
        d.gradients[ancestors[k]] = numbers[first_adjoint + k];
    return d;
}

std::string dot_number(double v) {
    if (std::isnan(v))
        return "nan"; // without the sign bit to_chars would show
    if (v == 0.0)
        return "0"; // and not "-0"
    const std::string s = shortest_text(v);
    if (s.size() <= 8)
        return s;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v); // a picture's label: four digits will do
    return buf;
}

std::string dot_value(const Tensor& t, int max_listed) {
    const Shape& s = t.shape();
    if (s.is_scalar())
        return dot_number(t.item());
    if (static_cast<std::int64_t>(t.size()) > max_listed) {
        std::string dims;
        for (int k = 0; k < s.rank(); ++k)
            dims += (k ? "x" : "") + std::to_string(s[k]);
        return "(" + dims + " values)";
    }
    // Row-major: before element i open a bracket for each axis whose block (stride times
    // extent) starts at i; after it close one for each axis whose block ends there.
    std::array<std::size_t, Shape::max_rank> block{};
    for (int k = 0; k < s.rank(); ++k)
        block[static_cast<std::size_t>(k)] =
            static_cast<std::size_t>(s.strides()[static_cast<std::size_t>(k)] * s[k]);
    std::string text;
    for (std::size_t i = 0; i < t.size(); ++i) {
        text += i ? ", " : "";
        for (int k = 0; k < s.rank(); ++k)
            text += i % block[static_cast<std::size_t>(k)] == 0 ? "[" : "";
        text += dot_number(t[i]);
        for (int k = 0; k < s.rank(); ++k)
            text += (i + 1) % block[static_cast<std::size_t>(k)] == 0 ? "]" : "";
    }
    return text;
}

} // namespace symdiff
