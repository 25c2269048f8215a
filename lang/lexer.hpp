// Tokens of the model language (docs/language.md), produced on demand with a small
// lookahead; a leading UTF-8 byte-order mark is skipped (columns count after it). Newlines end
// statements except inside brackets or after a token that needs a right operand (a trailing
// operator or comma), which continue the line. Invariants: every token carries the 1-based line and
// byte column of its first character; a byte that cannot start a token (NUL, control, non-ASCII
// outside comments) is an Error at that byte, so binary input fails at its first bad byte and never
// crashes.
#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace symdiff {

enum class Tok : std::uint8_t {
    ident,
    number,
    newline,
    semicolon,
    end,
    plus,
    minus,
    star,
    slash,
    at,
    caret,
    lparen,
    rparen,
    lbracket,
    rbracket,
    comma,
    colon,
    assign,
    arrow,
    lt,
    le,
    gt,
    ge,
    eq,
    ne,
};

struct Token {
    Tok kind = Tok::end;
    std::string_view text; // the characters of the token (empty for end)
    SourceLoc loc;
};

inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

bool is_comparison(Tok t);
// How a token is named in messages: "'x'", "'+'", "the end of the line", ...
std::string describe(const Token& t);

class Lexer {
  public:
    explicit Lexer(std::string_view source);
    // Lexes `source` again from token `from` (one it produced before, at the start of a
    // statement or expression): how a function's body is read at each call.
    Lexer(std::string_view source, const Token& from);

    const Token& peek(std::size_t ahead = 0); // ahead < 2
    Token next();

  private:
    Token lex();
    Token make(Tok kind, std::size_t start, std::size_t length) const;
    SourceLoc loc_at(std::size_t pos) const;
    SourceLoc end_loc() const;
    void skip_comment();
    Token lex_number(std::size_t start);
    [[noreturn]] void bad_byte(std::size_t pos, const char* what, const char* why = "") const;

    std::string_view src_;
    std::size_t pos_ = 0;
    int line_ = 1;
    std::size_t line_start_ = 0;
    int depth_ = 0;           // open ( and [ not yet closed
    Tok last_ = Tok::newline; // the kind of the last token made
    std::deque<Token> ahead_;
};

} // namespace symdiff
