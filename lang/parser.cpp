// The model parser: statements, built straight onto the graph in one pass (names are
// defined before use). Binary operators of one precedence level are parsed in a loop,
// so a 10^6-term sum costs no stack; nesting (brackets, unary minus, right-associative
// ^) recurses and is capped at max_depth with a located error. Errors that core raises
// without a location are re-thrown at the operator or call (parser.hpp: the Parser).
#include "lang/parser.hpp"

#include <algorithm>

namespace symdiff::parsing {

void add_calls(std::vector<DerivativeCall>& to, const std::vector<DerivativeCall>& from) {
    for (const DerivativeCall& c : from)
        if (std::none_of(to.begin(), to.end(),
                         [&](const DerivativeCall& d) { return d.node == c.node; }))
            to.push_back(c);
}

std::string call_text(std::string_view text) {
    std::string out;
    bool space = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '#') {
            while (i + 1 < text.size() && text[i + 1] != '\n')
                ++i;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = true;
            continue;
        }
        if (space && !out.empty() && out.back() != '(' && c != ')')
            out += ' ';
        space = false;
        out += c;
    }
    return out;
}

// --------------------------------------------------------------------------------
// Statements

void Parser::parse_file() {
    for (;;) {
        const Token& t = lex_.peek();
        if (t.kind == Tok::end)
            break;
        if (t.kind == Tok::newline || t.kind == Tok::semicolon) {
            lex_.next();
            continue;
        }
        statement();
        end_of_statement();
    }
    if (m_.exports.empty())
        throw Error("model defines no export", lex_.peek().loc);
}

void Parser::statement() {
    const Token& t = lex_.peek();
    if (t.kind != Tok::ident)
        throw Error("expected a statement ('input', 'def', 'export' or NAME = EXPR), got " +
                        describe(t),
                    t.loc);
    if (lex_.peek(1).kind == Tok::assign)
        return definition(); // also "input = 1", refused as a keyword by the name check
    if (t.text == "input")
        return input_statement();
    if (t.text == "def" && lex_.peek(1).kind == Tok::ident)
        return def_statement();
    if (t.text == "export")
        return export_statement();
    python_habit(t, lex_.peek(1).kind, true);
    throw Error("expected '=' after " + in_quotes(t.text), lex_.peek(1).loc);
}

// Python's statements and words that the language does not have (yet): a located error
// that says what to write instead. `next`: the kind of the token after t; `statement`: t
// starts a statement.
void Parser::python_habit(const Token& t, Tok next, bool statement) {
    if (t.kind != Tok::ident)
        return;
    if (statement && (t.text == "for" || t.text == "while"))
        throw Error("loops (" + std::string(t.text) + ") are written fold(F, init, xs) or scan(F, init, xs), with F defined by 'def'", t.loc);
    if (statement && (t.text == "import" || t.text == "from") && next == Tok::ident)
        throw Error("'" + std::string(t.text) +
                        "' is not needed: the functions of the language are built in",
                    t.loc);
    if (t.text == "if")
        throw Error("conditions (if) are not supported: use where(COND, A, B)", t.loc);
    if (!statement && t.text == "lambda" && (next == Tok::ident || next == Tok::colon))
        throw Error("functions (lambda) are written with 'def': def f(y) = y * x", t.loc);
}

void Parser::end_of_statement() {
    const Token& t = lex_.peek();
    if (t.kind == Tok::newline || t.kind == Tok::semicolon) {
        lex_.next();
        return;
    }
    if (t.kind == Tok::end)
        return;
    if (is_comparison(t.kind))
        throw Error("comparisons are only allowed as the condition of where", t.loc);
    python_habit(t, lex_.peek(1).kind, false); // a if c else b
    throw Error("expected the end of the statement, got " + describe(t), t.loc);
}

// A function's body sees its parameters and local definitions, then the model's names
// defined before the function; elsewhere, the current export's results, then the model's.
const Binding* Parser::lookup(std::string_view name) const {
    if (!frames_.empty()) {
        const Frame& f = frames_.back();
        if (auto it = f.names.find(name); it != f.names.end())
            return &it->second;
        if (auto it = names_.find(name); it != names_.end() && it->second.order < f.fn->order)
            return &it->second;
        return nullptr;
    }
    if (auto it = locals_.find(name); it != locals_.end())
        return &it->second;
    if (auto it = names_.find(name); it != names_.end())
        return &it->second;
    return nullptr;
}

