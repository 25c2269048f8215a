// The model parser's loops: fold(F, init, xs), fold(F, init, k), and scan the same way.
// The function is read once, on placeholders: its carry, and an element of xs (row t at
// step t). What it builds is the loop's body, a sub-graph the loop node runs per step
// (core/ops_structural.hpp, ops::Fold), so a loop of 10^4 steps is as small as one of 10.
#include "lang/parser.hpp"

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

    // xs, or a count: an integer literal alone.
    const Token third = lex_.peek();
    std::optional<Value> xs;
    std::int64_t count = 0;
    const bool literal = third.kind == Tok::number || third.kind == Tok::minus;
    if (literal) {
        count = integer("the count of " + word + " must be an integer literal (or give a tensor to run over)");
        if (count < 0)
            throw Error("the count of " + word + " must not be negative, got " + std::to_string(count), third.loc);
    } else {
        xs = expression(false);
        if (xs->expr.shape().is_scalar())
            throw Error(word + " runs over the first axis of a tensor, and this is a scalar (a count must be an integer literal)",
                        third.loc);
        count = xs->expr.shape()[0];
    }
    close(Tok::rparen, open, "')' after the 3 arguments of " + word);

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
    v.expr = located(name.loc, [&] { return fold_loop(as_node(g_, body.expr), carry, init_node, spec); });
    add_calls(v.calls, init.calls);
    if (xs)
        add_calls(v.calls, xs->calls);
    return v;
}

} // namespace symdiff::parsing
