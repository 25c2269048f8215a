// A small JSON reader for numbers, nested lists and one object, and the JSON writer. NaN
// and the infinities are written as the strings "NaN", "Infinity" and "-Infinity" (as
// Protocol Buffers' JSON mapping does), so strict parsers accept the output; the reader
// takes them back in that form and bare (as Python's json writes them).
#include "tools/values.hpp"
#include "core/number_text.hpp"

#include "core/cpp_names.hpp"
#include "core/error.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>

namespace symdiff {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The value of "NaN", "Infinity" or "-Infinity".
double special_number(std::string_view word) {
    return word == "NaN" ? std::nan("") : word[0] == '-' ? -HUGE_VAL : HUGE_VAL;
}

class Reader {
  public:
    Reader(std::string_view text, bool strict) : s_(text), strict_(strict) {}

    Tensor value();
    std::vector<NamedValue> object();
    void finish();

  private:
    using Dims = std::vector<std::int64_t>;
    Dims element(std::vector<double>& data, int level); // returns the element's shape
    double number();
    std::string string();
    void skip_space();
    char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
    bool at_end() const { return pos_ >= s_.size(); }
    SourceLoc loc_at(std::size_t pos) const;
    [[noreturn]] void fail(const std::string& message, std::size_t pos) const;
    std::string what_is_here() const;
    // After an element of a list or an object: true at its closing bracket `close`,
    // false at a ',' (another element follows); both are consumed.
    bool closes(char close, const char* container);

    std::string_view s_;
    bool strict_;
    std::size_t pos_ = 0;
};

SourceLoc Reader::loc_at(std::size_t pos) const {
    int line = 1;
    std::size_t start = 0;
    for (std::size_t i = 0; i < pos && i < s_.size(); ++i)
        if (s_[i] == '\n') {
            ++line;
            start = i + 1;
        }
    return {line, static_cast<int>(pos - start + 1)};
}

void Reader::fail(const std::string& message, std::size_t pos) const {
    throw Error(message, loc_at(pos));
}

std::string Reader::what_is_here() const {
    if (at_end())
        return "the end of the text";
    const char c = peek();
    if (c == '"')
        return "a string";
    if (c == '{')
        return "an object";
    if (s_.substr(pos_).starts_with("true") || s_.substr(pos_).starts_with("false"))
        return "a boolean";
    if (s_.substr(pos_).starts_with("null"))
        return "null";
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
        return "a byte that is not text";
    return std::string("'") + c + "'";
}

bool Reader::closes(char close, const char* container) {
    skip_space();
    if (peek() == ',' || peek() == close)
        return s_[pos_++] == close;
    fail(std::string("expected ',' or '") + close + "' in " + container + ", got " + what_is_here(),
         pos_);
}

void Reader::skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
        ++pos_;
}

void Reader::finish() {
    skip_space();
    if (!at_end())
        fail("unexpected " + what_is_here() + " after the value", pos_);
}

Tensor Reader::value() {
    skip_space();
    std::vector<double> data;
    const Dims dims = element(data, 0);
    return Tensor(Shape(std::span<const std::int64_t>(dims)), std::move(data));
}

// One number or list, appended to `data` in row-major order. Lists must be rectangular;
// nesting deeper than a tensor's rank is refused before it can recurse further.
Reader::Dims Reader::element(std::vector<double>& data, int level) {
    skip_space();
    if (peek() != '[') {
        const char c = peek();
        if (c == '"') { // "NaN", "Infinity", "-Infinity"
            const std::size_t at = pos_;
            const std::string word = string();
            if (word != "NaN" && word != "Infinity" && word != "-Infinity") {
                pos_ = at;
                fail("expected a number or a list, got " + what_is_here(), at);
            }
            data.push_back(special_number(word));
            return {};
        }
        const bool starts_number =
            is_digit(c) || c == '-' || c == 'N' || c == 'I' || (!strict_ && (c == '+' || c == '.'));
        if (!starts_number)
            fail("expected a number or a list, got " + what_is_here(), pos_);
        data.push_back(number());
        return {};
    }
    const std::size_t open = pos_++;
    if (level >= Shape::max_rank)
        fail("a value has at most " + std::to_string(Shape::max_rank) + " dimensions", open);
    std::optional<Dims> first;
    std::int64_t count = 0;
    for (;;) {
        skip_space();
        if (peek() == ']' && !first)
            fail("empty list: every dimension must be at least 1", open);
        const std::size_t start = pos_;
        const Dims d = element(data, level + 1);
        if (first && d != *first)
            fail("ragged list: element " + std::to_string(count + 1) + " has shape " +
                     Shape(std::span<const std::int64_t>(d)).str() + ", element 1 has " +
                     Shape(std::span<const std::int64_t>(*first)).str(),
                 start);
        first = d;
        ++count;
        if (closes(']', "a list"))
            break;
    }
    Dims dims{count};
    dims.insert(dims.end(), first->begin(), first->end());
    return dims;
}

