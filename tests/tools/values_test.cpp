// Values on the command line and in JSON files, and the JSON number format: every
// accepted form, every error message with its column, and exact round trips.
// The messages of the value reader:
//   malformed number 'T' · number 'T' does not fit in a double
//   expected a number or a list, got T · empty list: every dimension must be at least 1
//   ragged list: element K has shape S, element 1 has S · a value has at most 4 dimensions
//   expected ',' or ']' in a list, got T · unexpected T after the value
//   expected a JSON object {"NAME": VALUE, ...}, got T · expected a name in double quotes, got T
//   'N' is given twice · expected ':' after a name, got T · expected ',' or '}' in an object, got T
//   unterminated string · control character in a string · bad escape in a string
//   bad \u escape in a string
#include "tools/tools_test_util.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <random>

using namespace symdiff;
using namespace symdiff::test;

namespace {

// parse_value(text) fails with exactly `message` at column `col`.
void require_value_error(const std::string& text, const std::string& message, int col) {
    INFO(text);
    try {
        parse_value(text);
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(std::string(e.what()) == message);
        CHECK(e.loc().line == 1);
        CHECK(e.loc().col == col);
    }
}

void require_object_error(const std::string& json, const std::string& message, int line, int col) {
    INFO(json);
    try {
        parse_value_object(json);
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(std::string(e.what()) == message);
        CHECK(e.loc().line == line);
        CHECK(e.loc().col == col);
    }
}

} // namespace

TEST_CASE("values: numbers in every form") {
    CHECK(parse_value("3").item() == 3);
    CHECK(parse_value("-0.5").item() == -0.5);
    CHECK(parse_value("+2").item() == 2);
    CHECK(parse_value(".5").item() == 0.5);
    CHECK(parse_value("2.").item() == 2);
    CHECK(parse_value("1e-3").item() == 1e-3);
    CHECK(parse_value("-1.5E+2").item() == -150);
    CHECK(parse_value(" 7 ").item() == 7);
    CHECK(parse_value("0.1").item() == 0.1);
    CHECK(std::isnan(parse_value("NaN").item()));
    CHECK(parse_value("Infinity").item() == std::numeric_limits<double>::infinity());
    CHECK(parse_value("-Infinity").item() == -std::numeric_limits<double>::infinity());
    CHECK(parse_value("3").shape() == Shape{});
}

TEST_CASE("values: NaN and the infinities also as the strings JSON output writes") {
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(std::isnan(parse_value("\"NaN\"").item()));
    CHECK(parse_value("\"Infinity\"").item() == inf);
    CHECK(parse_value("[\"-Infinity\", 1]").data()[0] == -inf);
    const auto v = parse_value_object("{\"x\": [\"NaN\", \"Infinity\", -Infinity, NaN]}");
    REQUIRE(v.size() == 1);
    CHECK(std::isnan(v[0].second[0]));
    CHECK(v[0].second[1] == inf);
    CHECK(v[0].second[2] == -inf);
    CHECK(std::isnan(v[0].second[3]));
    // other strings are not numbers
    require_value_error("\"nan\"", "expected a number or a list, got a string", 1);
    require_object_error("{\"x\": [1, \"inf\"]}", "expected a number or a list, got a string", 1,
                         11);
}

TEST_CASE("values: nested lists give the shape, row-major") {
    const Tensor v = parse_value("[1, 2, 3]");
    CHECK(v.shape() == Shape{3});
    const Tensor m = parse_value("[[0.1,0.5],[-0.3,0.8]]");
    CHECK(m.shape() == Shape{2, 2});
    CHECK(elements(m) == std::vector<double>{0.1, 0.5, -0.3, 0.8});
    const Tensor t = parse_value("[[[1], [2]], [[3], [4]], [[5], [6]]]");
    CHECK(t.shape() == Shape{3, 2, 1});
    CHECK(elements(t) == std::vector<double>{1, 2, 3, 4, 5, 6});
    CHECK(parse_value("[[[[1]]]]").shape() == Shape{1, 1, 1, 1});
    CHECK(parse_value(" [ 1 ,\n 2 ] ").shape() == Shape{2});
}

