// Numerically stable forms: rules that replace an expression by an equal one that does
// not overflow, underflow to log(0), or cancel. All are `stable` (equal over the reals;
// the right side is at least as accurate), so strict mode leaves them off.
// These come first in the table so that, e.g., log(1 + exp x) becomes softplus before
// log1p-def can claim it.
#include "rewrite/rule_sets.hpp"

namespace symdiff::rewrite {

using namespace dsl;

std::vector<Rule> stable_rules() {
    return {
        // clang-format off
        // log s(x) = -log(1 + e^-x) = -softplus(-x): finite where s(x) underflows to 0
        {"log-sigmoid",           log(sigmoid(x)),        -softplus(-x), stable | grows},
        // log(1 - s(x)) = log s(-x) = -softplus(x): no cancellation in 1 - s(x)
        {"log-one-minus-sigmoid", log(1 - sigmoid(x)),    -softplus(x),  stable},
        // log(1 + e^x) = softplus(x): no overflow of e^x
        {"softplus-def",          log(1 + exp(x)),        softplus(x),   stable},
        {"log1p-exp",             log1p(exp(x)),          softplus(x),   stable},
        // log(1 + x) = log1p(x): no rounding of 1 + x (by commutativity also log(x + 1))
        {"log1p-def",             log(1 + x),             log1p(x),      stable},
        // e^x - 1 = expm1(x): no cancellation near x = 0
        {"expm1-def",             exp(x) - 1,             expm1(x),      stable},
        {"expm1-def-add",         exp(x) + (-1),          expm1(x),      stable},
        // 1 / (1 + e^-x) = s(x): no overflow of e^-x for x << 0
        {"sigmoid-def",           1 / (1 + exp(-x)),      sigmoid(x),    stable},
        // e^x / (1 + e^x) = s(x): no inf/inf for x >> 0
        {"sigmoid-def-exp",       exp(x) / (1 + exp(x)),  sigmoid(x),    stable},
        // y / (1 + e^-x) = y s(x): what d(1/u) = -1/u^2 leaves in the derivative of an
        // explicit sigmoid
        {"div-sigmoid-def",       y / (1 + exp(-x)),      y * sigmoid(x), stable},
        // e^-x s(x) = s(-x), and with a third factor (reassociated)
        {"exp-neg-sigmoid",       exp(-x) * sigmoid(x),   sigmoid(-x),   stable},
        {"exp-neg-sigmoid-mul",   exp(-x) * (sigmoid(x) * y), sigmoid(-x) * y, real_algebra},
        // clang-format on
    };
}

} // namespace symdiff::rewrite