// The error for a name that lookup() does not find.
Error Parser::not_defined(const Token& name) const {
    if (functions_.contains(name.text))
        return Error(in_quotes(name.text) + " is a function: call it as " + std::string(name.text) +
                         "(...)",
                     name.loc);
    if (!frames_.empty()) {
        const Binding* later = nullptr;
        if (auto it = names_.find(name.text); it != names_.end())
            later = &it->second;
        else if (auto local = locals_.find(name.text); local != locals_.end())
            later = &local->second;
        if (later)
            return Error(in_quotes(name.text) + " is defined after function " +
                             in_quotes(frames_.back().fn->name.text) + " (on line " +
                             std::to_string(later->loc.line) +
                             "): a function sees only what is defined before it",
                         name.loc);
    }
    return Error(in_quotes(name.text) + " is not defined", name.loc);
}

// A new name of the model, or of the function being read: not a word of the language,
// not a name of its scope, never a function's name.
void Parser::check_new_name(const Token& name) const {
    if (auto problem = model_name_problem(name.text))
        throw Error(*problem, name.loc);
    const auto& scope = frames_.empty() ? names_ : frames_.back().names;
    std::optional<SourceLoc> before;
    if (auto it = scope.find(name.text); it != scope.end())
        before = it->second.loc;
    else if (auto fn = functions_.find(name.text); fn != functions_.end())
        before = fn->second.name.loc;
    if (before)
        throw Error(in_quotes(name.text) + " is already defined on line " +
                        std::to_string(before->line),
                    name.loc);
}

Token Parser::expect_name(const std::string& what) {
    const Token& t = lex_.peek();
    if (t.kind != Tok::ident)
        throw Error("expected " + what + ", got " + describe(t), t.loc);
    return lex_.next();
}

// Expects the bracket that closes `open`; at the end of the file, points at `open`.
void Parser::close(Tok kind, const Token& open, const std::string& context) {
    const Token& t = lex_.peek();
    if (t.kind == kind) {
        lex_.next();
        return;
    }
    if (t.kind == Tok::end)
        throw Error("unclosed " + describe(open), open.loc);
    if (is_comparison(t.kind))
        throw Error("comparisons are only allowed as the condition of where", t.loc);
    python_habit(t, lex_.peek(1).kind, false);
    throw Error("expected " + context + ", got " + describe(t), t.loc);
}

void Parser::input_statement() {
    lex_.next(); // input
    for (;;) {
        const Token name = expect_name("an input name");
        check_new_name(name);
        std::vector<std::int64_t> dims;
        if (lex_.peek().kind == Tok::lbracket) {
            const Token open = lex_.next();
            for (;;) {
                const SourceLoc at = lex_.peek().loc;
                if (dims.size() == static_cast<std::size_t>(Shape::max_rank))
                    throw Error("an input has at most " + std::to_string(Shape::max_rank) +
                                    " dimensions",
                                at);
                dims.push_back(integer("the dimensions of an input must be integer literals"));
                if (dims.back() < 1)
                    throw Error("dimension " + std::to_string(dims.back()) + " must be positive",
                                at);
                if (lex_.peek().kind != Tok::comma)
                    break;
                lex_.next();
            }
            close(Tok::rbracket, open, "',' or ']' after a dimension");
        }
        const NodeId id = located(name.loc, [&] {
            return g_.add_input(name.text, Shape(std::span<const std::int64_t>(dims)));
        });
        names_[name.text] =
            Binding{Value{Expr(g_, id), std::nullopt, {}}, name.loc, true, order_++};
        if (lex_.peek().kind != Tok::comma)
            return;
        lex_.next();
    }
}

void Parser::definition() {
    const Token name = lex_.next();
    check_new_name(name);
    lex_.next(); // =
    Value v = expression(false);
    auto& scope = frames_.empty() ? names_ : frames_.back().names;
    scope[name.text] = Binding{std::move(v), name.loc, false, order_++};
}

