// One test per error message of the model parser: message text, line:col, and the
// caret display (require_error checks all three). The catalogue of messages (each one is
// in docs/errors.md with an example; tests/tools/catalogue_test.cpp checks both lists):
// clang-format off
//
// bytes and tokens
//   unexpected character 'C'
//   unexpected byte \xNN
//   non-ASCII byte \xNN (only comments may hold UTF-8 text)
//   invalid UTF-8 byte \xNN
//   malformed number 'T'
//   number 'T' does not fit in a double
//   integer N is too large
//   '**' is not an operator: use ^ for powers
//   unexpected character '.': the language has no modules or attributes (write exp(x) for np.exp(x), transpose(A) for A.T)
// statements
//   expected a statement ('input', 'def', 'export' or NAME = EXPR), got T
//   expected '=' after 'NAME'
//   expected the end of the statement, got T
//   model defines no export
//   'NAME' is not defined
//   'NAME' is already defined on line L
//   expected '(' after the function name, got T
//   expected '=' or ':' after the parameters of 'NAME', got T
//   expected the expression of 'NAME', got T
//   function 'NAME' has no 'return': its block ends with 'return EXPR'
//   this line is indented to column N, the block of 'NAME' to column M
//   'return' ends the block of 'NAME': this statement comes after it
//   functions are defined at the top level, not in the block of 'NAME'
//   expected NAME = EXPR or 'return EXPR' in the block of 'NAME', got T
//   expected an expression after 'return', got T
//   expected an expression after '=', got T
//   function 'NAME' takes N arguments (NAMES), got M
//   function 'NAME' calls itself: recursion is not supported (in 'NAME', called on line L)
//   'NAME' is defined after function 'F' (on line L): a function sees only what is defined before it
//   model functions were called more than N times while reading the model (each call builds its body anew)
//   MESSAGE (in 'NAME', called on line L)
// loops
//   the first argument of 'fold' must be the name of a function defined with 'def', got T
//   the first argument of 'fold' must be the name of a function defined with 'def'; 'NAME' is a function of the language
//   the first argument of 'scan' must be the name of a function defined with 'def'; 'NAME' is not defined
//   'fold' takes 3 arguments: expected ',' after the initial carry, got T
//   'fold' takes 3 arguments (a function, the initial carry, and a tensor to run over or a count), got 0
//   function 'NAME' takes N arguments, and 'fold' with a count calls it on (carry)
//   function 'NAME' takes N argument, and 'scan' calls it on (carry, element of the tensor)
//   function 'NAME' returns shape S, but the carry has shape S (from line L): the function of 'fold' must return the shape of its carry
//   the count of 'fold' must not be negative, got N
//   the count of 'fold' must be an integer literal (or give a tensor to run over)
//   a scan of zero steps would be empty, and empty tensors are not supported
//   'fold' runs over the first axis of a tensor, and this is a scalar (a count must be an integer literal)
//   'fold' takes 3 arguments and then only 'checkpoint = N', got T
//   a scan keeps every carry as its result, so it has nothing to checkpoint: 'checkpoint' is an option of fold
//   expected '=' after 'checkpoint', got T
//   checkpoint takes the steps per segment (an integer literal; 0 keeps every carry) or 'sqrt'
//   checkpoint takes the steps per segment (an integer literal; 0 keeps every carry) or 'sqrt', got N
//   expected ')' after the arguments of 'fold', got T
//   loops (for) are written fold(F, init, xs) or scan(F, init, xs), with F defined by 'def'
//   'import' is not needed: the functions of the language are built in
//   conditions (if) are not supported: use where(COND, A, B)
// names
//   'NAME' is a keyword of the model language
//   'NAME' is the name of a function
//   'NAME' is a C++ keyword
//   'std' is reserved: generated code uses the namespace std
//   'NAME' is reserved in C++ (names with '__' or starting with '_' and a capital)
//   'NAME' is a macro of the C++ standard library
//   'NAME': names ending in '_' are reserved for generated code
// inputs
//   expected an input name, got T
//   an input has at most 4 dimensions
//   the dimensions of an input must be integer literals
//   dimension N must be positive
//   expected ',' or ']' after a dimension, got T
//   unclosed '(' / unclosed '['
//   tensor with more than 2^40 elements
// exports
//   expected the name of the export, got T
//   export 'F' is already defined on line L
//   expected '(' after the export name, got T
//   expected a parameter name, got T
//   'NAME' is not an input
//   parameter 'NAME' is listed twice
//   expected ',' or ')' after a parameter, got T
//   expected '->' after the parameter list, got T
//   export 'F' has no results
//   a result must be a defined name or NAME = EXPR, got T
//   result 'R' has the name of a parameter
//   result 'R' is listed twice
//   result 'R' would hide 'R' defined on line L
//   result 'R' depends on input 'I', which is not a parameter of 'F'
// expressions
//   expected an expression, got T
//   expected ')', got T
//   expression nested too deeply (more than 256 levels)
//   comparisons are only allowed as the condition of where
//   comparisons cannot be chained
//   'W' combines conditions: it is only allowed in the condition of where
//   the keyword 'K' cannot appear in an expression
//   'F' is a function: call it as F(...)
//   'NAME' is not a function
//   unknown function 'F'
//   unknown function 'F' (did you mean 'NAME'?)
//   unknown function 'F' (use the operator @ for matrix products)
//   functions (lambda) are written with 'def': def f(y) = y * x
//   ragged tensor literal: element K has shape S, element 1 has S
//   empty tensor literal: a tensor has at least one element
//   expected ',' or ']' after an element of a tensor literal, got T
//   expected ',' or ')' after an argument of 'F', got T
//   'F' takes 1 argument, got K
//   'F' takes N arguments, got K
//   'F' takes N or M arguments, got K
//   'F' takes N to M arguments, got K
//   'F' takes at least 1 argument, got K
//   the variable of 'F' must be the name of an input
//   'NAME' is not an input ('F' differentiates by inputs)
//   the axis of 'F' must be an integer literal
//   the dimensions of 'F' must be integer literals
//   the order of 'diff' must be an integer literal
//   the order of 'diff' must be non-negative, got N
//   the order of 'diff' is at most 16, got N
//   'F' would add more than N nodes to the graph (each order of a derivative can double its size)
// indexing
//   indices must be integer literals or slices a:b, got T
//   an index must be an integer literal
//   too many indices for shape S
//   index I is out of range for axis K of shape S
//   slice A:B is out of range for axis K of shape S
//   slice A:B of axis K is empty
//   expected ',' or ']' after an index, got T
// core errors, located at the operator or call that caused them (examples)
//   @ needs vectors or matrices, got S @ S
//   @: inner dimensions differ: S @ S
//   shapes S and S do not broadcast
//   grad needs a scalar function, got shape S
//   axis N is out of range for shape S
//   diff needs a scalar function of a scalar variable
//   hessian needs a scalar function, got shape S
//   a Jacobian of shape S by S would have N dimensions; at most 4 are supported
//   reverse-mode derivatives through a jacobian whose directions have rank N are not available (at most N)
//   jvp: the tangent has shape S, the variable has S
//   cannot reshape S (N elements) to S (N elements)
// clang-format on
#include "tools/tools_test_util.hpp"

