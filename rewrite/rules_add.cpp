// Rules rooted at add, sub and neg: the expm1 stable forms (first), identities, sign
// hygiene (derivative graphs are full of negations), constant reassociation, common
// factors, and masks that merge (where(c, a, b) + where(c, d, e)). Commutative ops match in
// either operand order, so `x + (-y)` also covers `(-y) + x`.
#include "rewrite/rule_sets.hpp"

namespace symdiff::rewrite {

using namespace dsl;

std::vector<Rule> add_rules() {
    return {
        // clang-format off
        // e^x + (-1) = expm1(x): no cancellation near x = 0 (a stable form: first)
        {"expm1-def-add",   exp(x) + (-1),      expm1(x),           stable | first},
        // x + 0 = x (exact but for -0 + 0 = +0)
        {"add-zero",        x + 0,              x},
        // x + x = 2x: both are the rounding of the same real number, overflow included
        {"add-self",        x + x,              2 * x},
        // a + (-b) = a - b (IEEE defines a - b so); also (-b) + a = a - b
        {"add-neg",         x + (-y),           x - y},
        // (x - y) + y = x
        {"add-sub-cancel",  (x - y) + y,        x,                  real_algebra},
        // (x - y) + (y - x) = 0
        {"add-sub-opposite", (x - y) + (y - x), lit(0),             real_algebra},
        // c0 + (c1 + x) = (c0 + c1) + x
        {"add-const-add",   c0 + (c1 + x),      fold(c0 + c1) + x,  real_algebra},
        // c0 + (c1 - x) = (c0 + c1) - x
        {"add-const-sub",   c0 + (c1 - x),      fold(c0 + c1) - x,  real_algebra},
        // c0 + (x - c1) = x + (c0 - c1)
        {"add-sub-const",   c0 + (x - c1),      x + fold(c0 - c1),  real_algebra},
        // xy + xz = x(y + z)
        {"add-factor",      x * y + x * z,      x * (y + z),        real_algebra},
        // x + cx = (c + 1)x
        {"add-factor-self", x + x * c0,         fold(c0 + 1) * x,   real_algebra},
        // where(c, x, y) + where(c, z, u) = where(c, x + z, y + u): masks merge, stay outside
        {"add-where-where", where(w, x, y) + where(w, z, u), where(w, x + z, y + u)},

        // e^x - 1 = expm1(x): no cancellation near x = 0 (a stable form: first)
        {"expm1-def",       exp(x) - 1,         expm1(x),           stable | first},
        // x - 0 = x (exact but for x - (-0) = x + 0)
        {"sub-zero",        x - 0,              x},
        // 0 - x = -x (exact but for 0 - 0 = +0 against -0)
        {"zero-sub",        0 - x,              -x},
        // x - x = 0 (inf - inf is NaN)
        {"sub-self",        x - x,              lit(0),             real_algebra},
        // a - (-b) = a + b
        {"sub-neg",         x - (-y),           x + y},
        // (-a) - b = -(a + b) (exact but for -0 - (-0) = +0 against -0)
        {"neg-sub-lhs",     (-x) - y,           -(x + y)},
        // (x + y) - x = y
        {"sub-add-cancel",  (x + y) - x,        y,                  real_algebra},
        // x - (x - y) = y
        {"sub-sub-cancel",  x - (x - y),        y,                  real_algebra},
        // (x + c0) - c1 = x + (c0 - c1)
        {"sub-const-add",   (x + c0) - c1,      x + fold(c0 - c1),  real_algebra},
        // (x - c0) - c1 = x - (c0 + c1)
        {"sub-const-sub",   (x - c0) - c1,      x - fold(c0 + c1),  real_algebra},
        // c0 - (x + c1) = (c0 - c1) - x
        {"const-sub-add",   c0 - (x + c1),      fold(c0 - c1) - x,  real_algebra},
        // c0 - (c1 - x) = x + (c0 - c1)
        {"const-sub-sub",   c0 - (c1 - x),      x + fold(c0 - c1),  real_algebra},
        // xy - xz = x(y - z)
        {"sub-factor",      x * y - x * z,      x * (y - z),        real_algebra},
        // cx - x = (c - 1)x
        {"sub-factor-self", x * c0 - x,         fold(c0 - 1) * x,   real_algebra},
        // x - cx = (1 - c)x
        {"self-sub-factor", x - x * c0,         fold(1 - c0) * x,   real_algebra},
        // where(c, x, y) - where(c, z, u) = where(c, x - z, y - u)
        {"sub-where-where", where(w, x, y) - where(w, z, u), where(w, x - z, y - u)},

        // -(-x) = x
        {"neg-neg",         -(-x),              x},
        // -(a - b) = b - a (exact but for a = b: -(+0) against +0)
        {"neg-sub",         -(x - y),           y - x},
        // -(x c) = x (-c): rounding is symmetric under negation
        {"neg-mul-const",   -(x * c0),          x * fold(-c0)},
        // -(c / x) = (-c) / x
        {"neg-div-const",   -(c0 / x),          fold(-c0) / x},
        // -where(c, x, y) = where(c, -x, -y) when one branch is a constant (no growth)
        {"neg-where-const", -where(w, x, c0),   where(w, -x, fold(-c0))},
        {"neg-const-where", -where(w, c0, x),   where(w, fold(-c0), -x)},
        // clang-format on
    };
}

} // namespace symdiff::rewrite
