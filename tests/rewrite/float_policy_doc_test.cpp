// docs/float-policy.md lists every rule with its flags, and this test keeps it honest:
// each rule has a row with its name, category, growth flag, rewrite and guard as the
// table defines them, and no row names a rule that does not exist. Run the hidden test
// "[.float-policy-table]" to print the rows for the document.
#include "core/ops.hpp"
#include "rewrite/rule.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

using namespace symdiff::rewrite;

namespace {

struct Row {
    std::string category, grows, rewrite, guard;
};

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(' ');
    const auto e = s.find_last_not_of(' ');
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string row_rewrite(const Rule& r) {
    return "`" + to_string(r.lhs) + "` → `" + to_string(r.rhs) + "`";
}

std::string row_guard(const Rule& r) { return r.guard.fn ? "`" + r.guard.text + "`" : ""; }

std::string row_of(const Rule& r) {
    return "| `" + r.name + "` | " + std::string(category_name(r.category())) + " | " +
           (r.flags.grows ? "grows" : "") + " | " + row_rewrite(r) + " | " + row_guard(r) + " |";
}

// Rows of the rule table: lines "| `name` | category | grows | rewrite | guard |".
std::map<std::string, Row> read_rows(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    std::map<std::string, Row> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("| `", 0) != 0)
            continue;
        std::vector<std::string> cells;
        std::stringstream ss(line.substr(1));
        std::string cell;
        while (std::getline(ss, cell, '|'))
            cells.push_back(trim(cell));
        REQUIRE(cells.size() >= 5);
        const std::string name = cells[0].substr(1, cells[0].size() - 2);
        INFO(line);
        CHECK(rows.count(name) == 0);
        rows[name] = {cells[1], cells[2], cells[3], cells[4]};
    }
    return rows;
}

// The family row of a rule made for each element-wise op from the op table
// ("hoist-broadcast-exp" is a rule of the family "hoist-broadcast-OP"), or "".
std::string family_of(const std::string& rule) {
    for (int k = 0; k < symdiff::op_count; ++k) {
        const symdiff::OpInfo& op = symdiff::info(static_cast<symdiff::Op>(k));
        if (op.kind != symdiff::OpKind::elementwise)
            continue;
        const std::string n(op.name);
        for (const std::string family :
             {"hoist-broadcast-OP", "hoist-broadcast-OP-const", "hoist-broadcast-const-OP"}) {
            const std::string member = family.substr(0, family.find("OP")) + n +
                                       family.substr(family.find("OP") + 2);
            if (rule == member)
                return family;
        }
    }
    return "";
}

} // namespace

TEST_CASE("docs/float-policy.md lists every rule with its flags") {
    // A rule the table makes for every element-wise op is documented once, by its family
    // (so a new op needs no row); its row names the family and its flags.
    const auto rows = read_rows(std::string(SYMDIFF_SOURCE_DIR) + "/docs/float-policy.md");
    std::map<std::string, bool> known;
    for (const Rule& r : all_rules()) {
        INFO("rule " << r.name << "; expected row:\n" << row_of(r));
        const std::string family = family_of(r.name);
        const auto it = rows.find(family.empty() ? r.name : family);
        REQUIRE(it != rows.end());
        known[family.empty() ? r.name : family] = true;
        CHECK(it->second.category == category_name(r.category()));
        CHECK(it->second.grows == (r.flags.grows ? "grows" : ""));
        if (!family.empty())
            continue;
        CHECK(it->second.rewrite == row_rewrite(r));
        CHECK(it->second.guard == row_guard(r));
    }
    for (const auto& [name, row] : rows) {
        INFO("the document lists " << name << ", which is not a rule");
        CHECK(known.count(name) == 1);
    }
}

TEST_CASE("print the float policy's rule table", "[.float-policy-table]") {
    std::cout << "| rule | category | grows | rewrite | guard |\n|---|---|---|---|---|\n";
    for (const Rule& r : all_rules())
        std::cout << row_of(r) << "\n";
}