#include <string>

using namespace symdiff;
using namespace symdiff::test;

namespace {
const std::string ok_export = "\nexport e(x) -> r = x\n";
} // namespace

// --- bytes and tokens

TEST_CASE("error: unexpected character") {
    require_error("input x\nf = x $ 2\n", "unexpected character '$'", 2, 7);
    require_error("input x\nf = !x\n", "unexpected character '!'", 2, 5);
}

TEST_CASE("error: unexpected byte (NUL and control bytes)") {
    require_error(std::string("input x\nf = x\0 + 1\n", 16), "unexpected byte \\x00", 2, 6);
    require_error("input x\x01\n", "unexpected byte \\x01", 1, 8);
    require_error("# a comment with a \x7F byte\n", "unexpected byte \\x7F", 1, 20);
}

TEST_CASE("error: non-ASCII byte outside a comment") {
    require_error("input x\nf = x * \xC3\xA9\n",
                  "non-ASCII byte \\xC3 (only comments may hold UTF-8 text)", 2, 9);
}

TEST_CASE("error: invalid UTF-8 byte in a comment") {
    require_error("input x # caf\xE9!\n", "invalid UTF-8 byte \\xE9", 1, 14);
}

TEST_CASE("error: malformed number") {
    require_error("input x\nf = 2x\n", "malformed number '2x'", 2, 5);
    require_error("input x\nf = 1.2.3\n", "malformed number '1.2.3'", 2, 5);
    require_error("input x\nf = 1e\n", "malformed number '1e'", 2, 5);
}

TEST_CASE("error: number does not fit in a double") {
    require_error("input x\nf = x * 1e999\n", "number '1e999' does not fit in a double", 2, 9);
}

TEST_CASE("error: integer is too large") {
    require_error("input x[99999999999]\n", "integer 99999999999 is too large", 1, 9);
}

TEST_CASE("error: Python's ** for powers") {
    require_error("input x\nf = x ** 2\n", "'**' is not an operator: use ^ for powers", 2, 7);
    require_error("input x\nf = 2**x\n", "'**' is not an operator: use ^ for powers", 2, 6);
}

TEST_CASE("error: a dot after a name (np.exp, A.T)") {
    const std::string msg = "unexpected character '.': the language has no modules or attributes "
                            "(write exp(x) for np.exp(x), transpose(A) for A.T)";
    require_error("input x\nf = np.exp(x)\n", msg, 2, 7);
    require_error("input A[2, 2]\nf = A.T\n", msg, 2, 6);
    require_error("input A[2, 2]\nf = (A @ A).sum()\n", msg, 2, 12);
    require_error("input x\nf = x + . 5\n", "unexpected character '.'", 2, 9);
}

// --- statements

TEST_CASE("error: expected a statement") {
    require_error("input x\n3 = x\n",
                  "expected a statement ('input', 'def', 'export' or NAME = EXPR), got '3'", 2, 1);
    require_error("input x\n(x)\n",
                  "expected a statement ('input', 'def', 'export' or NAME = EXPR), got '('", 2, 1);
}

TEST_CASE("error: expected '=' after a name") {
    require_error("input x\nf x + 1\n", "expected '=' after 'f'", 2, 3);
    require_error("input x\nx + 1\n", "expected '=' after 'x'", 2, 3);
}

TEST_CASE("error: expected the end of the statement") {
    require_error("input x\nf = x y\n", "expected the end of the statement, got 'y'", 2, 7);
    require_error("input x y\n", "expected the end of the statement, got 'y'", 1, 9);
    require_error("input x\nf = x)\n", "expected the end of the statement, got ')'", 2, 6);
}

TEST_CASE("error: model defines no export") {
    require_error("", "model defines no export", 1, 1);
    require_error("input x\nf = x\n", "model defines no export", 2, 6);
    require_error("input x\nf = x", "model defines no export", 2, 6);
    require_error("# only a comment\n\n", "model defines no export", 2, 1);
}

TEST_CASE("error: name is not defined") {
    require_error("input x\nf = x + y\n", "'y' is not defined", 2, 9);
    require_error("input x\nf = g\ng = x\n", "'g' is not defined", 2, 5);
    require_error("input x\nexport e(x) -> q\n", "'q' is not defined", 2, 16);
}

TEST_CASE("error: name is already defined") {
    require_error("input x\nq = x\nq = 2 * x\n", "'q' is already defined on line 2", 3, 1);
    require_error("input x\nx = 2\n", "'x' is already defined on line 1", 2, 1);
    require_error("input x, y, x\n", "'x' is already defined on line 1", 1, 13);
}