TEST_CASE("value error: malformed number") {
    require_value_error("1.2.3", "malformed number '1.2.3'", 1);
    require_value_error("[1, 2x]", "malformed number '2x'", 5);
    require_value_error("1e", "malformed number '1e'", 1);
    require_value_error("-", "malformed number '-'", 1);
}

TEST_CASE("value error: expected a number or a list") {
    require_value_error("\"a\"", "expected a number or a list, got a string", 1);
    require_value_error("[1, true]", "expected a number or a list, got a boolean", 5);
    require_value_error("null", "expected a number or a list, got null", 1);
    require_value_error("{}", "expected a number or a list, got an object", 1);
    require_value_error("", "expected a number or a list, got the end of the text", 1);
    require_value_error("[1, x]", "expected a number or a list, got 'x'", 5);
}

TEST_CASE("value error: empty list") {
    require_value_error("[]", "empty list: every dimension must be at least 1", 1);
    require_value_error("[[1], []]", "empty list: every dimension must be at least 1", 7);
}

TEST_CASE("value error: ragged list") {
    require_value_error("[[1, 2], [3]]", "ragged list: element 2 has shape [1], element 1 has [2]",
                        10);
    require_value_error("[1, [2]]", "ragged list: element 2 has shape [1], element 1 has []", 5);
}

TEST_CASE("value error: more than 4 dimensions, even when nested very deeply") {
    require_value_error("[[[[[1]]]]]", "a value has at most 4 dimensions", 5);
    require_value_error(std::string(100000, '['), "a value has at most 4 dimensions", 5);
}

TEST_CASE("value error: expected a comma or a closing bracket in a list") {
    require_value_error("[1 2]", "expected ',' or ']' in a list, got '2'", 4);
    require_value_error("[1, 2", "expected ',' or ']' in a list, got the end of the text", 6);
}

TEST_CASE("value error: text after the value") {
    require_value_error("1 2", "unexpected '2' after the value", 3);
    require_value_error("[1]]", "unexpected ']' after the value", 4);
}

TEST_CASE("value error: number does not fit in a double") {
    require_value_error("1e999", "number '1e999' does not fit in a double", 1);
}

TEST_CASE("JSON objects of values") {
    const auto v = parse_value_object(
        "{\n  \"W\": [[0.1, 0.5], [-0.3, 0.8]],\n  \"x\": 2,\n  \"a\\u0062\": [1]\n}\n");
    REQUIRE(v.size() == 3);
    CHECK(v[0].first == "W");
    CHECK(v[0].second.shape() == Shape{2, 2});
    CHECK(v[1].first == "x");
    CHECK(v[1].second.item() == 2);
    CHECK(v[2].first == "ab");
    CHECK(parse_value_object("{}").empty());
}

TEST_CASE("JSON is strict: no '+', '.5', '2.' or leading zeros") {
    require_object_error("{\"x\": +1}", "expected a number or a list, got '+'", 1, 7);
    require_object_error("{\"x\": .5}", "expected a number or a list, got '.'", 1, 7);
    require_object_error("{\"x\": 2.}", "malformed number '2.'", 1, 7);
    require_object_error("{\"x\": 012}", "malformed number '012'", 1, 7);
}

TEST_CASE("JSON error: expected an object") {
    require_object_error("[1]", "expected a JSON object {\"NAME\": VALUE, ...}, got '['", 1, 1);
}

TEST_CASE("JSON error: expected a name in double quotes") {
    require_object_error("{x: 1}", "expected a name in double quotes, got 'x'", 1, 2);
    require_object_error("{\"x\": 1,}", "expected a name in double quotes, got '}'", 1, 9);
}

