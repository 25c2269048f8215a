// The model parser: statements and expressions, built straight onto the graph in one
// pass (names are defined before use). Binary operators of one precedence level are
// parsed in a loop, so a 10^6-term sum costs no stack; nesting (brackets, unary minus,
// right-associative ^) recurses and is capped at max_depth with a located error.
// Errors that core raises without a location are re-thrown at the operator or call.
#include "lang/builtins.hpp"
#include "lang/checks.hpp"
#include "lang/lexer.hpp"
#include "lang/model.hpp"
#include "lang/names.hpp"

#include "core/ops.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <numbers>
#include <unordered_map>

namespace symdiff {
namespace {

constexpr int max_depth = 256;

// Runs f; an Error without a location gets `loc`.
template <class F> auto located(SourceLoc loc, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const Error& e) {
        if (e.loc().known())
            throw;
        throw Error(e.what(), loc);
    }
}

// Appends the calls of `from` that `to` lacks (hash-consing makes a call written twice one
// node, so one call).
void add_calls(std::vector<DerivativeCall>& to, const std::vector<DerivativeCall>& from) {
    for (const DerivativeCall& c : from)
        if (std::none_of(to.begin(), to.end(),
                         [&](const DerivativeCall& d) { return d.node == c.node; }))
            to.push_back(c);
}

// The text of a call as written, for messages: whitespace runs become one space and
// comments go.
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

// Literal results of core (numbers combined with numbers) become constant nodes, so
// every Value is a node.
Expr as_node(Graph& g, const Expr& e) { return e.is_literal() ? constant(g, e.literal()) : e; }

struct Binding {
    Value value;
    SourceLoc loc;
    bool is_input = false;
};

class Parser {
  public:
    explicit Parser(Model& m) : m_(m), g_(*m.graph), lex_(m.source) {}
    void parse_file();

  private:
    // statements
    void statement();
    void input_statement();
    void definition();
    void export_statement();
    void end_of_statement();
    // expressions, loosest first
    Value expression(bool allow_comparison);
    Value additive();
    Value term();
    Value unary();
    Value power();
    Value postfix();
    Value primary();
    Value call(const Token& name);
    Value tensor_literal(const Token& open);
    void python_habit(const Token& t, Tok next, bool statement);
    CallArg argument(const Builtin& fn, ArgKind kind);
    Value index(const Value& base, const Token& open);
    Value binary(const Token& op, Value a, const Value& b);
    // pieces
    std::int64_t integer(const std::string& rule);
    double number(const Token& t) const;
    Token expect_name(const std::string& what);
    void close(Tok kind, const Token& open, const std::string& context);
    const Binding* lookup(std::string_view name) const;
    void check_new_name(const Token& name) const;