TEST_CASE("error: a function's definition") {
    require_error("input x\ndef f y = y\n", "expected '(' after the function name, got 'y'", 2, 7);
    require_error("input x\ndef f(y) y\n",
                  "expected '=' or ':' after the parameters of 'f', got 'y'", 2, 10);
    require_error("input x\ndef f(y, y) = y\n", "parameter 'y' is listed twice", 2, 10);
    require_error("input x\ndef f(exp) = 1\n", "'exp' is the name of a function", 2, 7);
    require_error("input x\ndef f(f) = 1\n", "'f' is already defined on line 2", 2, 7);
    require_error("input x\ndef g(y) = y\ndef f(g) = 1\n", "'g' is already defined on line 2", 3,
                  7);
    require_error("input x\ndef x(y) = y\n", "'x' is already defined on line 1", 2, 5);
    require_error("input x\ndef f(y) = y\nf = 2\n", "'f' is already defined on line 2", 3, 1);
    require_error("input x\ndef f(y) = y\nexport e(x) -> f = x\n",
                  "'f' is already defined on line 2", 3, 16);
    require_error("input x\ndef f(y) =\n",
                  "expected the expression of 'f', got the end of the file", 2, 11);
    require_error("input x\ndef f(y) = ; export e(x) -> r = x\n",
                  "expected the expression of 'f', got ';'", 2, 12);
}

TEST_CASE("error: a function's block") {
    require_error("input x\ndef f(y):\n    a = y * 2\nexport e(x) -> r = f(x)\n",
                  "function 'f' has no 'return': its block ends with 'return EXPR'", 2, 5);
    require_error("input x\ndef f(y):\n    a = y * 2\n",
                  "function 'f' has no 'return': its block ends with 'return EXPR'", 2, 5);
    require_error("input x\ndef f(y):\n    a = y * 2\n      b = a\n    return b\n",
                  "this line is indented to column 7, the block of 'f' to column 5", 4, 7);
    require_error("input x\ndef f(y):\n    a = y * 2\n    return a\n    b = 3\n",
                  "'return' ends the block of 'f': this statement comes after it", 5, 5);
    require_error("input x\ndef f(y):\n    return y; b = 3\n",
                  "'return' ends the block of 'f': this statement comes after it", 3, 15);
    require_error("input x\ndef f(y):\n    def g(z) = z\n    return y\n",
                  "functions are defined at the top level, not in the block of 'f'", 3, 5);
    require_error("input x\ndef f(y):\n    y + 1\n    return y\n",
                  "expected NAME = EXPR or 'return EXPR' in the block of 'f', got 'y'", 3, 5);
    require_error("input x\ndef f(y):\n    return\nexport e(x) -> r = f(x)\n",
                  "expected an expression after 'return', got the end of the line", 3, 11);
    require_error("input x\ndef f(y):\n    a =; return a\n",
                  "expected an expression after '=', got ';'", 3, 8);
}

TEST_CASE("error: a loop's function, carry and count") {
    require_error("input x\nexport e(x) -> r = fold(3, x, 2)\n",
                  "the first argument of 'fold' must be the name of a function defined with 'def', got '3'", 2, 25);
    require_error("input x\nexport e(x) -> r = fold(sin, x, 2)\n",
                  "the first argument of 'fold' must be the name of a function defined with 'def'; 'sin' is a "
                  "function of the language",
                  2, 25);
    require_error("input x\nexport e(x) -> r = scan(step, x, 2)\n",
                  "the first argument of 'scan' must be the name of a function defined with 'def'; 'step' is not "
                  "defined",
                  2, 25);
    require_error("input x\ndef f(c) = c * x\nexport e(x) -> r = fold(f, x)\n",
                  "'fold' takes 3 arguments: expected ',' after the initial carry, got ')'", 3, 29);
    require_error("input x\nexport e(x) -> r = fold()\n",
                  "'fold' takes 3 arguments (a function, the initial carry, and a tensor to run over or a count), got 0",
                  2, 20);
    require_error("input x\ndef f(c, v) = c * v\nexport e(x) -> r = fold(f, x, 3)\n",
                  "function 'f' takes 2 arguments, and 'fold' with a count calls it on (carry)", 3, 25);
    require_error("input x[3]\ndef f(c) = c * 2\nexport e(x) -> r = scan(f, 0, x)\n",
                  "function 'f' takes 1 argument, and 'scan' calls it on (carry, element of the tensor)", 3, 25);
    require_error("input x[3]\ndef f(c, v) = c * x\nexport e(x) -> r = fold(f, 0, x)\n",
                  "function 'f' returns shape [3], but the carry has shape [] (from line 3): the function of 'fold' "
                  "must return the shape of its carry",
                  3, 25);
    require_error("input x\ndef f(c) = c * x\nexport e(x) -> r = fold(f, x, -1)\n",
                  "the count of 'fold' must not be negative, got -1", 3, 31);
    require_error("input x\ndef f(c) = c * x\nexport e(x) -> r = fold(f, x, 2.5)\n",
                  "the count of 'fold' must be an integer literal (or give a tensor to run over)", 3, 31);
    require_error("input x\ndef f(c) = c * x\nexport e(x) -> r = scan(f, x, 0)\n",
                  "a scan of zero steps would be empty, and empty tensors are not supported", 3, 31);
    require_error("input x\ndef f(c, v) = c * v\nexport e(x) -> r = fold(f, x, x)\n",
                  "'fold' runs over the first axis of a tensor, and this is a scalar (a count must be an integer "
                  "literal)",
                  3, 31);
    require_error("input x\ndef f(c) = c * x\nexport e(x) -> r = fold(f, x, 2, 3)\n",
                  "'fold' takes 3 arguments and then only 'checkpoint = N', got '3'", 3, 34);
    require_error("input x\ndef f(c) = c * x\nexport e(x) -> r = scan(f, x, 2, checkpoint = 1)\n",
                  "a scan keeps every carry as its result, so it has nothing to checkpoint: 'checkpoint' is an "
                  "option of fold",
                  3, 34);
    require_error("input x\ndef f(c) = c * x\nexport e(x) -> r = fold(f, x, 2, checkpoint 1)\n",
                  "expected '=' after 'checkpoint', got '1'", 3, 45);
    require_error("input x\ndef f(c) = c * x\nexport e(x) -> r = fold(f, x, 4, checkpoint = 1.5)\n",
                  "checkpoint takes the steps per segment (an integer literal; 0 keeps every carry) or 'sqrt'", 3,
                  47);
    require_error("input x\ndef f(c) = c * x\nexport e(x) -> r = fold(f, x, 4, checkpoint = -2)\n",
                  "checkpoint takes the steps per segment (an integer literal; 0 keeps every carry) or 'sqrt', "
                  "got -2",
                  3, 47);
    require_error("input x\ndef f(c) = c * x\nexport e(x) -> r = fold(f, x, 4, checkpoint = 2 3)\n",
                  "expected ')' after the arguments of 'fold', got '3'", 3, 49);
    // An error inside the function names the loop's line.
    require_error("input x[2]\ndef f(c, v) = c + [1, 2, 3]\nexport e(x) -> r = fold(f, x, [[1, 2]])\n",
                  "shapes [2] and [3] do not broadcast (in 'f', called on line 3)", 2, 17);
    require_error("input x\nfold = 2 * x\n", "'fold' is the name of a function", 2, 1);
}

