// The model parser's loops: fold(F, init, xs), fold(F, init, k), and scan the same way.
// The function is read once, on placeholders: its carry, and an element of xs (row t at
// step t). What it builds is the loop's body, a sub-graph the loop node runs per step
// (core/ops_structural.hpp, ops::Fold), so a loop of 10^4 steps is as small as one of 10.
#include "lang/parser.hpp"

#include <cmath>
#include <limits>

namespace symdiff::parsing {

Value Parser::loop_call(const Token& name) {
    const std::string word = in_quotes(name.text);
    const bool scan = name.text == "scan";
    const Token open = lex_.next();
    if (lex_.peek().kind == Tok::rparen)
        throw Error(word + " takes 3 arguments (a function, the initial carry, and a tensor to run over or a count), got 0",
                    name.loc);

    // F: a function of the model, by name.
    const Token f = lex_.peek();
    const std::string f_rule =
        "the first argument of " + word + " must be the name of a function defined with 'def'";
    if (f.kind != Tok::ident)
        throw Error(f_rule + ", got " + describe(f), f.loc);
    lex_.next();
    const UserFunction* fn = find_function(f);
    if (!fn) {
        const std::string what = find_builtin(f.text) ? " is a function of the language" : lookup(f.text) ? " is a value" : " is not defined";
        throw Error(f_rule + "; " + in_quotes(f.text) + what, f.loc);
    }
    auto comma = [&](const char* after) {
        if (lex_.peek().kind != Tok::comma)
            throw Error(word + " takes 3 arguments: expected ',' after " + after + ", got " + describe(lex_.peek()),
                        lex_.peek().loc);
        lex_.next();
    };
    comma("the function");
    const Token init_token = lex_.peek();
    Value init = expression(false);
    comma("the initial carry");

    // xs, or a count: a number (an expression may start with one: -X, 2 * X).
    const Token third = lex_.peek();
    std::optional<Value> xs = expression(false);
    std::int64_t count = 0;
    const bool is_number = xs->expr.is_literal() || (xs->expr.shape().is_scalar() && xs->expr.node().is_const());
    if (is_number) {
        const double k = xs->expr.is_literal() ? xs->expr.literal() : xs->expr.node().value();
        if (!(k == std::floor(k)) || std::abs(k) > std::numeric_limits<std::int32_t>::max())
            throw Error("the count of " + word + " must be an integer literal (or give a tensor to run over)", third.loc);
        count = static_cast<std::int64_t>(k);
        if (count < 0)
            throw Error("the count of " + word + " must not be negative, got " + std::to_string(count), third.loc);
        xs.reset();
    } else if (xs->expr.shape().is_scalar()) {
        throw Error(word + " runs over the first axis of a tensor, and this is a scalar (a count must be an integer literal)",
                    third.loc);
    } else {
        count = xs->expr.shape()[0];
    }
    // An optional `checkpoint = N` (steps per segment, 0 for none) or `checkpoint = sqrt`.
    std::int32_t checkpoint = options_.checkpoint;
    if (lex_.peek().kind == Tok::comma) {
        lex_.next();
        const Token key = lex_.peek();
        if (key.kind != Tok::ident || key.text != "checkpoint")
            throw Error(word + " takes 3 arguments and then only 'checkpoint = N', got " + describe(key), key.loc);
        lex_.next();
        if (scan)
            throw Error("a scan keeps every carry as its result, so it has nothing to checkpoint: 'checkpoint' is an "
                        "option of fold",
                        key.loc);
        if (lex_.peek().kind != Tok::assign)
            throw Error("expected '=' after 'checkpoint', got " + describe(lex_.peek()), lex_.peek().loc);
        lex_.next();
        const std::string rule =
            "checkpoint takes the steps per segment (an integer literal; 0 keeps every carry) or 'sqrt'";
        if (lex_.peek().kind == Tok::ident && lex_.peek().text == "sqrt") {
            lex_.next();
            checkpoint = ParseOptions::checkpoint_sqrt;
        } else {
            const Token at = lex_.peek();
            const std::int64_t steps = integer(rule);
            if (steps < 0)
                throw Error(rule + ", got " + std::to_string(steps), at.loc);
            checkpoint = static_cast<std::int32_t>(steps);
        }
    }
    close(Tok::rparen, open, "')' after the arguments of " + word);

    const std::size_t wanted = xs ? 2 : 1;
    if (fn->params.size() != wanted)
        throw Error("function " + in_quotes(f.text) + " takes " + std::to_string(fn->params.size()) +
                        (fn->params.size() == 1 ? " argument" : " arguments") + ", and " + word +
                        (xs ? " calls it on (carry, element of the tensor)" : " with a count calls it on (carry)"),
                    f.loc);
    if (scan && count == 0)
        throw Error("a scan of zero steps would be empty, and empty tensors are not supported", third.loc);

    // The body: F on the loop's placeholders.
    const Expr init_node = as_node(g_, init.expr);
    const Expr carry(g_, g_.carry(init_node.shape()));
    std::vector<Value> args(1);
    args[0].expr = carry;
    if (xs)
        args.emplace_back().expr = located(third.loc, [&] { return elem(xs->expr, SeedRef{carry.node().seed_id()}); });
    const Value body = apply_function(*fn, args, f);
    if (body.expr.shape() != init_node.shape())
        throw Error("function " + in_quotes(f.text) + " returns shape " + body.expr.shape().str() +
                        ", but the carry has shape " + init_node.shape().str() + " (from line " +
                        std::to_string(init_token.loc.line) + "): the function of " + word +
                        " must return the shape of its carry",
                    f.loc);
    const FoldSpec spec{static_cast<std::int32_t>(count), scan ? FoldMode::after : FoldMode::last, false};
    Value v;
    v.expr = located(name.loc, [&] {
        const Expr loop = fold_loop(as_node(g_, body.expr), carry, init_node, spec);
        if (scan || options_.keep_every_carry)
            return loop;
        return checkpointed(loop, checkpoint_segment(checkpoint, spec.count));
    });
    add_calls(v.calls, init.calls);
    if (xs)
        add_calls(v.calls, xs->calls);
    return v;
}

} // namespace symdiff::parsing
