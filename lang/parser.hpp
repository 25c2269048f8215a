// The model parser's insides, shared by its files: the Parser (statements in parser.cpp,
// expressions and indexing in parser_expr.cpp, calls, arguments and literals in
// parser_call.cpp, the model's functions, def, in parser_def.cpp) and the helpers they
// share. Internal to lang/: callers use parse_model() from lang/model.hpp.
#pragma once

#include "lang/builtins.hpp"
#include "lang/checks.hpp"
#include "lang/lexer.hpp"
#include "lang/model.hpp"
#include "lang/names.hpp"

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace symdiff::parsing {

inline constexpr int max_depth = 256; // nesting of brackets, unary minus and ^

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
void add_calls(std::vector<DerivativeCall>& to, const std::vector<DerivativeCall>& from);

// The text of a call as written, for messages: whitespace runs become one space and
// comments go.
std::string call_text(std::string_view text);

// Literal results of core (numbers combined with numbers) become constant nodes, so
// every Value is a node.
inline Expr as_node(Graph& g, const Expr& e) {
    return e.is_literal() ? constant(g, e.literal()) : e;
}

struct Binding {
    Value value;
    SourceLoc loc;
    bool is_input = false;
    int order = 0; // the model's names in the order they were defined (a function sees
                   // those defined before it)
};

// A function of the model (def): its body is read again at each call, with its
// parameters bound to the call's arguments, so every call builds nodes of its own shapes
// (calls with the same arguments are one node, by hash-consing).
struct UserFunction {
    Token name;
    std::vector<Token> params;
    Token body;         // its first token: of the expression, or of the block's first line
    bool block = false; // def NAME(...): definitions, then `return EXPR`
    int order = 0;      // as Binding::order
};

// A call of a model function being read: the function, and its parameters and local
// definitions.
struct Frame {
    const UserFunction* fn = nullptr;
    std::unordered_map<std::string_view, Binding> names;
};

// A call by the function and the nodes of its arguments: what its value depends on.
struct CallKey {
    const UserFunction* fn = nullptr;
    std::vector<NodeId> args;
    auto operator<=>(const CallKey&) const = default;
};

class Parser {
  public:
    Parser(Model& m, const ParseOptions& options) : m_(m), options_(options), g_(*m.graph), lex_(m.source) {}
    void parse_file();

  private:
    // statements
    void statement();
    void input_statement();
    void definition();
    void def_statement();
    void skip_def_body(const UserFunction& fn, const Token& def);
    void skip_expression(const std::string& what);
    void export_statement();
    void end_of_statement();
    // expressions, loosest first
    Value condition(); // or, and, not, then a comparison (where's condition)
    Value conjunction();
    Value negation();
    Value logical(const Token& op, Value a, const Value* b);
    Value expression(bool allow_comparison);
    Value additive();
    Value term();
    Value unary();
    Value power();
    Value postfix();
    Value primary();
    Value call(const Token& name);
    Value call_function(const UserFunction& fn, const Token& name);
    // fn applied to `args` (their count checked), at the call `name`.
    Value apply_function(const UserFunction& fn, const std::vector<Value>& args, const Token& name);
    Value loop_call(const Token& name); // fold(F, init, xs or count), scan(...)
    Value function_body(const UserFunction& fn);
    const UserFunction* find_function(const Token& name) const;
    Value tensor_literal(const Token& open);
    void python_habit(const Token& t, Tok next, bool statement);
    CallArg argument(const Builtin& fn, ArgKind kind);
    Value index(const Value& base, const Token& open);
    Value binary(const Token& op, Value a, const Value& b);
    // pieces
    std::int64_t integer(const std::string& rule);
    double number(const Token& t) const;
    Token expect_name(const std::string& what);
    // ( NAME, NAME, ... ) of an export or a function: each name to `take`, in order.
    template <class Take> void parameters(Take&& take) {
        const Token open = lex_.next();
        while (lex_.peek().kind != Tok::rparen && lex_.peek().kind != Tok::end) {
            take(expect_name("a parameter name"));
            if (lex_.peek().kind != Tok::comma)
                break;
            lex_.next();
        }
        close(Tok::rparen, open, "',' or ')' after a parameter");
    }
    void close(Tok kind, const Token& open, const std::string& context);
    const Binding* lookup(std::string_view name) const;
    Error not_defined(const Token& name) const;
    void check_new_name(const Token& name) const;

    Model& m_;
    ParseOptions options_;
    Graph& g_;
    Lexer lex_;
    std::unordered_map<std::string_view, Binding> names_;  // inputs and definitions
    std::unordered_map<std::string_view, Binding> locals_; // results of the current export
    std::unordered_map<std::string_view, UserFunction> functions_;
    std::vector<Frame> frames_;      // the calls of model functions being read, innermost last
    int order_ = 0;                  // the next Binding::order
    std::map<CallKey, Value> calls_; // calls of model functions read so far
    std::size_t function_calls_ = 0;
    std::unordered_map<std::string_view, SourceLoc> export_names_;
    int depth_ = 0;
    int conditions_ = 0; // > 0 while a condition of where is parsed: brackets hold conditions
    std::size_t derivative_nodes_ = 0; // nodes that derivative calls added to the graph
};

} // namespace symdiff::parsing