TEST_CASE("error: a function's call") {
    require_error("input x\ndef f(y, z) = y + z\nexport e(x) -> r = f(x)\n",
                  "function 'f' takes 2 arguments (y, z), got 1", 3, 20);
    require_error("input x\ndef f(y) = y\nexport e(x) -> r = f(x, x)\n",
                  "function 'f' takes 1 argument (y), got 2", 3, 20);
    require_error(
        "input x\ndef f(y) = f(y)\nexport e(x) -> r = f(x)\n",
        "function 'f' calls itself: recursion is not supported (in 'f', called on line 3)", 2, 12);
    require_error("input x\ndef f(y) = g(y)\ndef g(y) = y\nexport e(x) -> r = f(x)\n",
                  "'g' is defined after function 'f' (on line 3): a function sees only what is "
                  "defined before it (in 'f', called on line 4)",
                  2, 12);
    require_error("input x\ndef f(y) = y + z\nz = 3\nexport e(x) -> r = f(x)\n",
                  "'z' is defined after function 'f' (on line 3): a function sees only what is "
                  "defined before it (in 'f', called on line 4)",
                  2, 16);
    require_error("input x\ndef f(y) = y + r\nexport e(x) -> r = x, s = f(x)\n",
                  "'r' is defined after function 'f' (on line 3): a function sees only what is "
                  "defined before it (in 'f', called on line 3)",
                  2, 16);
    require_error("input x\ndef f(y) = y\nexport e(x) -> r = f\n",
                  "'f' is a function: call it as f(...)", 3, 20);
    // An error in the body is shown there, with each call that led to it.
    require_error("input x[2]\ndef f(y, z) = y + z\ndef g(y) = f(y, [1, 2, 3])\n"
                  "export e(x) -> r = g(x)\n",
                  "shapes [2] and [3] do not broadcast (in 'f', called on line 3) (in 'g', "
                  "called on line 4)",
                  2, 17);
    // Functions that call each other twice, 20 deep, would read 2^20 bodies: the error is
    // shown at the outermost call.
    std::string deep = "input x\ndef f0(y) = y\n";
    for (int k = 1; k <= 20; ++k)
        deep += "def f" + std::to_string(k) + "(y) = f" + std::to_string(k - 1) + "(sin(y)) + f" +
                std::to_string(k - 1) + "(cos(y))\n";
    deep += "export e(x) -> r = f20(x)\n";
    require_error(deep,
                  "model functions were called more than 20000 times while reading the model (each "
                  "call builds its body anew)",
                  23, 20);
}

TEST_CASE("error: loops (for, while) are not supported yet") {
    require_error("input x\nfor i in range(3):\n",
                  "loops (for) are written fold(F, init, xs) or scan(F, init, xs), with F defined by 'def'", 2, 1);
    require_error("input x\nwhile x > 0:\n", "loops (while) are written fold(F, init, xs) or scan(F, init, xs), with F defined by 'def'", 2, 1);
}

TEST_CASE("error: import is not needed") {
    require_error("import numpy as np\ninput x\n",
                  "'import' is not needed: the functions of the language are built in", 1, 1);
    require_error("from math import exp\n",
                  "'from' is not needed: the functions of the language are built in", 1, 1);
}

TEST_CASE("error: conditions (if) are not supported: use where") {
    const std::string msg = "conditions (if) are not supported: use where(COND, A, B)";
    require_error("input x\nif x > 0:\n", msg, 2, 1);
    require_error("input x\nf = x if x > 0 else 0\n", msg, 2, 7);
    require_error("input x\nf = (x if x > 0 else 0)\n", msg, 2, 8);
    require_error("input x\nf = if\n", msg, 2, 5);
}

// --- names

TEST_CASE("error: keyword of the model language") {
    require_error("pi = 3\n", "'pi' is a keyword of the model language", 1, 1);
    require_error("input = 3\n", "'input' is a keyword of the model language", 1, 1);
    require_error("input export\n", "'export' is a keyword of the model language", 1, 7);
}

TEST_CASE("error: the name of a function") {
    require_error("input exp\n", "'exp' is the name of a function", 1, 7);
    require_error("input x\ngrad = x\n", "'grad' is the name of a function", 2, 1);
    require_error("input x\nexport sum(x) -> r = x\n", "'sum' is the name of a function", 2, 8);
}

TEST_CASE("error: C++ keyword") {
    require_error("input class\n", "'class' is a C++ keyword", 1, 7);
    require_error("input x\nxor = x\n", "'xor' is a C++ keyword", 2, 1);
    require_error("input x\nexport e(x) -> bitand = x\n", "'bitand' is a C++ keyword", 2, 16);
    require_error("input x\nexport double(x) -> r = x\n", "'double' is a C++ keyword", 2, 8);
}

TEST_CASE("error: std is reserved") {
    require_error("input std\n", "'std' is reserved: generated code uses the namespace std", 1, 7);
}

TEST_CASE("error: reserved identifiers of C++") {
    const std::string why =
        " is reserved in C++ (names with '__' or starting with '_' and a capital)";
    require_error("input a__b\n", "'a__b'" + why, 1, 7);
    require_error("input _Weight\n", "'_Weight'" + why, 1, 7);
    require_error("input _Foo\n", "'_Foo'" + why, 1, 7);
    require_error("input x\n_Foo = x\n", "'_Foo'" + why, 2, 1);
    require_error("input x\nexport a__b(x) -> r = x\n", "'a__b'" + why, 2, 8);
    require_error("input x\nexport e(x) -> __r = x\n", "'__r'" + why, 2, 16);
}

