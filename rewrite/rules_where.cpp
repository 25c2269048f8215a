// Rules rooted at `where`, the select derivatives build their masks from (where(c, a, 0)).
// NaN safety: differentiation keeps each mask outside its products, so that an infinite
// partial in a branch not taken is selected away, never multiplied by 0. Rules may move
// a product INTO a mask (mul-mask-then, in rules_mul.cpp), never out of one, masks merge
// (add-where-where, sub-where-where, in rules_add.cpp), and `where` always stays a select
// (never c * x).
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
        // clang-format on
    };
}

} // namespace symdiff::rewrite
