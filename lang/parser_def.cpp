// The model's functions (def, docs/language.md "Functions"). A definition is checked
// for its form (parameters, `=` or a block of NAME = EXPR lines ending in `return`, its
// indentation) and its body skipped; each call reads the body again from its first token
// with a lexer of its own, the parameters bound to the arguments. So a function takes the
// shapes of each call's arguments, its nodes are the graph's nodes like any others (the
// simplifier, the emitter and derivatives see no function at all), and an error in its
// body is reported where it is, with the call that met it.
#include "lang/parser.hpp"

#include <algorithm>

namespace symdiff::parsing {
namespace {

// Calls of model functions read while parsing one model, at most: each call builds its
// body's nodes anew, so functions calling each other twice, 30 deep, would read 2^30
// bodies. Calls with the same arguments are read once (Parser::call_function).
constexpr std::size_t max_function_calls = 20000;

bool ends_statement(const Token& t) {
    return t.kind == Tok::newline || t.kind == Tok::semicolon || t.kind == Tok::end;
}

std::string line_text(SourceLoc loc) { return "line " + std::to_string(loc.line); }

} // namespace

// def NAME(PARAMS) = EXPR   or   def NAME(PARAMS): NAME = EXPR lines, then return EXPR
void Parser::def_statement() {
    const Token def = lex_.next();
    const Token name = lex_.next(); // statement() saw an identifier
    check_new_name(name);
    UserFunction fn{name, {}, {}, false, order_++};
    if (lex_.peek().kind != Tok::lparen)
        throw Error("expected '(' after the function name, got " + describe(lex_.peek()),
                    lex_.peek().loc);
    parameters([&](const Token& p) {
        if (auto problem = model_name_problem(p.text))
            throw Error(*problem, p.loc);
        if (p.text == name.text)
            throw Error(in_quotes(p.text) + " is already defined on " + line_text(name.loc), p.loc);
        if (auto it = functions_.find(p.text); it != functions_.end())
            throw Error(in_quotes(p.text) + " is already defined on " +
                            line_text(it->second.name.loc),
                        p.loc);
        if (std::ranges::any_of(fn.params, [&](const Token& q) { return q.text == p.text; }))
            throw Error("parameter " + in_quotes(p.text) + " is listed twice", p.loc);
        fn.params.push_back(p);
    });
    const Token t = lex_.next();
    if (t.kind == Tok::assign) {
        fn.body = lex_.peek();
        skip_expression("the expression of " + in_quotes(name.text));
    } else if (t.kind == Tok::colon) {
        fn.block = true;
        fn.body = lex_.peek();
        skip_def_body(fn, def);
    } else {
        throw Error("expected '=' or ':' after the parameters of " + in_quotes(name.text) +
                        ", got " + describe(t),
                    t.loc);
    }
    functions_.emplace(name.text, std::move(fn));
}

// Skips the rest of a statement, which must not be empty.
void Parser::skip_expression(const std::string& what) {
    if (ends_statement(lex_.peek()))
        throw Error("expected " + what + ", got " + describe(lex_.peek()), lex_.peek().loc);
    while (!ends_statement(lex_.peek()))
        lex_.next();
}

// A block's lines are indented deeper than its `def`, all to one column (lines after a
// semicolon, and lines on the line of the def, aside); `return EXPR` is its last line.
void Parser::skip_def_body(const UserFunction& fn, const Token& def) {
    const std::string f = in_quotes(fn.name.text);
    const auto outside = [&](const Token& t) {
        return t.kind == Tok::end || (t.loc.line != def.loc.line && t.loc.col <= def.loc.col);
    };
    int column = 0, line = def.loc.line;
    for (;;) {
        while (lex_.peek().kind == Tok::newline || lex_.peek().kind == Tok::semicolon)
            lex_.next();
        const Token& t = lex_.peek();
        if (outside(t))
            throw Error("function " + f + " has no 'return': its block ends with 'return EXPR'",
                        fn.name.loc);
        if (t.loc.line != line && t.loc.line != def.loc.line) {
            if (column == 0)
                column = t.loc.col;
            else if (t.loc.col != column)
                throw Error("this line is indented to column " + std::to_string(t.loc.col) +
                                ", the block of " + f + " to column " + std::to_string(column),
                            t.loc);
        }
        line = t.loc.line;
        if (t.kind == Tok::ident && t.text == "return") {
            lex_.next();
            skip_expression("an expression after 'return'");
            break;
        }
        if (t.kind == Tok::ident && t.text == "def")
            throw Error("functions are defined at the top level, not in the block of " + f, t.loc);
        if (t.kind != Tok::ident || lex_.peek(1).kind != Tok::assign)
            throw Error("expected NAME = EXPR or 'return EXPR' in the block of " + f + ", got " +
                            describe(t),
                        t.loc);
        lex_.next();
        lex_.next();
        skip_expression("an expression after '='");
    }
    // The newline after `return EXPR` stays for end_of_statement(); what follows it must
    // not look like more of the block: a statement after a semicolon, or an indented line.
    const Token& after = lex_.peek(1);
    const bool more = lex_.peek().kind == Tok::semicolon
                          ? after.kind != Tok::newline && after.kind != Tok::end
                          : lex_.peek().kind == Tok::newline && after.kind != Tok::end &&
                                after.loc.col > def.loc.col;
    if (more)
        throw Error("'return' ends the block of " + f + ": this statement comes after it",
                    after.loc);
}

const UserFunction* Parser::find_function(const Token& name) const {
    const auto it = functions_.find(name.text);
    if (it == functions_.end())
        return nullptr;
    const UserFunction& fn = it->second;
    for (const Frame& f : frames_)
        if (f.fn == &fn)
            throw Error("function " + in_quotes(name.text) +
                            " calls itself: recursion is not supported",
                        name.loc);
    if (!frames_.empty() && fn.order > frames_.back().fn->order)
        throw Error(in_quotes(name.text) + " is defined after function " +
                        in_quotes(frames_.back().fn->name.text) + " (on " + line_text(fn.name.loc) +
                        "): a function sees only what is defined before it",
                    name.loc);
    return &fn;
}

Value Parser::call_function(const UserFunction& fn, const Token& name) {
    const std::string f = in_quotes(fn.name.text);
    const Token open = lex_.next();
    std::vector<Value> args;
    while (lex_.peek().kind != Tok::rparen && lex_.peek().kind != Tok::end) {
        args.push_back(expression(false));
        if (lex_.peek().kind != Tok::comma)
            break;
        lex_.next();
    }
    close(Tok::rparen, open, "',' or ')' after an argument of " + f);
    return apply_function(fn, args, name);
}

Value Parser::apply_function(const UserFunction& fn, const std::vector<Value>& args, const Token& name) {
    const std::string f = in_quotes(fn.name.text);
    if (args.size() != fn.params.size()) {
        std::string params;
        for (const Token& p : fn.params)
            params += (params.empty() ? "" : ", ") + std::string(p.text);
        throw Error("function " + f + " takes " + std::to_string(fn.params.size()) +
                        (fn.params.size() == 1 ? " argument" : " arguments") + " (" + params +
                        "), got " + std::to_string(args.size()),
                    name.loc);
    }

    // A function's value depends on its arguments only: a call made before is not read again.
    CallKey key{&fn, {}};
    for (const Value& a : args)
        key.args.push_back(a.expr.id());
    if (auto it = calls_.find(key); it != calls_.end())
        return it->second;
    if (++function_calls_ > max_function_calls)
        throw Error("model functions were called more than " + std::to_string(max_function_calls) +
                        " times while reading the model (each call builds its body anew)",
                    name.loc);

    Frame frame{&fn, {}};
    for (std::size_t i = 0; i < args.size(); ++i) {
        const bool input = g_[args[i].expr.id()].op == Op::Input;
        frame.names[fn.params[i].text] = Binding{args[i], fn.params[i].loc, input, -1};
    }
    frames_.push_back(std::move(frame));
    Lexer body(m_.source, fn.body);
    std::swap(lex_, body);
    const int conditions = std::exchange(conditions_, 0);
    const auto leave = [&] {
        std::swap(lex_, body);
        conditions_ = conditions;
        frames_.pop_back();
    };
    Value v;
    try {
        v = function_body(fn);
    } catch (const Error& e) {
        leave();
        if (function_calls_ > max_function_calls) // no one call's fault: shown at the outermost
            throw frames_.empty() ? Error(e.what(), name.loc) : e;
        throw Error(std::string(e.what()) + " (in " + f + ", called on " + line_text(name.loc) +
                        ")",
                    e.loc().known() ? e.loc() : name.loc);
    }
    leave();
    calls_.emplace(std::move(key), v);
    return v;
}

// The body of `fn`, read by the lexer in place: its expression, or its block's lines.
Value Parser::function_body(const UserFunction& fn) {
    for (;;) {
        const Token& t = lex_.peek();
        if (t.kind == Tok::newline || t.kind == Tok::semicolon) {
            lex_.next();
            continue;
        }
        const bool last = !fn.block || (t.kind == Tok::ident && t.text == "return");
        if (last) {
            if (fn.block)
                lex_.next(); // return
            Value v = expression(false);
            end_of_statement();
            return v;
        }
        definition(); // skip_def_body() saw NAME = here
        end_of_statement();
    }
}

} // namespace symdiff::parsing
