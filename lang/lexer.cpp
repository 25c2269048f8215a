// The lexer: one pass over the bytes, no allocation per token (tokens view the source).
#include "lang/lexer.hpp"

#include "core/cpp_names.hpp"

#include <cstdio>

namespace symdiff {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Tokens after which a newline does not end the statement: they need a right operand.
bool continues_line(Tok t) {
    switch (t) {
    case Tok::plus:
    case Tok::minus:
    case Tok::star:
    case Tok::slash:
    case Tok::at:
    case Tok::caret:
    case Tok::lparen:
    case Tok::lbracket:
    case Tok::comma:
    case Tok::colon:
    case Tok::assign:
    case Tok::arrow:
    case Tok::lt:
    case Tok::le:
    case Tok::gt:
    case Tok::ge:
    case Tok::eq:
    case Tok::ne:
        return true;
    default:
        return false;
    }
}

std::string hex_byte(unsigned char b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(b));
    return buf;
}

// Length of the valid UTF-8 sequence starting at s[0] (a byte >= 0x80), or 0.
std::size_t utf8_length(std::string_view s) {
    const auto b0 = static_cast<unsigned char>(s[0]);
    const std::size_t n = b0 >= 0xF0 && b0 <= 0xF4  ? 4
                          : b0 >= 0xE0              ? 3
                          : b0 >= 0xC2 && b0 < 0xE0 ? 2
                                                    : 0;
    if (n == 0 || s.size() < n)
        return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80)
            return 0;
    return n; // overlong 3- and 4-byte forms are tolerated: comments are only shown
}

} // namespace

bool is_comparison(Tok t) {
    return t == Tok::lt || t == Tok::le || t == Tok::gt || t == Tok::ge || t == Tok::eq ||
           t == Tok::ne;
}

std::string describe(const Token& t) {
    switch (t.kind) {
    case Tok::newline:
        return "the end of the line";
    case Tok::end:
        return "the end of the file";
    default:
        return in_quotes(t.text);
    }
}

Lexer::Lexer(std::string_view source) : src_(source) {
    if (src_.starts_with(utf8_bom))
        pos_ = line_start_ = utf8_bom.size();
}

Lexer::Lexer(std::string_view source, const Token& from)
    : src_(source), pos_(static_cast<std::size_t>(from.text.data() - source.data())),
      line_(from.loc.line), line_start_(pos_ - static_cast<std::size_t>(from.loc.col - 1)) {}

const Token& Lexer::peek(std::size_t ahead) {
    while (ahead_.size() <= ahead)
        ahead_.push_back(lex());
    return ahead_[ahead];
}

Token Lexer::next() {
    peek();
    Token t = ahead_.front();
    ahead_.pop_front();
    return t;
}

SourceLoc Lexer::loc_at(std::size_t pos) const {
    return {line_, static_cast<int>(pos - line_start_ + 1)};
}

// The end of the file is shown at the end of its last line, not on an empty line after it.
SourceLoc Lexer::end_loc() const {
    if (pos_ == 0 || src_[pos_ - 1] != '\n')
        return loc_at(pos_);
    const std::size_t nl = pos_ - 1;
    const std::size_t prev = src_.rfind('\n', nl == 0 ? std::string_view::npos : nl - 1);
    const std::size_t start = nl == 0 || prev == std::string_view::npos ? 0 : prev + 1;
    return {line_ - 1, static_cast<int>(nl - start + 1)};
}

Token Lexer::make(Tok kind, std::size_t start, std::size_t length) const {
    return {kind, src_.substr(start, length), loc_at(start)};
}

void Lexer::bad_byte(std::size_t pos, const char* what, const char* why) const {
    throw Error(std::string(what) + " " + hex_byte(static_cast<unsigned char>(src_[pos])) + why,
                loc_at(pos));
}

void Lexer::skip_comment() {
    while (pos_ < src_.size() && src_[pos_] != '\n') {
        const auto b = static_cast<unsigned char>(src_[pos_]);
        if (b >= 0x80) {
            const std::size_t n = utf8_length(src_.substr(pos_));
            if (n == 0)
                bad_byte(pos_, "invalid UTF-8 byte");
            pos_ += n;
            continue;
        }
        if ((b < 0x20 && b != '\t' && b != '\r') || b == 0x7F)
            bad_byte(pos_, "unexpected byte");
        ++pos_;
    }
}