TEST_CASE("error: macro of the standard library") {
    require_error("input NAN\n", "'NAN' is a macro of the C++ standard library", 1, 7);
    require_error("input M_PI\n", "'M_PI' is a macro of the C++ standard library", 1, 7);
}

TEST_CASE("error: names ending in an underscore") {
    require_error("input x_\n", "'x_': names ending in '_' are reserved for generated code", 1, 7);
}

// --- inputs

TEST_CASE("error: expected an input name") {
    require_error("input 3\n", "expected an input name, got '3'", 1, 7);
    require_error("input\n", "expected an input name, got the end of the line", 1, 6);
    require_error("input x,\n", "expected an input name, got the end of the file", 1, 9);
}

TEST_CASE("error: an input has at most 4 dimensions") {
    require_error("input x[1, 2, 3, 4, 5]\n", "an input has at most 4 dimensions", 1, 21);
}

TEST_CASE("error: dimensions of an input must be integer literals") {
    require_error("input x[2.5]\n", "the dimensions of an input must be integer literals", 1, 9);
    require_error("input x[n]\n", "the dimensions of an input must be integer literals", 1, 9);
    require_error("input x[]\n", "the dimensions of an input must be integer literals", 1, 9);
}

TEST_CASE("error: dimension must be positive") {
    require_error("input x[0]\n", "dimension 0 must be positive", 1, 9);
    require_error("input x[2, -3]\n", "dimension -3 must be positive", 1, 12);
}

TEST_CASE("error: expected a comma or a closing bracket after a dimension") {
    require_error("input x[2 3]\n", "expected ',' or ']' after a dimension, got '3'", 1, 11);
}

TEST_CASE("error: unclosed bracket") {
    require_error("input x[2, 3\n", "unclosed '['", 1, 8);
    require_error("input x\nf = (x + 1\n", "unclosed '('", 2, 5);
    require_error("input x\nf = sum(x\n", "unclosed '('", 2, 8);
}

TEST_CASE("error: tensor too large, from core, located at the input") {
    require_error("input x[1048576, 1048576, 2]\n", "tensor with more than 2^40 elements", 1, 7);
}

// --- exports

TEST_CASE("error: expected the name of the export") {
    require_error("input x\nexport (x) -> x\n", "expected the name of the export, got '('", 2, 8);
}

TEST_CASE("error: export is already defined") {
    require_error("input x\nexport e(x) -> a = x\nexport e(x) -> b = x\n",
                  "export 'e' is already defined on line 2", 3, 8);
}

TEST_CASE("error: expected '(' after the export name") {
    require_error("input x\nexport e -> x\n", "expected '(' after the export name, got '->'", 2,
                  10);
}

TEST_CASE("error: expected a parameter name") {
    require_error("input x\nexport e(3) -> r = 1\n", "expected a parameter name, got '3'", 2, 10);
}

TEST_CASE("error: parameter is not an input") {
    require_error("input x\nq = x\nexport e(q) -> q\n", "'q' is not an input", 3, 10);
    require_error("input x\nexport e(z) -> r = x\n", "'z' is not an input", 2, 10);
}

TEST_CASE("error: parameter is listed twice") {
    require_error("input x\nexport e(x, x) -> r = x\n", "parameter 'x' is listed twice", 2, 13);
}

TEST_CASE("error: expected ',' or ')' after a parameter") {
    require_error("input x, y\nexport e(x y) -> r = x\n",
                  "expected ',' or ')' after a parameter, got 'y'", 2, 12);
}

TEST_CASE("error: expected '->' after the parameter list") {
    require_error("input x\nexport e(x) r = x\n", "expected '->' after the parameter list, got 'r'",
                  2, 13);
    require_error("input x\nexport e(x)\n",
                  "expected '->' after the parameter list, got the end of the line", 2, 12);
}

TEST_CASE("error: export has no results") {
    require_error("input x\nexport e(x) ->\n", "export 'e' has no results", 2, 15);
    require_error("input x\nexport e(x) -> ; f = x\n", "export 'e' has no results", 2, 16);
}

TEST_CASE("error: a result must be a defined name or NAME = EXPR") {
    require_error("input x\nexport e(x) -> 2 * x\n",
                  "a result must be a defined name or NAME = EXPR, got '2'", 2, 16);
    require_error("input x\nexport e(x) -> r = x,\n",
                  "a result must be a defined name or NAME = EXPR, got the end of the file", 2, 22);
}

TEST_CASE("error: result has the name of a parameter") {
    require_error("input x\nexport e(x) -> x\n", "result 'x' has the name of a parameter", 2, 16);
    require_error("input x\nexport e(x) -> x = 2 * x\n", "result 'x' has the name of a parameter",
                  2, 16);
}

TEST_CASE("error: result is listed twice") {
    require_error("input x\nf = x\nexport e(x) -> f, f\n", "result 'f' is listed twice", 3, 19);
    require_error("input x\nexport e(x) -> a = x, a = 2 * x\n", "result 'a' is listed twice", 2,
                  23);
}

TEST_CASE("error: result would hide a definition") {
    require_error("input x\nq = x\nexport e(x) -> q = 2 * x\n",
                  "result 'q' would hide 'q' defined on line 2", 3, 16);
    require_error("input x, y\nexport e(x) -> y = 2 * x\n",
                  "result 'y' would hide 'y' defined on line 1", 2, 16);
}

TEST_CASE("error: result depends on an input that is not a parameter") {
    require_error("input x, y\nf = x * y\nexport e(x) -> f\n",
                  "result 'f' depends on input 'y', which is not a parameter of 'e'", 3, 16);
    require_error("input x, y\nexport e(x) -> a = x, b = x + y\n",
                  "result 'b' depends on input 'y', which is not a parameter of 'e'", 2, 23);
}

// --- expressions

TEST_CASE("error: expected an expression") {
    require_error("input x\nf = x + )\n", "expected an expression, got ')'", 2, 9);
    require_error("input x\nf = x *\n", "expected an expression, got the end of the file", 2, 8);
    require_error("input x\nf = \n", "expected an expression, got the end of the file", 2, 5);
    require_error("input x\nf = ;\n", "expected an expression, got ';'", 2, 5);
}

