// Rules rooted at the functions: pow, sqrt, log, log1p, exp, abs, relu, max and min.
// Stable forms of log first (softplus, log1p), then powers with constant exponents,
// inverse pairs, and idempotent ops. pow(x, 1) = x and pow(x, 0) = 1 are exact
// with any pow whose error is below half an ulp when the result is a double (glibc's).
#include "rewrite/rule_sets.hpp"

namespace symdiff::rewrite {

using namespace dsl;

std::vector<Rule> function_rules() {
    return {
        // clang-format off
        // x^0 = 1 (IEEE: even for x = NaN)
        {"pow-zero",     pow(x, 0),     lit(1)},
        // x^1 = x
        {"pow-one",      pow(x, 1),     x},
        // x^2 = x x: correctly rounded, where pow is within 0.52 ulp
        {"pow-two",      pow(x, 2),     x * x,        stable},
        // x^-1 = 1 / x: correctly rounded
        {"pow-neg-one",  pow(x, -1),    1 / x,        stable},
        // x^(1/2) = sqrt(x) (differs at -0 and -inf: pow gives +0, +inf)
        {"pow-half",     pow(x, 0.5),   sqrt(x),      real_algebra},
        // sqrt(x x) = |x|: exact unless x x overflows or underflows, where |x| is right
        {"sqrt-square",  sqrt(x * x),   abs(x),       stable},
        // Stable forms of log, first: log s(x) = -log(1 + e^-x) = -softplus(-x), finite
        // where s(x) underflows to 0
        {"log-sigmoid",  log(sigmoid(x)), -softplus(-x), stable | grows | first},
        // log(1 - s(x)) = log s(-x) = -softplus(x): no cancellation in 1 - s(x)
        {"log-one-minus-sigmoid", log(1 - sigmoid(x)), -softplus(x), stable | first},
        // log(1 + e^x) = softplus(x): no overflow of e^x (before log1p-def takes log(1 + _))
        {"softplus-def", log(1 + exp(x)), softplus(x),  stable | first},
        // log(1 + x) = log1p(x): no rounding of 1 + x (by commutativity also log(x + 1))
        {"log1p-def",    log(1 + x),    log1p(x),     stable | first},
        {"log1p-exp",    log1p(exp(x)), softplus(x),  stable | first},
        // log(e^x) = x (e^x overflows for x > 709)
        {"log-exp",      log(exp(x)),   x,            real_algebra},
        // e^(log x) = x (NaN for x < 0)
        {"exp-log",      exp(log(x)),   x,            real_algebra},
        // |-x| = |x|
        {"abs-neg",      abs(-x),       abs(x)},
        // ||x|| = |x|
        {"abs-abs",      abs(abs(x)),   abs(x)},
        // |x x| = x x
        {"abs-square",   abs(x * x),    x * x},
        // relu(relu(x)) = relu(x)
        {"relu-relu",    relu(relu(x)), relu(x)},
        // max(x, x) = x, min(x, x) = x
        {"max-self",     max(x, x),     x},
        {"min-self",     min(x, x),     x},
        // clang-format on
    };
}

} // namespace symdiff::rewrite
