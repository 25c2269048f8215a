// Rules rooted at mul, strong_mul and div: the sigmoid stable forms (first), identities,
// signs, constant reassociation, cancellation, and products moved into masks.
// x * x stays a product (never a pow): it is exact, cheap, and what pow-two produces.
#include "rewrite/rule_sets.hpp"

namespace symdiff::rewrite {

using namespace dsl;

std::vector<Rule> mul_rules() {
    return {
        // clang-format off
        // e^-x s(x) = s(-x), and with a third factor (reassociated): stable forms, first
        {"exp-neg-sigmoid", exp(-x) * sigmoid(x), sigmoid(-x),      stable | first},
        {"exp-neg-sigmoid-mul", exp(-x) * (sigmoid(x) * y), sigmoid(-x) * y, real_algebra | first},
        // x 1 = x
        {"mul-one",         x * 1,              x},
        // x (-1) = -x
        {"mul-neg-one",     x * (-1),           -x},
        // x 0 = 0 (inf 0 and NaN 0 are NaN; -3 0 = -0)
        {"mul-zero",        x * 0,              lit(0),             real_algebra},
        // (-a)(-b) = ab
        {"mul-neg-neg",     (-x) * (-y),        x * y},
        // (-a) b = -(ab): rounding is symmetric under negation
        {"mul-neg",         (-x) * y,           -(x * y)},
        // c0 (c1 x) = (c0 c1) x
        {"mul-const-mul",   c0 * (c1 * x),      fold(c0 * c1) * x,  real_algebra},
        // c0 (c1 / x) = (c0 c1) / x
        {"mul-const-div",   c0 * (c1 / x),      fold(c0 * c1) / x,  real_algebra},
        // c0 (x / c1) = x (c0 / c1)
        {"mul-div-const",   c0 * (x / c1),      x * fold(c0 / c1),  real_algebra},
        // x (1 / y) = x / y: one rounding instead of two, no overflow of 1/y
        {"mul-recip",       x * (1 / y),        x / y,              stable},
        // (x / y) y = x
        {"mul-div-cancel",  (x / y) * y,        x,                  real_algebra},
        // (x y)(a / x - b / y) = a y - b x, and with +: the chain rule's s (1 - s) times the
        // derivative of y log s + (1 - y) log(1 - s) (the textbook logistic loss), which is
        // 0 (inf - inf) where s rounds to 0 or 1; no divisions left
        {"mul-quotients-sub", (x * y) * (u / x - v / y), u * y - v * x,  real_algebra},
        {"mul-quotients-add", (x * y) * (u / x + v / y), u * y + v * x,  real_algebra},
        // x (c / y) = c (x / y): the constant out of the way, so that x / y can cancel
        // (s(1 - s) (-1 / (1 - s)), the derivative of log(1 - s), becomes -s)
        {"mul-const-over",  x * (c0 / y),       c0 * (x / y),       real_algebra},
        // where(c, x, 0) y = where(c, x y, 0): the product moves INTO the mask (the safe
        // direction: the left side is NaN where y is infinite and c false, the right 0)
        {"mul-mask-then",   where(w, x, 0) * y, where(w, x * y, 0), real_algebra},
        {"mul-mask-else",   where(w, 0, x) * y, where(w, 0, x * y), real_algebra},

        // strong_mul(x, 1) = x (0 wins only where x is 0 anyway: up to the sign of zero)
        {"strong-mul-one",  strong_mul(x, 1),   x},
        // strong_mul(x, 0) = 0: an exact zero wins over inf and NaN by definition
        {"strong-mul-zero", strong_mul(x, 0),   lit(0)},

        // 1 / (1 + e^-x) = s(x): no overflow of e^-x for x << 0 (stable forms: first)
        {"sigmoid-def",     1 / (1 + exp(-x)),  sigmoid(x),         stable | first},
        // e^x / (1 + e^x) = s(x): no inf/inf for x >> 0
        {"sigmoid-def-exp", exp(x) / (1 + exp(x)), sigmoid(x),      stable | first},
        // y / (1 + e^-x) = y s(x): what d(1/u) = -1/u^2 leaves in the derivative of an
        // explicit sigmoid
        {"div-sigmoid-def", y / (1 + exp(-x)),  y * sigmoid(x),     stable | first},
        // x / 1 = x
        {"div-one",         x / 1,              x},
        // x / (-1) = -x
        {"div-neg-one",     x / (-1),           -x},
        // (-a) / b = -(a / b)
        {"div-neg-num",     (-x) / y,           -(x / y)},
        // a / (-b) = -(a / b)
        {"div-neg-den",     x / (-y),           -(x / y)},
        // x / x = 1 (0/0 and inf/inf are NaN)
        {"div-self",        x / x,              lit(1),             real_algebra},
        // 0 / x = 0 (0/0 is NaN)
        {"zero-div",        0 / x,              lit(0),             real_algebra},
        // (x y) / x = y
        {"div-mul-cancel",  (x * y) / x,        y,                  real_algebra},
        // (y (x z)) / x = y z: what a forward sweep leaves when a partial is divided by
        // the value it came from (log(sigmoid(x)): t (s (1 - s)) / s, 0/0 where s = 0)
        {"div-mul-mul-cancel", (y * (x * z)) / x, y * z,            real_algebra},
        // x / c = x (1/c) when c = +-2^k: 1/c is exact, so both round the same real
        {"div-pow2",        x / c0,             x * fold(1 / c0),   when(power_of_two(c0))},
        // (x / c0) / c1 = x / (c0 c1)
        {"div-div-const",   (x / c0) / c1,      x / fold(c0 * c1),  real_algebra},
        // (c0 x) / c1 = x (c0 / c1)
        {"div-mul-const",   (c0 * x) / c1,      x * fold(c0 / c1),  real_algebra},
        // clang-format on
    };
}

} // namespace symdiff::rewrite
