// Rules about `where` and the masks derivatives are made of (where(c, a, 0)). NaN safety
// lives here: differentiation keeps each mask outside its products, so that an infinite
// partial in a branch not taken is selected away, never multiplied by 0. Rules may move
// a product INTO a mask (where(c, x, 0) * y -> where(c, x y, 0)), never out of one, and
// `where` always stays a select (never c * x).
#include "rewrite/rule_sets.hpp"

namespace symdiff::rewrite {

using namespace dsl;

std::vector<Rule> where_rules() {
    return {
        // clang-format off
        // where(c, x, x) = x (whatever c is, NaN included)
        {"where-same",           where(w, x, x),                   x},
        // where(c, x, y) = x for a constant c != 0 (NaN counts as true, as in eval)
        {"where-true",           where(c0, x, y),                  x,                     when(nonzero(c0))},
        // where(0, x, y) = y
        {"where-false",          where(c0, x, y),                  y,                     when(is_zero(c0))},
        // where(c, where(c, x, y), z) = where(c, x, z)
        {"where-then-same-cond", where(w, where(w, x, y), z),      where(w, x, z)},
        // where(c, x, where(c, y, z)) = where(c, x, z)
        {"where-else-same-cond", where(w, x, where(w, y, z)),      where(w, x, z)},
        // where(c, x, y) + where(c, z, u) = where(c, x + z, y + u): masks merge, stay outside
        {"add-where-where",      where(w, x, y) + where(w, z, u),  where(w, x + z, y + u)},
        // where(c, x, y) - where(c, z, u) = where(c, x - z, y - u)
        {"sub-where-where",      where(w, x, y) - where(w, z, u),  where(w, x - z, y - u)},
        // -where(c, x, y) = where(c, -x, -y) when one branch is a constant (no growth)
        {"neg-where-const",      -where(w, x, c0),                 where(w, -x, fold(-c0))},
        {"neg-const-where",      -where(w, c0, x),                 where(w, fold(-c0), -x)},
        // where(c, x, 0) y = where(c, x y, 0): the product moves INTO the mask (the safe
        // direction: the left side is NaN where y is infinite and c false, the right 0)
        {"mul-mask-then",        where(w, x, 0) * y,               where(w, x * y, 0),    real_algebra},
        {"mul-mask-else",        where(w, 0, x) * y,               where(w, 0, x * y),    real_algebra},
        // clang-format on
    };
}

} // namespace symdiff::rewrite