TEST_CASE("error: expected ')'") {
    require_error("input x, y\nf = (x y)\n", "expected ')', got 'y'", 2, 8);
}

TEST_CASE("error: expression nested too deeply") {
    const std::string deep =
        "input x\nf = " + std::string(300, '(') + "x" + std::string(300, ')') + ok_export;
    require_error(deep, "expression nested too deeply (more than 256 levels)", 2, 4 + 257);
    const std::string minus = "input x\nf = " + std::string(300, '-') + "x" + ok_export;
    require_error(minus, "expression nested too deeply (more than 256 levels)", 2, 4 + 257);
}

TEST_CASE("error: comparisons outside where") {
    const std::string msg = "comparisons are only allowed as the condition of where";
    require_error("input x\nf = x < 1\n", msg, 2, 7);
    require_error("input x\nf = exp(x > 1)\n", msg, 2, 11);
    require_error("input x\nf = (x == 1)\n", msg, 2, 8);
    require_error("input x\nf = where(x > 0, x < 1, x)\n", msg, 2, 20);
}

TEST_CASE("error: comparisons cannot be chained") {
    require_error("input x\nf = where(0 < x < 1, x, 0)\n", "comparisons cannot be chained", 2, 17);
}

TEST_CASE("error: and, or, not outside the condition of where") {
    const std::string tail = " combines conditions: it is only allowed in the condition of where";
    require_error("input x\nf = x and x\n", "'and'" + tail, 2, 7);
    require_error("input x\nf = exp(x or x)\n", "'or'" + tail, 2, 11);
    require_error("input x\nf = not x\n", "'not'" + tail, 2, 5);
    require_error("input x\nf = where(x > 0, x and x, x)\n", "'and'" + tail, 2, 20);
    require_error("input x\nand = x\n", "'and' is a keyword of the model language", 2, 1);
}

TEST_CASE("error: keyword in an expression") {
    require_error("input x\nf = x + input\n", "the keyword 'input' cannot appear in an expression",
                  2, 9);
    require_error("input x\nf = export\n", "the keyword 'export' cannot appear in an expression", 2,
                  5);
}

TEST_CASE("error: a function used without a call") {
    require_error("input x\nf = exp + x\n", "'exp' is a function: call it as exp(...)", 2, 5);
}

TEST_CASE("error: not a function") {
    require_error("input x\nf = x(2)\n", "'x' is not a function", 2, 5);
    require_error("input x\nf = pi(2)\n", "'pi' is not a function", 2, 5);
}

TEST_CASE("error: unknown function") {
    require_error("input x\nf = foo(x)\n", "unknown function 'foo'", 2, 5);
    require_error("input x\nf = exponential(x)\n", "unknown function 'exponential'", 2, 5);
}

TEST_CASE("error: unknown function, with the closest function of the language") {
    require_error("input x\nf = jacobain(x, x)\n",
                  "unknown function 'jacobain' (did you mean 'jacobian'?)", 2, 5);
    require_error("input x\nf = sigmod(x)\n", "unknown function 'sigmod' (did you mean 'sigmoid'?)",
                  2, 5);
    require_error("input x\nf = Exp(x)\n", "unknown function 'Exp' (did you mean 'exp'?)", 2, 5);
    require_error("input x\nf = hesian(x, x)\n",
                  "unknown function 'hesian' (did you mean 'hessian'?)", 2, 5);
    require_error("input x\nf = maximum(x, 0)\n",
                  "unknown function 'maximum' (did you mean 'max'?)", 2, 5);
    require_error("input x[2]\nf = concatenate(x, x)\n",
                  "unknown function 'concatenate' (did you mean 'concat'?)", 2, 5);
}

TEST_CASE("error: unknown function matmul: use @") {
    require_error("input A[2, 2]\nf = matmul(A, A)\n",
                  "unknown function 'matmul' (use the operator @ for matrix products)", 2, 5);
}

TEST_CASE("error: functions (lambda) are written with def") {
    require_error("input x\nf = lambda y: y * x\n", "functions (lambda) are written with 'def': def f(y) = y * x", 2,
                  5);
    // lambda is a fine name (a regularisation weight) where it is one
    CHECK_NOTHROW(parse_model("input x, lambda\nexport e(x, lambda) -> r = lambda * x\n", "m.sd"));
}

TEST_CASE("error: ragged tensor literal") {
    require_error("input x\nf = [1, [2]]\n",
                  "ragged tensor literal: element 2 has shape [1], element 1 has []", 2, 9);
    require_error("input x\nf = [[1, 2], [3]]\n",
                  "ragged tensor literal: element 2 has shape [1], element 1 has [2]", 2, 14);
    require_error("input v[3]\nf = [v, [1, 2]]\n",
                  "ragged tensor literal: element 2 has shape [2], element 1 has [3]", 2, 9);
}

TEST_CASE("error: empty tensor literal") {
    require_error("input x\nf = []\n", "empty tensor literal: a tensor has at least one element", 2,
                  5);
    require_error("input x\nf = [[1], []]\n",
                  "empty tensor literal: a tensor has at least one element", 2, 11);
}

TEST_CASE("error: expected a comma or a closing bracket after an element of a tensor literal") {
    require_error("input x\nf = [1 2]\n",
                  "expected ',' or ']' after an element of a tensor literal, got '2'", 2, 8);
    require_error("input x\nf = [x, 2\n", "unclosed '['", 2, 5);
}

TEST_CASE("error from core: a tensor literal of more than four dimensions") {
    require_error("input T[1, 1, 1, 2]\nS = [T, T]\n", "tensors have at most 4 dimensions, got 5",
                  2, 5);
}

TEST_CASE("error: expected ',' or ')' after an argument") {
    require_error("input x, y\nf = max(x y)\n",
                  "expected ',' or ')' after an argument of 'max', got 'y'", 2, 11);
}

