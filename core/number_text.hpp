// The one formatter of doubles: the shortest decimal text that reads back to exactly the
// same double (std::to_chars), for every place that writes numbers (emitted C++ literals,
// JSON and the command line's values, rule texts, graph labels). Each caller adds what
// its format needs around it (".0" for a C++ double, quotes around JSON's "NaN").
#pragma once

#include <string>

namespace symdiff {

// "0.1", "1e+300", "-0", "inf", "-inf"; "nan" for every NaN (whatever its sign bit).
std::string shortest_text(double v);

} // namespace symdiff
