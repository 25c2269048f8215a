// The rule files, one function each, gathered by rule_table.cpp. Each root op's rules are
// in one file. Internal to rewrite/: callers use all_rules() and rules_for() from rule.hpp.
#pragma once

#include "rewrite/rule.hpp"

#include <vector>

namespace symdiff::rewrite {

std::vector<Rule> add_rules();      // rules_add.cpp: add, sub, neg
std::vector<Rule> mul_rules();      // rules_mul.cpp: mul, strong_mul, div
std::vector<Rule> function_rules(); // rules_functions.cpp: pow, sqrt, log, log1p, exp, abs,
                                    // relu, max, min
std::vector<Rule> where_rules();    // rules_where.cpp: where
// rules_structural.cpp: the structural ops, and the broadcast hoisting family of every
// element-wise op (priority last)
std::vector<Rule> structural_rules();

} // namespace symdiff::rewrite