Token Lexer::lex_number(std::size_t start) {
    while (pos_ < src_.size() && is_digit(src_[pos_]))
        ++pos_;
    if (pos_ < src_.size() && src_[pos_] == '.') {
        ++pos_;
        while (pos_ < src_.size() && is_digit(src_[pos_]))
            ++pos_;
    }
    bool malformed = false;
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
        ++pos_;
        if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-'))
            ++pos_;
        malformed = pos_ >= src_.size() || !is_digit(src_[pos_]);
        while (pos_ < src_.size() && is_digit(src_[pos_]))
            ++pos_;
    }
    // "2x", "1.2.3", "1e": a number running into letters or dots is one mistake.
    while (pos_ < src_.size() &&
           (is_alpha(src_[pos_]) || is_digit(src_[pos_]) || src_[pos_] == '.')) {
        malformed = true;
        ++pos_;
    }
    if (malformed)
        throw Error("malformed number '" + std::string(src_.substr(start, pos_ - start)) + "'",
                    loc_at(start));
    return make(Tok::number, start, pos_ - start);
}

Token Lexer::lex() {
    for (;;) {
        if (pos_ >= src_.size())
            return {Tok::end, {}, end_loc()};
        const char c = src_[pos_];
        const auto b = static_cast<unsigned char>(c);
        if (c == ' ' || c == '\t' || c == '\r') {
            ++pos_;
        } else if (c == '#') {
            skip_comment();
        } else if (c == '\n') {
            const std::size_t at = pos_++;
            const bool ends_statement =
                depth_ == 0 && !continues_line(last_) && last_ != Tok::newline;
            Token t = make(Tok::newline, at, 1);
            ++line_;
            line_start_ = pos_;
            if (ends_statement) {
                last_ = Tok::newline;
                return t;
            }
        } else if (b >= 0x80) {
            bad_byte(pos_, "non-ASCII byte", " (only comments may hold UTF-8 text)");
        } else if (b < 0x20 || b == 0x7F) {
            bad_byte(pos_, "unexpected byte");
        } else {
            break;
        }
    }
    const std::size_t start = pos_;
    const char c = src_[pos_];
    Token t;
    if (is_alpha(c)) {
        while (pos_ < src_.size() && (is_alpha(src_[pos_]) || is_digit(src_[pos_])))
            ++pos_;
        t = make(Tok::ident, start, pos_ - start);
    } else if (is_digit(c) || (c == '.' && pos_ + 1 < src_.size() && is_digit(src_[pos_ + 1]))) {
        t = lex_number(start);
    } else {
        const char d = pos_ + 1 < src_.size() ? src_[pos_ + 1] : '\0';
        auto two = [&](Tok kind) {
            pos_ += 2;
            return make(kind, start, 2);
        };
        auto one = [&](Tok kind) {
            pos_ += 1;
            return make(kind, start, 1);
        };
        switch (c) {
        case '+':
            t = one(Tok::plus);
            break;
        case '-':
            t = d == '>' ? two(Tok::arrow) : one(Tok::minus);
            break;
        case '*':
            if (d == '*') // Python's power operator
                throw Error("'**' is not an operator: use ^ for powers", loc_at(start));
            t = one(Tok::star);
            break;
        case '/':
            t = one(Tok::slash);
            break;
        case '@':
            t = one(Tok::at);
            break;
        case '^':
            t = one(Tok::caret);
            break;
        case '(':
            t = one(Tok::lparen);
            ++depth_;
            break;
        case '[':
            t = one(Tok::lbracket);
            ++depth_;
            break;
        case ')':
            t = one(Tok::rparen);
            depth_ = depth_ > 0 ? depth_ - 1 : 0;
            break;
        case ']':
            t = one(Tok::rbracket);
            depth_ = depth_ > 0 ? depth_ - 1 : 0;
            break;
        case ',':
            t = one(Tok::comma);
            break;
        case ':':
            t = one(Tok::colon);
            break;
        case ';':
            t = one(Tok::semicolon);
            break;
        case '=':
            t = d == '=' ? two(Tok::eq) : one(Tok::assign);
            break;
        case '<':
            t = d == '=' ? two(Tok::le) : one(Tok::lt);
            break;
        case '>':
            t = d == '=' ? two(Tok::ge) : one(Tok::gt);
            break;
        case '!':
            if (d == '=') {
                t = two(Tok::ne);
                break;
            }
            [[fallthrough]];
        default:
            if (c == '.' && (last_ == Tok::ident || last_ == Tok::rparen || last_ == Tok::rbracket))
                throw Error("unexpected character '.': the language has no modules or "
                            "attributes (write exp(x) for np.exp(x), transpose(A) for A.T)",
                            loc_at(start));
            throw Error("unexpected character " + in_quotes(std::string_view(&c, 1)),
                        loc_at(start));
        }
    }
    last_ = t.kind;
    return t;
}

} // namespace symdiff
