// The rule files, one function each, gathered by rule_table.cpp in this order. Internal
// to rewrite/: callers use all_rules() and rules_for() from rule.hpp.
#pragma once

#include "rewrite/rule.hpp"

#include <vector>

namespace symdiff::rewrite {

std::vector<Rule> stable_rules(); // rules_stable.cpp: numerically stable forms
std::vector<Rule> add_rules();    // rules_add.cpp: add, sub, neg
std::vector<Rule> mul_rules();    // rules_mul.cpp: mul, div
std::vector<Rule> pow_rules();    // rules_pow.cpp: pow, sqrt, exp/log inverses, abs, relu, max, min
std::vector<Rule> where_rules();  // rules_where.cpp: where and masks (NaN safety lives here)
std::vector<Rule> structural_rules(); // rules_structural.cpp: tensor ops and broadcasts

} // namespace symdiff::rewrite