TEST_CASE("error: wrong number of arguments") {
    require_error("input x\nf = exp(x, x)\n", "'exp' takes 1 argument, got 2", 2, 5);
    require_error("input x\nf = pow(x)\n", "'pow' takes 2 arguments, got 1", 2, 5);
    require_error("input x[2]\nf = sum(x, 0, 1)\n", "'sum' takes 1 or 2 arguments, got 3", 2, 5);
    require_error("input x\nf = zeros(1, 1, 1, 1, 1)\n", "'zeros' takes 1 to 4 arguments, got 5", 2,
                  5);
    require_error("input x\nf = stack()\n", "'stack' takes at least 1 argument, got 0", 2, 5);
    require_error("input x\nf = where(x > 0, x)\n", "'where' takes 3 arguments, got 2", 2, 5);
}

TEST_CASE("error: the variable of a derivative must be an input name") {
    require_error("input x\nf = x * x\ng = grad(f, 2 * x)\n",
                  "the variable of 'grad' must be the name of an input", 3, 13);
    require_error("input x[2]\nf = sum(x)\ng = grad(f, x[0])\n",
                  "the variable of 'grad' must be the name of an input", 3, 13);
}

TEST_CASE("error: the variable of a derivative is not an input") {
    require_error("input x\nq = x * x\nf = q * q\ng = grad(f, q)\n",
                  "'q' is not an input ('grad' differentiates by inputs)", 4, 13);
    require_error("input x\nf = x\ng = diff(f, z, 1)\n", "'z' is not defined", 3, 13);
}

TEST_CASE("error: axis must be an integer literal") {
    require_error("input x[2, 2]\nf = sum(x, 0.5)\n",
                  "the axis of 'sum' must be an integer literal", 2, 12);
    require_error("input x[2, 2]\nf = softmax(x, 1 + 0)\n",
                  "the axis of 'softmax' must be an integer literal", 2, 16);
    require_error("input x[2, 2]\nf = prod(x, -0.5)\n",
                  "the axis of 'prod' must be an integer literal", 2, 13);
}

TEST_CASE("error: dimensions of a function must be integer literals") {
    require_error("input x\nf = zeros(x)\n", "the dimensions of 'zeros' must be integer literals",
                  2, 11);
    require_error("input x[4]\nf = reshape(x, 2, 2.0)\n",
                  "the dimensions of 'reshape' must be integer literals", 2, 19);
    require_error("input x\nf = eye(0)\n", "dimension 0 must be positive", 2, 9);
    require_error("input x\nf = ones(2 + 1)\n", "the dimensions of 'ones' must be integer literals",
                  2, 10);
}

TEST_CASE("error: order of diff must be an integer literal") {
    const std::string msg = "the order of 'diff' must be an integer literal";
    require_error("input x\nf = diff(x, x, 1.5)\n", msg, 2, 16);
    require_error("input x\nf = diff(x, x, 2.0)\n", msg, 2, 16); // integral, but not an integer
    require_error("input x\nf = diff(x, x, 1e0)\n", msg, 2, 16);
    require_error("input x\nf = diff(x, x, x)\n", msg, 2, 16);
    require_error("input x\nf = diff(x, x, 1 + 1)\n", msg, 2, 16);
}

TEST_CASE("error: order of diff must be non-negative") {
    require_error("input x\nf = diff(x, x, -1)\n",
                  "the order of 'diff' must be non-negative, got -1", 2, 16);
}

TEST_CASE("error: order of diff is at most 16") {
    require_error("input x\nf = diff(x, x, 17)\n", "the order of 'diff' is at most 16, got 17", 2,
                  16);
}

TEST_CASE("error: a derivative that would grow the graph geometrically") {
    // Each order differentiates the previous derivative: the graph doubles per order, and
    // the model's own 11 nodes allow 2^18 new ones (the floor of derivative_node_cap).
    require_error("input x\nf = exp(sin(x) * x) / (1 + x * x)\ng = diff(f, x, 16)\n",
                  "'diff' would add more than 262144 nodes to the graph (each order of a "
                  "derivative can double its size)",
                  3, 5);
    std::string nested = "input x\nf0 = exp(sin(x) * x) / (1 + x * x)\n";
    for (int k = 1; k <= 20; ++k)
        nested += "f" + std::to_string(k) + " = grad(f" + std::to_string(k - 1) + ", x)\n";
    require_error(nested + "export e(x) -> f20\n",
                  "'grad' would add more than 262144 nodes to the graph (each order of a "
                  "derivative can double its size)",
                  17, 7);
}

TEST_CASE("error: hessian needs a scalar function") {
    require_error("input x[2]\nf = hessian(x * x, x)\n",
                  "hessian needs a scalar function, got shape [2]", 2, 5);
}

TEST_CASE("error: a jacobian has at most four dimensions") {
    require_error("input x[2,2], A[2,2,2]\nf = jacobian(A * sum(x), x)\n",
                  "a Jacobian of shape [2,2,2] by [2,2] would have 5 dimensions; at most 4 are "
                  "supported",
                  2, 5);
}

TEST_CASE("error: reverse mode does not cross a jacobian loop over directions of rank 4") {
    require_error("input z[1, 1, 1, 1]\nj = jacobian(sum(z ^ 3), z)\nf = grad(sum(j), z)\n",
                  "reverse-mode derivatives through a jacobian whose directions have rank 4 are "
                  "not available (at most 3)",
                  3, 5);
}

// --- indexing

TEST_CASE("error: indices must be integer literals or slices") {
    require_error("input x[3]\nf = x[i]\n",
                  "indices must be integer literals or slices a:b, got 'i'", 2, 7);
    require_error("input x[3]\nf = x[]\n",
                  "indices must be integer literals or slices a:b, got ']'", 2, 7);
}

TEST_CASE("error: an index must be an integer literal") {
    require_error("input x[3]\nf = x[1.5]\n", "an index must be an integer literal", 2, 7);
    require_error("input x[3]\nf = x[-i]\n", "an index must be an integer literal", 2, 7);
    require_error("input x[3]\nf = x[0:b]\n", "expected ',' or ']' after an index, got 'b'", 2, 9);
}

TEST_CASE("error: too many indices") {
    require_error("input x[3]\nf = x[0, 1]\n", "too many indices for shape [3]", 2, 10);
    require_error("input x\nf = x[0]\n", "too many indices for shape []", 2, 7);
}