void Parser::export_statement() {
    lex_.next(); // export
    const Token name = expect_name("the name of the export");
    if (auto problem = model_name_problem(name.text))
        throw Error(*problem, name.loc);
    if (auto it = export_names_.find(name.text); it != export_names_.end())
        throw Error("export " + in_quotes(name.text) + " is already defined on line " +
                        std::to_string(it->second.line),
                    name.loc);
    Function f;
    f.name = std::string(name.text);
    f.loc = name.loc;
    ExportSite site;

    if (lex_.peek().kind != Tok::lparen)
        throw Error("expected '(' after the export name, got " + describe(lex_.peek()),
                    lex_.peek().loc);
    parameters([&](const Token& p) {
        const Binding* b = lookup(p.text);
        if (!b || !b->is_input)
            throw Error(in_quotes(p.text) + " is not an input", p.loc);
        const NodeId id = b->value.expr.id();
        if (std::find(f.params.begin(), f.params.end(), id) != f.params.end())
            throw Error("parameter " + in_quotes(p.text) + " is listed twice", p.loc);
        f.params.push_back(id);
    });
    if (lex_.peek().kind != Tok::arrow)
        throw Error("expected '->' after the parameter list, got " + describe(lex_.peek()),
                    lex_.peek().loc);
    lex_.next();

    std::vector<std::optional<DerivativeSpec>> specs;
    std::vector<std::vector<DerivativeCall>> calls;
    locals_.clear();
    for (;;) {
        const Token& t = lex_.peek();
        if (f.results.empty() &&
            (t.kind == Tok::newline || t.kind == Tok::semicolon || t.kind == Tok::end))
            throw Error("export " + in_quotes(name.text) + " has no results", t.loc);
        if (t.kind != Tok::ident)
            throw Error("a result must be a defined name or NAME = EXPR, got " + describe(t),
                        t.loc);
        const Token rname = lex_.next();
        const bool defines = lex_.peek().kind == Tok::assign;
        Value v;
        if (defines) {
            if (auto problem = model_name_problem(rname.text))
                throw Error(*problem, rname.loc);
        }
        const Binding* existing = lookup(rname.text);
        if (existing && existing->is_input &&
            std::find(f.params.begin(), f.params.end(), existing->value.expr.id()) !=
                f.params.end())
            throw Error("result " + in_quotes(rname.text) + " has the name of a parameter",
                        rname.loc);
        if (std::any_of(f.results.begin(), f.results.end(),
                        [&](const Function::Result& r) { return r.name == rname.text; }))
            throw Error("result " + in_quotes(rname.text) + " is listed twice", rname.loc);
        if (defines) {
            if (auto fn = functions_.find(rname.text); fn != functions_.end())
                throw Error(in_quotes(rname.text) + " is already defined on line " +
                                std::to_string(fn->second.name.loc.line),
                            rname.loc);
            if (existing)
                throw Error("result " + in_quotes(rname.text) + " would hide " +
                                in_quotes(rname.text) + " defined on line " +
                                std::to_string(existing->loc.line),
                            rname.loc);
            lex_.next(); // =
            v = expression(false);
            locals_[rname.text] = Binding{v, rname.loc, false};
        } else {
            if (!existing)
                throw Error(in_quotes(rname.text) + " is not defined", rname.loc);
            v = existing->value;
        }
        f.results.push_back({std::string(rname.text), v.expr.id()});
        specs.push_back(v.spec);
        calls.push_back(std::move(v.calls));
        site.results.push_back(rname.loc);
        if (lex_.peek().kind != Tok::comma)
            break;
        lex_.next();
    }
    locals_.clear();
    check_export(g_, f, site);
    export_names_[name.text] = name.loc;
    m_.exports.push_back(std::move(f));
    m_.result_specs.push_back(std::move(specs));
    m_.derivative_calls.push_back(std::move(calls));
}

} // namespace symdiff::parsing

namespace symdiff {

Model parse_model(std::string source, std::string path, const ParseOptions& options) {
    Model m;
    m.graph = std::make_unique<Graph>();
    m.source = std::move(source);
    m.path = std::move(path);
    parsing::Parser(m, options).parse_file();
    return m;
}

} // namespace symdiff