// JSON numbers; the lenient (command-line) form also takes "+1", ".5", "2." and "007".
double Reader::number() {
    const std::size_t start = pos_;
    for (std::string_view word : {"NaN", "Infinity", "-Infinity"})
        if (s_.substr(pos_).starts_with(word)) {
            pos_ += word.size();
            return special_number(word);
        }
    if (peek() == '-' || (!strict_ && peek() == '+'))
        ++pos_;
    const std::size_t int_start = pos_;
    while (is_digit(peek()))
        ++pos_;
    const std::size_t int_digits = pos_ - int_start;
    std::size_t frac_digits = 0;
    bool has_point = false;
    if (peek() == '.') {
        has_point = true;
        ++pos_;
        while (is_digit(peek())) {
            ++pos_;
            ++frac_digits;
        }
    }
    bool bad = int_digits + frac_digits == 0;
    if (strict_)
        bad = bad || int_digits == 0 || (has_point && frac_digits == 0) ||
              (int_digits > 1 && s_[int_start] == '0');
    if (peek() == 'e' || peek() == 'E') {
        ++pos_;
        if (peek() == '+' || peek() == '-')
            ++pos_;
        bad = bad || !is_digit(peek());
        while (is_digit(peek()))
            ++pos_;
    }
    while (!at_end() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '.')) {
        bad = true; // "1.2.3", "2x"
        ++pos_;
    }
    const std::string_view text = s_.substr(start, pos_ - start);
    if (bad)
        fail("malformed number '" + std::string(text) + "'", start);
    const std::size_t skip = text[0] == '+' ? 1 : 0;
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data() + skip, text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size())
        fail("number '" + std::string(text) + "' does not fit in a double", start);
    return v;
}

// A JSON string, with its escapes; \u escapes become UTF-8.
std::string Reader::string() {
    const std::size_t open = pos_++;
    std::string out;
    for (;;) {
        if (at_end())
            fail("unterminated string", open);
        const char c = s_[pos_];
        if (c == '"') {
            ++pos_;
            return out;
        }
        if (static_cast<unsigned char>(c) < 0x20)
            fail("control character in a string", pos_);
        if (c != '\\') {
            out += c;
            ++pos_;
            continue;
        }
        const std::size_t esc = pos_++;
        const char e = peek();
        ++pos_;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            out += e;
            break;
        case 'b':
            out += '\b';
            break;
        case 'f':
            out += '\f';
            break;
        case 'n':
            out += '\n';
            break;
        case 'r':
            out += '\r';
            break;
        case 't':
            out += '\t';
            break;
        case 'u': {
            unsigned cp = 0;
            const auto [p, ec] = std::from_chars(s_.data() + pos_,
                                                 s_.data() + std::min(pos_ + 4, s_.size()), cp, 16);
            if (ec != std::errc() || p != s_.data() + pos_ + 4)
                fail("bad \\u escape in a string", esc);
            pos_ += 4;
            if (cp < 0x80) {
                out += static_cast<char>(cp);
            } else if (cp < 0x800) {
                out += static_cast<char>(0xC0 | (cp >> 6));
                out += static_cast<char>(0x80 | (cp & 0x3F));
            } else { // surrogates are kept as they are: names never need them
                out += static_cast<char>(0xE0 | (cp >> 12));
                out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            fail("bad escape in a string", esc);
        }
    }
}

std::vector<NamedValue> Reader::object() {
    skip_space();
    if (peek() != '{')
        fail("expected a JSON object {\"NAME\": VALUE, ...}, got " + what_is_here(), pos_);
    ++pos_;
    std::vector<NamedValue> out;
    skip_space();
    if (peek() == '}') {
        ++pos_;
        return out;
    }
    for (;;) {
        skip_space();
        if (peek() != '"')
            fail("expected a name in double quotes, got " + what_is_here(), pos_);
        const std::size_t key_pos = pos_;
        std::string key = string();
        for (const NamedValue& v : out)
            if (v.name == key)
                fail("'" + key + "' is given twice", key_pos);
        skip_space();
        if (peek() != ':')
            fail("expected ':' after a name, got " + what_is_here(), pos_);
        ++pos_;
        Tensor t = value();
        out.push_back({std::move(key), std::move(t), loc_at(key_pos)});
        if (closes('}', "an object"))
            return out;
    }
}

template <class Number>
void write_nested(std::ostream& out, const Tensor& t, int axis, std::size_t& next,
                  const Number& number) {
    if (axis == t.shape().rank()) {
        out << number(t[next++]);
        return;
    }
    out << '[';
    for (std::int64_t i = 0; i < t.shape()[axis]; ++i) {
        if (i)
            out << ", ";
        write_nested(out, t, axis + 1, next, number);
    }
    out << ']';
}

} // namespace

Tensor parse_value(std::string_view text) {
    Reader r(text, false);
    Tensor t = r.value();
    r.finish();
    return t;
}

std::vector<NamedValue> parse_named_values(std::string_view json) {
    Reader r(json, true);
    auto values = r.object();
    r.finish();
    return values;
}

std::vector<std::pair<std::string, Tensor>> parse_value_object(std::string_view json) {
    std::vector<std::pair<std::string, Tensor>> out;
    for (NamedValue& v : parse_named_values(json))
        out.emplace_back(std::move(v.name), std::move(v.value));
    return out;
}

std::string number_text(double v) {
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "Infinity" : "-Infinity";
    return shortest_text(v);
}

std::string json_number(double v) {
    return std::isfinite(v) ? number_text(v) : "\"" + number_text(v) + "\"";
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

void write_json(std::ostream& out, const Tensor& t) {
    std::size_t next = 0;
    write_nested(out, t, 0, next, json_number);
}

void write_value(std::ostream& out, const Tensor& t) {
    std::size_t next = 0;
    write_nested(out, t, 0, next, number_text);
}

std::string shape_mismatch(std::string_view name, const Shape& want, const Shape& got) {
    return in_quotes(name) + " needs " + (want.is_scalar() ? "a scalar" : "shape " + want.str()) +
           ", got " + (got.is_scalar() ? "a scalar" : "a value of shape " + got.str());
}

} // namespace symdiff
