// The model parser's calls: functions of the language's table (arity, argument kinds,
// derivatives and their growth cap), tensor literals, and integer and number literals.
#include "lang/parser.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace symdiff::parsing {

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
    if (const UserFunction* user = find_function(name))
        return call_function(*user, name);
    if (is_loop_name(name.text))
        return loop_call(name);
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
        a.value = expression(false);
        return a;
    case ArgKind::condition:
        a.value = condition();
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
            throw not_defined(first);
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

} // namespace symdiff::parsing
