// The model parser's expressions, loosest first (+ -, * / @, unary -, ^, postfix
// indexing, primaries), and indexing: x[i], slices, negatives from the end.
#include "lang/parser.hpp"

#include "core/indexing.hpp"
#include "core/ops.hpp"

#include <limits>
#include <numbers>

namespace symdiff::parsing {

// --------------------------------------------------------------------------------
// Expressions

// `and`, `or` or `not` found outside the condition of where.
static Error outside_condition(const Token& t) {
    return Error(in_quotes(t.text) + " combines conditions: it is only allowed in the condition "
                                     "of where",
                 t.loc);
}

// Conditions of where, loosest first: `or`, `and`, `not`, then one comparison (or any
// expression: a condition holds where it is not 0). The words are the op table's.
Value Parser::condition() {
    ++conditions_;
    Value v = conjunction();
    while (lex_.peek().kind == Tok::ident && lex_.peek().text == "or") {
        const Token op = lex_.next();
        const Value b = conjunction();
        v = logical(op, std::move(v), &b);
    }
    --conditions_;
    return v;
}

Value Parser::conjunction() {
    Value v = negation();
    while (lex_.peek().kind == Tok::ident && lex_.peek().text == "and") {
        const Token op = lex_.next();
        const Value b = negation();
        v = logical(op, std::move(v), &b);
    }
    return v;
}

Value Parser::negation() {
    if (lex_.peek().kind == Tok::ident && lex_.peek().text == "not") {
        const Token op = lex_.next();
        if (++depth_ > max_depth)
            throw Error("expression nested more than " + std::to_string(max_depth) + " deep",
                        op.loc);
        Value v = logical(op, negation(), nullptr);
        --depth_;
        return v;
    }
    return expression(true);
}

// `a and b`, `a or b`, `not a` (b null): the entry whose syntax is the word.
Value Parser::logical(const Token& op, Value a, const Value* b) {
    for (int k = 0; k < op_count; ++k) {
        const OpInfo& o = info(static_cast<Op>(k));
        if (o.syntax.symbol != op.text || o.arity != (b ? 2 : 1))
            continue;
        const Expr r = located(op.loc, [&] {
            return b ? elementwise(static_cast<Op>(k), {a.expr, b->expr})
                     : elementwise(static_cast<Op>(k), {a.expr});
        });
        Value v{as_node(g_, r), std::nullopt, std::move(a.calls)};
        if (b)
            add_calls(v.calls, b->calls);
        return v;
    }
    throw Error("internal error: " + describe(op) + " is not a logical operator");
}

Value Parser::expression(bool allow_comparison) {
    Value v = additive();
    if (const Token& t = lex_.peek();
        !allow_comparison && t.kind == Tok::ident && (t.text == "and" || t.text == "or"))
        throw outside_condition(t);
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
    if (t.kind == Tok::lparen) { // inside a condition, brackets group conditions too
        Value v = conditions_ > 0 ? condition() : expression(false);
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
    if (t.text == "inf")
        return Value{constant(g_, std::numeric_limits<double>::infinity()), std::nullopt, {}};
    if (t.text == "and" || t.text == "or" || t.text == "not")
        throw outside_condition(t);
    if (is_language_keyword(t.text))
        throw Error("the keyword " + in_quotes(t.text) + " cannot appear in an expression", t.loc);
    if (find_builtin(t.text))
        throw Error(in_quotes(t.text) + " is a function: call it as " + std::string(t.text) +
                        "(...)",
                    t.loc);
    throw not_defined(t);
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
// Indexing: x[i], A[i, j], A[i], x[a:b], x[:b], x[a:], A[:, j]; negatives count from
// the end (NumPy). Ranges are checked here so the error points at the index.

Value Parser::index(const Value& base, const Token& open) {
    const Shape shape = base.expr.shape();
    SliceSpec spec = whole(shape);
    auto is_int_start = [&] {
        return lex_.peek().kind == Tok::minus || lex_.peek().kind == Tok::number;
    };
    for (int axis = 0;; ++axis) {
        const Token first = lex_.peek();
        if (axis >= shape.rank())
            throw Error("too many indices for shape " + shape.str(), first.loc);
        std::optional<std::int64_t> lo, hi;
        if (is_int_start())
            lo = integer("an index must be an integer literal");
        else if (first.kind != Tok::colon)
            throw Error("indices must be integer literals or slices a:b, got " + describe(first),
                        first.loc);
        Index ix = lo ? Index(*lo) : all();
        if (lex_.peek().kind == Tok::colon) {
            lex_.next();
            if (is_int_start())
                hi = integer("an index must be an integer literal");
            ix = Index::range(lo, hi);
        }
        located(first.loc, [&] { add_index(spec, shape, axis, ix); });
        if (lex_.peek().kind != Tok::comma)
            break;
        lex_.next();
    }
    close(Tok::rbracket, open, "',' or ']' after an index");
    const Expr r = located(open.loc, [&] { return slice(base.expr, spec); });
    return Value{r, std::nullopt, base.calls};
}

} // namespace symdiff::parsing