    Model& m_;
    Graph& g_;
    Lexer lex_;
    std::unordered_map<std::string_view, Binding> names_;  // inputs and definitions
    std::unordered_map<std::string_view, Binding> locals_; // results of the current export
    std::unordered_map<std::string_view, SourceLoc> export_names_;
    int depth_ = 0;
    std::size_t derivative_nodes_ = 0; // nodes that derivative calls added to the graph
};

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
        throw Error("expected a statement ('input', 'export' or NAME = EXPR), got " + describe(t),
                    t.loc);
    if (lex_.peek(1).kind == Tok::assign)
        return definition(); // also "input = 1", refused as a keyword by the name check
    if (t.text == "input")
        return input_statement();
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
    if (statement && t.text == "def" && next == Tok::ident)
        throw Error("functions (def) are not supported yet", t.loc);
    if (statement && (t.text == "for" || t.text == "while"))
        throw Error("loops (" + std::string(t.text) + ") are not supported yet", t.loc);
    if (statement && (t.text == "import" || t.text == "from") && next == Tok::ident)
        throw Error("'" + std::string(t.text) +
                        "' is not needed: the functions of the language are built in",
                    t.loc);
    if (t.text == "if")
        throw Error("conditions (if) are not supported: use where(COND, A, B)", t.loc);
    if (!statement && t.text == "lambda" && (next == Tok::ident || next == Tok::colon))
        throw Error("functions (lambda) are not supported yet", t.loc);
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

const Binding* Parser::lookup(std::string_view name) const {
    if (auto it = locals_.find(name); it != locals_.end())
        return &it->second;
    if (auto it = names_.find(name); it != names_.end())
        return &it->second;
    return nullptr;
}

void Parser::check_new_name(const Token& name) const {
    if (auto problem = model_name_problem(name.text))
        throw Error(*problem, name.loc);
    if (auto it = names_.find(name.text); it != names_.end())
        throw Error(in_quotes(name.text) + " is already defined on line " +
                        std::to_string(it->second.loc.line),
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
            return g_.input(name.text, Shape(std::span<const std::int64_t>(dims)));
        });
        names_[name.text] = Binding{Value{Expr(g_, id), std::nullopt, {}}, name.loc, true};
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
    names_[name.text] = Binding{std::move(v), name.loc, false};
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
    const Token open = lex_.next();
    while (lex_.peek().kind != Tok::rparen && lex_.peek().kind != Tok::end) {
        const Token p = expect_name("a parameter name");
        const Binding* b = lookup(p.text);
        if (!b || !b->is_input)
            throw Error(in_quotes(p.text) + " is not an input", p.loc);
        const NodeId id = b->value.expr.id();
        if (std::find(f.params.begin(), f.params.end(), id) != f.params.end())
            throw Error("parameter " + in_quotes(p.text) + " is listed twice", p.loc);
        f.params.push_back(id);
        if (lex_.peek().kind != Tok::comma)
            break;
        lex_.next();
    }
    close(Tok::rparen, open, "',' or ')' after a parameter");
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

// --------------------------------------------------------------------------------
// Expressions

Value Parser::expression(bool allow_comparison) {
    Value v = additive();
    if (!is_comparison(lex_.peek().kind))
        return v;
    const Token op = lex_.next();
    if (!allow_comparison)
        throw Error("comparisons are only allowed as the condition of where", op.loc);
    v = binary(op, std::move(v), additive());
    if (is_comparison(lex_.peek().kind))
        throw Error("comparisons cannot be chained", lex_.peek().loc);
    return v;
}

Value Parser::additive() {
    Value v = term();
    while (lex_.peek().kind == Tok::plus || lex_.peek().kind == Tok::minus) {
        const Token op = lex_.next();
        v = binary(op, std::move(v), term());
    }
    return v;
}

Value Parser::term() {
    Value v = unary();
    for (Tok k = lex_.peek().kind; k == Tok::star || k == Tok::slash || k == Tok::at;
         k = lex_.peek().kind) {
        const Token op = lex_.next();
        v = binary(op, std::move(v), unary());
    }
    return v;
}

// Every nested construct passes through here, so this is where depth is counted.
Value Parser::unary() {
    if (depth_ >= max_depth)
        throw Error("expression nested too deeply (more than " + std::to_string(max_depth) +
                        " levels)",
                    lex_.peek().loc);
    ++depth_;
    struct Leave {
        int& d;
        ~Leave() { --d; }
    } leave{depth_};
    if (lex_.peek().kind != Tok::minus)
        return power();
    const Token op = lex_.next();
    Value v = unary();
    v.expr = located(op.loc, [&] { return as_node(g_, -v.expr); });
    v.spec.reset();
    return v;
}

// a ^ b ^ c = a ^ (b ^ c); the exponent may carry a unary minus: 2 ^ -1.
Value Parser::power() {
    Value base = postfix();
    if (lex_.peek().kind != Tok::caret)
        return base;
    const Token op = lex_.next();
    return binary(op, std::move(base), unary());
}

Value Parser::postfix() {
    Value v = primary();
    while (lex_.peek().kind == Tok::lbracket) {
        const Token open = lex_.next();
        v = index(v, open);
    }
    return v;
}

Value Parser::primary() {
    const Token t = lex_.next();
    if (t.kind == Tok::number)
        return Value{constant(g_, number(t)), std::nullopt, {}};
    if (t.kind == Tok::lparen) {
        Value v = expression(false);
        close(Tok::rparen, t, "')'");
        return v;
    }
    if (t.kind == Tok::lbracket)
        return tensor_literal(t);
    if (t.kind != Tok::ident)
        throw Error("expected an expression, got " + describe(t), t.loc);
    if (lex_.peek().kind == Tok::lparen)
        return call(t);
    if (const Binding* b = lookup(t.text)) // defined names never collide with the words below
        return b->value;
    python_habit(t, lex_.peek().kind, false);
    if (t.text == "pi")
        return Value{constant(g_, std::numbers::pi), std::nullopt, {}};
    if (is_language_keyword(t.text))
        throw Error("the keyword " + in_quotes(t.text) + " cannot appear in an expression", t.loc);
    if (find_builtin(t.text))
        throw Error(in_quotes(t.text) + " is a function: call it as " + std::string(t.text) +
                        "(...)",
                    t.loc);
    throw Error(in_quotes(t.text) + " is not defined", t.loc);
}

// `a` is taken by value: a long sum moves its derivative calls along, never copies them.
// The op an infix operator token stands for: the entry whose syntax has that symbol
// (+ - * / @ ^ and the comparisons are facts of the op table).
Op infix_op(const Token& t) {
    for (int k = 0; k < op_count; ++k) {
        const OpInfo& o = info(static_cast<Op>(k));
        if (o.arity == 2 && !o.syntax.symbol.empty() && o.syntax.symbol == t.text)
            return static_cast<Op>(k);
    }
    throw Error("internal error: " + describe(t) + " is not a binary operator");
}

Value Parser::binary(const Token& op, Value a, const Value& b) {
    const Expr& x = a.expr;
    const Expr& y = b.expr;
    const Expr r = located(op.loc, [&]() -> Expr {
        const Op o = infix_op(op);
        if (is_elementwise(o))
            return elementwise(o, {x, y});
        const Expr* args[] = {&x, &y};
        return OpValue<Expr>::structural(o, args, {}, {});
    });
    Value v{as_node(g_, r), std::nullopt, std::move(a.calls)};
    add_calls(v.calls, b.calls);
    return v;
}

// --------------------------------------------------------------------------------
// Calls

std::string arity_text(const Builtin& fn) {
    auto args = [](int n) { return std::to_string(n) + (n == 1 ? " argument" : " arguments"); };
    const std::string name = in_quotes(fn.name);
    if (fn.max_args < 0)
        return name + " takes at least " + args(fn.min_args);
    if (fn.min_args == fn.max_args)
        return name + " takes " + args(fn.min_args);
    if (fn.max_args == fn.min_args + 1)
        return name + " takes " + std::to_string(fn.min_args) + " or " + args(fn.max_args);
    return name + " takes " + std::to_string(fn.min_args) + " to " + args(fn.max_args);
}

Value Parser::call(const Token& name) {
    const Builtin* fn = find_builtin(name.text);
    if (!fn) {
        if (lookup(name.text) || is_language_keyword(name.text))
            throw Error(in_quotes(name.text) + " is not a function", name.loc);
        throw Error("unknown function " + in_quotes(name.text) + function_suggestion(name.text),
                    name.loc);
    }
    const Token open = lex_.next();
    std::vector<CallArg> args;
    while (lex_.peek().kind != Tok::rparen && lex_.peek().kind != Tok::end) {
        args.push_back(argument(*fn, arg_kind(*fn, args.size())));
        if (lex_.peek().kind != Tok::comma)
            break;
        lex_.next();
    }
    const Token last = lex_.peek();
    close(Tok::rparen, open, "',' or ')' after an argument of " + in_quotes(fn->name));
    const int n = static_cast<int>(args.size());
    if (n < fn->min_args || (fn->max_args >= 0 && n > fn->max_args))
        throw Error(arity_text(*fn) + ", got " + std::to_string(n), name.loc);

    // The model's own nodes are those not made by derivative calls (see derivative_node_cap).
    const bool derivative = std::ranges::find(fn->leading, ArgKind::variable) != fn->leading.end();
    const NodeId before = g_.size();
    const BuildLimits limits{derivative_node_cap(before - derivative_nodes_)};
    Value v = located(name.loc, [&] { return fn->build(g_, *fn, args, limits); });
    if (derivative)
        derivative_nodes_ += g_.size() - before;
    v.expr = as_node(g_, v.expr);
    for (const CallArg& a : args)
        add_calls(v.calls, a.value.calls);
    if (v.spec) {
        const auto length = static_cast<std::size_t>(last.text.data() + 1 - name.text.data());
        add_calls(v.calls, {DerivativeCall{v.expr.id(), *v.spec,
                                           call_text(std::string_view(name.text.data(), length))}});
    }
    return v;
}

// [a, b, ...]: the elements, expressions of one shape (a nested literal is one), stacked
// along a new leading axis, as NumPy's array(): [[1, 2], [3, 4]] is a 2x2 matrix. Built
// with stack, so a literal of numbers is constant; a trailing comma is allowed.
Value Parser::tensor_literal(const Token& open) {
    Value v;
    std::vector<Expr> elements;
    while (lex_.peek().kind != Tok::rbracket && lex_.peek().kind != Tok::end) {
        const Token first = lex_.peek();
        Value e = expression(false);
        if (!elements.empty() && e.expr.shape() != elements[0].shape())
            throw Error("ragged tensor literal: element " + std::to_string(elements.size() + 1) +
                            " has shape " + e.expr.shape().str() + ", element 1 has " +
                            elements[0].shape().str(),
                        first.loc);
        elements.push_back(e.expr);
        add_calls(v.calls, e.calls);
        if (lex_.peek().kind != Tok::comma)
            break;
        lex_.next();
    }
    if (elements.empty() && lex_.peek().kind == Tok::rbracket)
        throw Error("empty tensor literal: a tensor has at least one element", open.loc);
    close(Tok::rbracket, open, "',' or ']' after an element of a tensor literal");
    v.expr = located(open.loc, [&] { return as_node(g_, stack(elements)); });
    return v;
}

CallArg Parser::argument(const Builtin& fn, ArgKind kind) {
    const std::string f = in_quotes(fn.name);
    const std::string literal_rule =
        kind == ArgKind::axis  ? "the axis of " + f + " must be an integer literal"
        : kind == ArgKind::dim ? "the dimensions of " + f + " must be integer literals"
                               : "the order of " + f + " must be an integer literal";
    CallArg a;
    const Token first = lex_.peek();
    auto ends_argument = [&] {
        const Tok k = lex_.peek().kind;
        return k == Tok::comma || k == Tok::rparen;
    };
    switch (kind) {
    case ArgKind::expr:
    case ArgKind::condition:
        a.value = expression(kind == ArgKind::condition);
        return a;
    case ArgKind::variable: {
        const std::string what = "the variable of " + f + " must be the name of an input";
        if (first.kind != Tok::ident)
            throw Error(what, first.loc);
        lex_.next();
        if (!ends_argument())
            throw Error(what, first.loc);
        const Binding* b = lookup(first.text);
        if (!b)
            throw Error(in_quotes(first.text) + " is not defined", first.loc);
        if (!b->is_input)
            throw Error(in_quotes(first.text) + " is not an input (" + f +
                            " differentiates by inputs)",
                        first.loc);
        a.value = b->value;
        return a;
    }
    case ArgKind::axis:
        a.integer = integer(literal_rule);
        break;
    case ArgKind::dim:
        a.integer = integer(literal_rule);
        if (a.integer < 1)
            throw Error("dimension " + std::to_string(a.integer) + " must be positive", first.loc);
        break;
    case ArgKind::order:
        a.integer = integer(literal_rule);
        if (a.integer < 0)
            throw Error("the order of " + f + " must be non-negative, got " +
                            std::to_string(a.integer),
                        first.loc);
        if (a.integer > max_diff_order)
            throw Error("the order of " + f + " is at most " + std::to_string(max_diff_order) +
                            ", got " + std::to_string(a.integer),
                        first.loc);
        break;
    }
    if (!ends_argument()) // "1 + 1" is not a literal
        throw Error(literal_rule, first.loc);
    return a;
}

// --------------------------------------------------------------------------------
// Literals

// An integer literal with an optional minus sign, of at most 2^31 - 1 in magnitude;
// anything else is an Error saying `rule`.
std::int64_t Parser::integer(const std::string& rule) {
    const Token first = lex_.peek();
    const bool negative = first.kind == Tok::minus;
    if (negative)
        lex_.next();
    const Token t = lex_.peek();
    const bool digits =
        t.kind == Tok::number &&
        std::all_of(t.text.begin(), t.text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits)
        throw Error(rule, first.loc);
    lex_.next();
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (ec != std::errc() || v > std::numeric_limits<std::int32_t>::max())
        throw Error("integer " + std::string(t.text) + " is too large", t.loc);
    return negative ? -v : v;
}

double Parser::number(const Token& t) const {
    double v = 0;
    const auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (ec != std::errc() || end != t.text.data() + t.text.size())
        throw Error("number " + in_quotes(t.text) + " does not fit in a double", t.loc);
    return v;
}

// --------------------------------------------------------------------------------
// Indexing: x[i], A[i, j], A[i], x[a:b], x[:b], x[a:], A[:, j]; negatives count from
// the end (NumPy). Ranges are checked here so the error points at the index.

Value Parser::index(const Value& base, const Token& open) {
    const Shape shape = base.expr.shape();
    SliceSpec spec;
    for (int k = 0; k < shape.rank(); ++k)
        spec.stop[static_cast<std::size_t>(k)] = static_cast<std::int32_t>(shape[k]);
    auto is_int_start = [&] {
        return lex_.peek().kind == Tok::minus || lex_.peek().kind == Tok::number;
    };
    int axis = 0;
    for (;;) {
        const Token first = lex_.peek();
        if (axis >= shape.rank())
            throw Error("too many indices for shape " + shape.str(), first.loc);
        const std::int64_t dim = shape[axis];
        const auto k = static_cast<std::size_t>(axis);
        auto normal = [&](std::int64_t i) { return i < 0 ? i + dim : i; };
        std::optional<std::int64_t> lo, hi;
        if (is_int_start())
            lo = integer("an index must be an integer literal");
        else if (first.kind != Tok::colon)
            throw Error("indices must be integer literals or slices a:b, got " + describe(first),
                        first.loc);
        if (lex_.peek().kind == Tok::colon) {
            lex_.next();
            if (is_int_start())
                hi = integer("an index must be an integer literal");
            const std::int64_t a = lo ? normal(*lo) : 0, b = hi ? normal(*hi) : dim;
            if (a < 0 || a > dim || b < 0 || b > dim)
                throw Error("slice " + (lo ? std::to_string(*lo) : "") + ":" +
                                (hi ? std::to_string(*hi) : "") + " is out of range for axis " +
                                std::to_string(axis) + " of shape " + shape.str(),
                            first.loc);
            if (a >= b)
                throw Error("slice " + (lo ? std::to_string(*lo) : "") + ":" +
                                (hi ? std::to_string(*hi) : "") + " of axis " +
                                std::to_string(axis) + " is empty",
                            first.loc);
            spec.start[k] = static_cast<std::int32_t>(a);
            spec.stop[k] = static_cast<std::int32_t>(b);
        } else {
            const std::int64_t i = normal(*lo);
            if (i < 0 || i >= dim)
                throw Error("index " + std::to_string(*lo) + " is out of range for axis " +
                                std::to_string(axis) + " of shape " + shape.str(),
                            first.loc);
            spec.start[k] = static_cast<std::int32_t>(i);
            spec.stop[k] = static_cast<std::int32_t>(i + 1);
            spec.drop = static_cast<std::uint8_t>(spec.drop | (1u << axis));
        }
        ++axis;
        if (lex_.peek().kind != Tok::comma)
            break;
        lex_.next();
    }
    close(Tok::rbracket, open, "',' or ']' after an index");
    const Expr r = located(open.loc, [&] { return slice(base.expr, spec); });
    return Value{r, std::nullopt, base.calls};
}

} // namespace

Model parse_model(std::string source, std::string path) {
    Model m;
    m.graph = std::make_unique<Graph>();
    m.source = std::move(source);
    m.path = std::move(path);
    Parser(m).parse_file();
    return m;
}

} // namespace symdiff