TEST_CASE("error: index out of range") {
    require_error("input x[3]\nf = x[3]\n", "index 3 is out of range for axis 0 of shape [3]", 2,
                  7);
    require_error("input x[3]\nf = x[-4]\n", "index -4 is out of range for axis 0 of shape [3]", 2,
                  7);
    require_error("input A[2, 3]\nf = A[1, 5]\n",
                  "index 5 is out of range for axis 1 of shape [2,3]", 2, 10);
}

TEST_CASE("error: slice out of range") {
    require_error("input x[3]\nf = x[1:5]\n", "slice 1:5 is out of range for axis 0 of shape [3]",
                  2, 7);
    require_error("input x[3]\nf = x[:-4]\n", "slice :-4 is out of range for axis 0 of shape [3]",
                  2, 7);
}

TEST_CASE("error: empty slice") {
    require_error("input x[3]\nf = x[2:1]\n", "slice 2:1 of axis 0 is empty", 2, 7);
    require_error("input x[3]\nf = x[1:1]\n", "slice 1:1 of axis 0 is empty", 2, 7);
}

TEST_CASE("error: expected a comma or a closing bracket after an index") {
    require_error("input x[3]\nf = x[0 1]\n", "expected ',' or ']' after an index, got '1'", 2, 9);
}

// --- core errors, located where they arise

TEST_CASE("error from core: matrix product of scalars, at the @") {
    require_error("input x\nf = x @ x\n", "@ needs vectors or matrices, got [] @ []", 2, 7);
    require_error("input A[2, 3], v[2]\nf = A @ v\n", "@: inner dimensions differ: [2,3] @ [2]", 2,
                  7);
}

TEST_CASE("error from core: shapes do not broadcast, at the operator") {
    require_error("input a[2], b[3]\nf = a +\n  b\n", "shapes [2] and [3] do not broadcast", 2, 7);
    require_error("input a[2], b[3]\nf = max(a, b)\n", "shapes [2] and [3] do not broadcast", 2, 5);
}

TEST_CASE("error from core: the operands of where do not broadcast, at the call") {
    require_error("input c[2], a[3]\nf = where(c > 0, a, 1)\n",
                  "shapes [2] and [3] do not broadcast", 2, 5);
    require_error("input c[2], a[2], b[3]\nf = where(c > 0, a, b)\n",
                  "shapes [2] and [3] do not broadcast", 2, 5);
    require_error("input c[2], a[2, 3]\nf = where(c > 0, a, 0)\n",
                  "shapes [2] and [2,3] do not broadcast", 2, 5);
}

TEST_CASE("error from core: @ of vectors of different lengths, at the @") {
    require_error("input x[2], y[3]\nf = x @ y\n", "@: inner dimensions differ: [2] @ [3]", 2, 7);
    require_error("input A[2, 3], B[2, 3]\nf = A @ B\n",
                  "@: inner dimensions differ: [2,3] @ [2,3]", 2, 7);
}

TEST_CASE("error from core: grad of a non-scalar, at the call") {
    require_error("input x[2]\nf = x * x\ng = grad(f, x)\n",
                  "grad needs a scalar function, got shape [2]", 3, 5);
}

TEST_CASE("error from core: axis out of range, at the call") {
    require_error("input A[2, 3]\nf = sum(A, 2)\n", "axis 2 is out of range for shape [2,3]", 2, 5);
    require_error("input A[2, 3]\nf = 1 + amax(A, -3)\n", "axis -3 is out of range for shape [2,3]",
                  2, 9);
    require_error("input x[3]\nf = amin(x, 1)\n", "axis 1 is out of range for shape [3]", 2, 5);
    require_error("input x\nf = prod(x, 0)\n", "axis 0 is out of range for shape []", 2, 5);
}

TEST_CASE("error from core: diff needs scalars, at the call") {
    require_error("input x[2]\nf = diff(sum(x), x, 1)\n",
                  "diff needs a scalar function of a scalar variable", 2, 5);
}

TEST_CASE("error from core: jvp tangent shape, at the call") {
    require_error("input x[2], v[3]\nf = jvp(x, x, v)\n",
                  "jvp: the tangent has shape [3], the variable has [2]", 2, 5);
}

TEST_CASE("error from core: reshape to another size, at the call") {
    require_error("input A[2, 3]\nf = reshape(A, 4)\n",
                  "cannot reshape [2,3] (6 elements) to [4] (4 elements)", 2, 5);
}

// --- the display

TEST_CASE("format_error: file, line, column, source line and caret") {
    const std::string src = "input x\nf = x + y\nexport e(x) -> f\n";
    try {
        parse_model(src, "dir/model.sd");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(format_error(e, "dir/model.sd", src) ==
              "dir/model.sd:2:9: error: 'y' is not defined\nf = x + y\n        ^\n");
    }
    CHECK(format_error(Error("cannot read 'm.sd'"), "m.sd", "") == "error: cannot read 'm.sd'\n");
}

TEST_CASE("format_error: tabs keep the caret aligned, bad bytes show as '?'") {
    const std::string src = "input x\n\tf =\tx + y\n";
    try {
        parse_model(src, "m.sd");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(format_error(e, "m.sd", src) ==
              "m.sd:2:10: error: 'y' is not defined\n\tf =\tx + y\n\t   \t    ^\n");
    }
    const std::string bin = std::string("input x\x01y\n");
    try {
        parse_model(bin, "m.sd");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(format_error(e, "m.sd", bin) ==
              "m.sd:1:8: error: unexpected byte \\x01\ninput x?y\n       ^\n");
    }
}

TEST_CASE("format_error: a very long line is cut to a window around the column") {
    std::string line = "f = x";
    for (int i = 0; i < 1000; ++i)
        line += " + x";
    const std::string src = "input x\n" + line + " + y\n";
    try {
        parse_model(src, "m.sd");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.loc().col == static_cast<int>(line.size()) + 4);
        const std::string shown = format_error(e, "m.sd", src);
        std::istringstream in(shown);
        std::string header, text, caret;
        std::getline(in, header);
        std::getline(in, text);
        std::getline(in, caret);
        CHECK(text.size() < 200);
        CHECK(text.starts_with("..."));
        CHECK(text[caret.size() - 1] == 'y'); // the caret stands under the 'y'
        CHECK(caret.back() == '^');
    }
}
