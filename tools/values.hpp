// Numeric values on the command line (--set NAME=VALUE) and in JSON files (--set-file),
// and JSON output of results. A value is a number or a rectangular nested list in
// row-major order; its nesting gives its shape. JSON output is strict (RFC 8259): NaN and
// the infinities are the strings "NaN", "Infinity" and "-Infinity", as in Protocol Buffers'
// JSON mapping. The reader is strict JSON plus those three numbers, as strings or bare (as
// Python's json writes them), with errors located by line and column; nesting is bounded
// by the maximum rank, so no input can recurse deeply.
#pragma once

#include "core/error.hpp"
#include "core/tensor.hpp"

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace symdiff {

// A value given on the command line, e.g. "-2", "[[0.1,0.5],[-0.3,0.8]]". Also accepts
// the number forms of the model language (".5", "2.", "+1"). Throws Error located at
// line 1 and the byte column in `text`.
Tensor parse_value(std::string_view text);

// A JSON object of values: {"W": [[0.1, 0.5], [-0.3, 0.8]], "x": [0.2, 0.4]}, in file
// order. Duplicate keys and non-numeric values are errors, located in `json`.
std::vector<std::pair<std::string, Tensor>> parse_value_object(std::string_view json);
// The same, each with the place of its name in `json`.
struct NamedValue {
    std::string name;
    Tensor value;
    SourceLoc loc;
};
std::vector<NamedValue> parse_named_values(std::string_view json);

// The shortest text that reads back to the same double; NaN, Infinity and -Infinity bare,
// as the command line takes them (--set x=NaN) and eval prints them without --json.
std::string number_text(double v);
// The same as a JSON value: a finite number as number_text, NaN and the infinities as
// the strings "NaN", "Infinity" and "-Infinity".
std::string json_number(double v);
// A JSON string literal.
std::string json_string(std::string_view s);
// A tensor as a JSON number or nested list: [[1, 2], [3, 4]] (json_number's numbers).
void write_json(std::ostream& out, const Tensor& t);
// The same with number_text's numbers: eval's NAME = VALUE lines.
void write_value(std::ostream& out, const Tensor& t);

// The message for a value of the wrong shape given for `name`:
// "'W' needs shape [2,2], got a value of shape [4]", "'x' needs a scalar, got ...".
std::string shape_mismatch(std::string_view name, const Shape& want, const Shape& got);

} // namespace symdiff