TEST_CASE("JSON error: a name given twice") {
    require_object_error("{\"x\": 1,\n \"x\": 2}", "'x' is given twice", 2, 2);
}

TEST_CASE("JSON error: expected ':' after a name") {
    require_object_error("{\"x\" 1}", "expected ':' after a name, got '1'", 1, 6);
}

TEST_CASE("JSON error: expected ',' or '}' in an object") {
    require_object_error("{\"x\": 1 \"y\": 2}", "expected ',' or '}' in an object, got a string", 1,
                         9);
}

TEST_CASE("JSON error: strings") {
    require_object_error("{\"x", "unterminated string", 1, 2);
    require_object_error("{\"a\tb\": 1}", "control character in a string", 1, 4);
    require_object_error("{\"a\\qb\": 1}", "bad escape in a string", 1, 4);
    require_object_error("{\"a\\u12\": 1}", "bad \\u escape in a string", 1, 4);
}

TEST_CASE("JSON error: text after the object, values located by line") {
    require_object_error("{} x", "unexpected 'x' after the value", 1, 4);
    require_object_error("{\n \"x\": [1,\n  true]}", "expected a number or a list, got a boolean",
                         3, 3);
    require_object_error(
        "\x01", "expected a JSON object {\"NAME\": VALUE, ...}, got a byte that is not text", 1, 1);
}

TEST_CASE("json_number: shortest text that reads back to the same double") {
    CHECK(json_number(-12) == "-12");
    CHECK(json_number(0.116) == "0.116");
    CHECK(json_number(0.1 + 0.2) == "0.30000000000000004");
    CHECK(json_number(1e-5) == "1e-05");
    CHECK(json_number(1e300) == "1e+300");
    // strict JSON has no NaN or infinity: they are strings, as in Protocol Buffers' mapping
    CHECK(json_number(std::nan("")) == "\"NaN\"");
    CHECK(json_number(std::numeric_limits<double>::infinity()) == "\"Infinity\"");
    CHECK(json_number(-std::numeric_limits<double>::infinity()) == "\"-Infinity\"");
    CHECK(json_number(-0.0) == "-0");
    // the command line's words for them are bare
    CHECK(number_text(std::nan("")) == "NaN");
    CHECK(number_text(-std::numeric_limits<double>::infinity()) == "-Infinity");
    CHECK(number_text(0.1 + 0.2) == "0.30000000000000004");
    std::mt19937_64 rng(20240601);
    for (int i = 0; i < 10000; ++i) {
        const double v = std::bit_cast<double>(rng());
        if (!std::isfinite(v))
            continue;
        const std::string text = json_number(v);
        INFO(text);
        REQUIRE(std::bit_cast<std::uint64_t>(parse_value(text).item()) ==
                std::bit_cast<std::uint64_t>(v));
    }
}

TEST_CASE("write_json: nested lists by shape") {
    std::ostringstream s;
    write_json(s, Tensor(Shape{2, 2}, {0.5, 1, -2, 0.25}));
    CHECK(s.str() == "[[0.5, 1], [-2, 0.25]]");
    std::ostringstream t;
    write_json(t, Tensor(3.0));
    CHECK(t.str() == "3");
    std::ostringstream u;
    write_json(u, Tensor(Shape{1, 1, 2}, {1, 2}));
    CHECK(u.str() == "[[[1, 2]]]");
    const Tensor odd(Shape{3}, {1, std::nan(""), -std::numeric_limits<double>::infinity()});
    std::ostringstream strict, text;
    write_json(strict, odd);
    write_value(text, odd);
    CHECK(strict.str() == "[1, \"NaN\", \"-Infinity\"]");
    CHECK(text.str() == "[1, NaN, -Infinity]");
    CHECK(std::isnan(parse_value(strict.str())[1]));
    CHECK(std::isnan(parse_value(text.str())[1]));
    CHECK(json_string("a\"b\\c\n") == "\"a\\\"b\\\\c\\u000a\"");
}
