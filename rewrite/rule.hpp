// A rewrite rule: a name, a left pattern, a right pattern, a guard, and what the rule
// promises about floating point (docs/float-policy.md). The rule table is built once,
// validated (right sides use only wildcards bound on the left), and indexed by root op;
// within an op, rules are tried by priority, then in the order of their op's list (each
// op's rules are listed in one file, rewrite/rules_*.cpp), and the first match wins.
#pragma once

#include "rewrite/pattern.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace symdiff::rewrite {

// What a rule promises, from strongest to weakest (see docs/float-policy.md).
enum class Category : std::uint8_t {
    exact,        // same IEEE-754 double for every input, except the sign of a zero
                  // result and the payload of a NaN
    stable,       // equal in real arithmetic; the right side rounds at most as often and
                  // never overflows or cancels where the left does not: values may differ
                  // in the last bits, and the right side is the more accurate
    real_algebra, // equal in real arithmetic only (x*0 -> 0, x-x -> 0, reassociation):
                  // may differ on inf/NaN and by more than rounding
};

// Which rules rooted at one op are tried first: a numerically stable form claims its
// expression before a general rule takes part of it (log(1 + exp x) becomes softplus
// before log1p-def sees log(1 + _)); the families made for every element-wise op (the
// broadcast hoisting) come after the op's own rules.
enum class Priority : std::uint8_t { first, normal, last };

struct Flags {
    Category category = Category::exact;
    bool grows = false; // the right side may have more op nodes than the left
    Priority priority = Priority::normal;
};

constexpr Flags operator|(Flags a, Flags b) {
    return {a.category > b.category ? a.category : b.category, a.grows || b.grows,
            a.priority < b.priority ? a.priority : b.priority};
}

inline constexpr Flags exact{};
inline constexpr Flags stable{Category::stable, false};
inline constexpr Flags real_algebra{Category::real_algebra, false};
inline constexpr Flags grows{Category::exact, true};
inline constexpr Flags first{Category::exact, false, Priority::first};
inline constexpr Flags last{Category::exact, false, Priority::last};

std::string_view category_name(Category c); // "exact", "stable", "real_algebra"

struct Rule {
    std::string name;
    Pat lhs, rhs;
    Flags flags;
    Condition guard;

    Rule(std::string name_, Pat lhs_, Pat rhs_, Flags flags_ = {}, Condition guard_ = {});
    Rule(std::string name_, Pat lhs_, Pat rhs_, Condition guard_, Flags flags_ = {});

    Op root_op() const; // the op at the root of the left side
    Category category() const { return flags.category; }
    Priority priority() const { return flags.priority; }
};

// Every rule, in table order (the order of the rule files, then of each file).
const std::vector<Rule>& all_rules();
// The rules whose left side is rooted at `op`, in the order they are tried: by priority,
// then in table order.
std::span<const Rule* const> rules_for(Op op);
// Position of a rule in all_rules().
std::size_t rule_index(const Rule& r);
// Throws Error naming the rule if it is malformed: a left side that is not an op
// pattern or holds fold/numel/root, a right side or guard that uses a wildcard the left
// side does not bind, a wrong operand count, or a pattern too large for the matcher.
void validate(const Rule& r);

} // namespace symdiff::rewrite
