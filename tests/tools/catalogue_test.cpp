// docs/errors.md is executable: every row's example fails with exactly that row's message
// (capitals in a message are placeholders), at its place; every message of the catalogue
// comments atop errors_test.cpp, cli_test.cpp and values_test.cpp is documented there; and
// a failing gen loses nothing - for every model error of the file, an emit-time collision
// and a folder that cannot be written, an existing header stays byte-identical.
#include "tools/tools_test_util.hpp"

#include <fcntl.h>
#include <regex>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace symdiff;
using namespace symdiff::test;
namespace fs = std::filesystem;

namespace {

const fs::path source_dir = SYMDIFF_SOURCE_DIR;

struct Row {
    std::string section; // the "## " heading
    std::string message; // the pattern, placeholders in capitals
    std::string example; // decoded
    std::string at;      // "LINE:COL", "COL" or "—" (empty for command lines)
    int line = 0;        // in docs/errors.md
};

std::string trim(std::string s) {
    const auto a = s.find_first_not_of(" \t");
    const auto b = s.find_last_not_of(" \t");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// The text of the first code span of a table cell, or "" if it has none.
std::string code(const std::string& cell) {
    const auto a = cell.find('`');
    if (a == std::string::npos)
        return "";
    const auto b = cell.find('`', a + 1);
    return b == std::string::npos ? "" : cell.substr(a + 1, b - a - 1);
}

// \n \t \r \0 \\ \xNN, then {TEXT*N} repeats TEXT N times.
std::string decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) {
            out += s[i];
            continue;
        }
        const char c = s[++i];
        if (c == 'n')
            out += '\n';
        else if (c == 't')
            out += '\t';
        else if (c == 'r')
            out += '\r';
        else if (c == '0')
            out += '\0';
        else if (c == '\\')
            out += '\\';
        else if (c == 'x' && i + 2 < s.size() + 1) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += '\\';
            out += c;
        }
    }
    static const std::regex repeat(R"(\{([^{}*]+)\*(\d+)\})");
    std::string expanded;
    std::smatch m;
    std::string rest = out;
    while (std::regex_search(rest, m, repeat)) {
        expanded += m.prefix();
        for (int k = std::stoi(m[2]); k > 0; --k)
            expanded += m[1].str();
        rest = m.suffix();
    }
    return expanded + rest;
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<Row> rows() {
    std::vector<Row> out;
    std::istringstream in(read_text(source_dir / "docs/errors.md"));
    std::string section;
    int n = 0;
    for (std::string line; std::getline(in, line);) {
        ++n;
        if (line.starts_with("## "))
            section = line.substr(3);
        if (!line.starts_with("| `"))
            continue;
        std::vector<std::string> cells;
        std::size_t from = 1;
        for (std::size_t bar; (bar = line.find(" |", from)) != std::string::npos; from = bar + 2)
            cells.push_back(trim(line.substr(from, bar - from)));
        REQUIRE(cells.size() >= 2);
        Row r;
        r.section = section;
        r.message = code(cells[0]);
        r.example = decode(code(cells[1]));
        r.at = cells.size() > 2 ? cells[2] : "";
        r.line = n;
        out.push_back(r);
    }
    return out;
}

std::vector<Row> rows_of(const std::string& section) {
    std::vector<Row> out;
    for (const Row& r : rows())
        if (r.section == section)
            out.push_back(r);
    return out;
}

// A message pattern as a regular expression: capitals are placeholders, \xNN a byte.
std::regex pattern(const std::string& message) {
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    static const std::regex placeholder(R"(\b[A-Z][A-Z0-9_]*\b)");
    std::string re;
    std::string rest = message;
    std::smatch m;
    auto literal = [&](const std::string& s) {
        std::string t = std::regex_replace(s, special, R"(\$&)");
        return std::regex_replace(t, std::regex(R"(\\\\xNN)"), R"(\\x[0-9A-F]{2})");
    };
    while (std::regex_search(rest, m, placeholder)) {
        re += literal(m.prefix());
        re += "(.+?)";
        rest = m.suffix();
    }
    re += literal(rest);
    return std::regex(re);
}

bool matches(const std::string& text, const std::string& message) {
    return std::regex_match(text, pattern(message));
}

std::pair<int, int> place(const std::string& at) {
    const auto colon = at.find(':');
    if (colon == std::string::npos)
        return {1, std::stoi(at)};
    return {std::stoi(at.substr(0, colon)), std::stoi(at.substr(colon + 1))};
}

// Splits "symdiff gen a.sd -o 'x y'" into words (single quotes group).
std::vector<std::string> words(const std::string& command) {
    std::vector<std::string> out;
    std::string w;
    bool quoted = false, any = false;
    for (const char c : command) {
        if (c == '\'') {
            quoted = !quoted;
            any = true;
        } else if (c == ' ' && !quoted) {
            if (any)
                out.push_back(w);
            w.clear();
            any = false;
        } else {
            w += c;
            any = true;
        }
    }
    if (any)
        out.push_back(w);
    return out;
}

// The folder the command-line examples run in (see docs/errors.md), as the working
// directory for the lifetime of this object.
class CommandFolder {
  public:
    CommandFolder() : old_(fs::current_path()) {
        fs::copy(source_dir / "examples", fs::path(dir_.file("examples")),
                 fs::copy_options::recursive);
        dir_.write("bad.json", "{\"x\": -2,\n \"y\": [5,\n}\n");
        dir_.write("other.json", "{\"x\": 1, \"q\": 2}\n");
        fs::copy_file(source_dir / "examples/circuit.sd", dir_.file("my-model.sd"));
        dir_.write("vector.sd", "input v[2]\nexport twice(v) -> w = 2 * v\n");
        fs::create_directory(dir_.file("folder"));
        fs::current_path(dir_.file(""));
    }
    ~CommandFolder() { fs::current_path(old_); }
    const TempDir& dir() const { return dir_; }

  private:
    TempDir dir_;
    fs::path old_;
};

// The catalogue comment of a test file: the lines after the first line ending in ':',
// indented by three spaces, split at " · ", at runs of spaces and at " / ".
std::vector<std::string> catalogue_entries(const fs::path& file) {
    std::istringstream in(read_text(file));
    std::vector<std::string> out;
    bool listing = false;
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with("//"))
            break;
        const std::string text = line.substr(2);
        if (!listing) {
            listing = trim(text).ends_with(":");
            continue;
        }
        if (!text.starts_with("   "))
            continue; // a heading of the list, or a clang-format directive
        std::string s = trim(text);
        s = std::regex_replace(s, std::regex(" · |  +| / "), "\n");
        std::istringstream parts(s);
        for (std::string p; std::getline(parts, p);)
            if (!trim(p).empty())
                out.push_back(trim(p));
    }
    return out;
}

// Words of a text, trailing punctuation split off, Markdown's backticks and bars dropped.
std::vector<std::string> tokens(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) {
        w.erase(std::remove(w.begin(), w.end(), '`'), w.end());
        if (w.empty() || w == "|")
            continue;
        std::string tail;
        while (w.size() > 1 && w != "..." &&
               std::string(",.;:").find(w.back()) != std::string::npos &&
               w.find_first_not_of('.') != std::string::npos) {
            tail.insert(tail.begin(), w.back());
            w.pop_back();
        }
        out.push_back(w);
        for (const char c : tail)
            out.emplace_back(1, c);
    }
    return out;
}

bool is_placeholder(const std::string& token) {
    static const std::regex caps(R"([A-Z][A-Z0-9_]*)");
    std::string core = token; // without quotes and brackets: 'NAME', ('F'
    const std::string wrap = "'\"()";
    while (!core.empty() && wrap.find(core.front()) != std::string::npos)
        core.erase(core.begin());
    while (!core.empty() && wrap.find(core.back()) != std::string::npos)
        core.pop_back();
    return core == "..." || std::regex_match(core, caps);
}

// Whether `fragment` occurs in `text` as consecutive tokens (placeholders match anything).
bool occurs(const std::vector<std::string>& fragment, const std::vector<std::string>& text) {
    for (std::size_t i = 0; i + fragment.size() <= text.size(); ++i) {
        bool all = true;
        for (std::size_t k = 0; all && k < fragment.size(); ++k)
            all = fragment[k] == text[i + k] || is_placeholder(fragment[k]) ||
                  is_placeholder(text[i + k]);
        if (all)
            return true;
    }
    return false;
}

// Runs `symdiff gen MODEL -o OUT` onto an existing header in a fresh folder: the command
// fails with exit status 2, the header keeps its bytes and no file appears or goes.
CliResult gen_loses_nothing(const std::string& model_text) {
    TempDir dir;
    const std::string old_header = "// an older header\n#pragma once\nint kept = 1;\n";
    const std::string out = dir.write("model.hpp", old_header);
    const std::string model = dir.write("model.sd", model_text);
    const auto before = dir.entries();
    const CliResult r = run_cli({"gen", model, "-o", out});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(read_file(out) == old_header);
    CHECK(dir.entries() == before);
    return r;
}

} // namespace

TEST_CASE("catalogue: docs/errors.md has a table for every kind of error") {
    CHECK(rows_of("Model errors").size() >= 90);
    CHECK(rows_of("Model errors of gen").size() >= 2);
    CHECK(rows_of("Command-line errors").size() >= 30);
    CHECK(rows_of("Values (--set)").size() >= 10);
    CHECK(rows_of("JSON files (--set-file)").size() >= 15);
    for (const Row& r : rows()) {
        INFO("docs/errors.md:" << r.line);
        CHECK_FALSE(r.message.empty());
    }
}

TEST_CASE("catalogue: every model error fails with its message at its place") {
    for (const Row& r : rows_of("Model errors")) {
        INFO("docs/errors.md:" << r.line << ": " << r.message);
        const auto [line, col] = place(r.at);
        try {
            parse_model(r.example, "m.sd");
            FAIL_CHECK("parsed without error");
        } catch (const Error& e) {
            CHECK(matches(e.what(), r.message));
            INFO("got: " << e.what());
            CHECK(e.loc().line == line);
            CHECK(e.loc().col == col);
        }
    }
}

TEST_CASE("catalogue: every error of gen fails with its message at its place") {
    for (const Row& r : rows_of("Model errors of gen")) {
        INFO("docs/errors.md:" << r.line << ": " << r.message);
        CHECK_NOTHROW(parse_model(r.example, "m.sd"));
        const CliResult res = gen_loses_nothing(r.example);
        const std::string first = res.err.substr(0, res.err.find('\n'));
        INFO("got: " << first);
        const auto colon = first.find(": error: ");
        REQUIRE(colon != std::string::npos);
        CHECK(matches(first.substr(colon + 9), r.message));
        if (r.at != "—") {
            const auto [line, col] = place(r.at);
            CHECK(first.substr(0, colon).ends_with("model.sd:" + std::to_string(line) + ":" +
                                                   std::to_string(col)));
        }
    }
}

TEST_CASE("catalogue: every command-line error fails with its message") {
    CommandFolder folder;
    const auto before = folder.dir().entries();
    for (const Row& r : rows_of("Command-line errors")) {
        INFO("docs/errors.md:" << r.line << ": " << r.example);
        auto args = words(r.example);
        REQUIRE(!args.empty());
        REQUIRE(args[0] == "symdiff");
        args.erase(args.begin());
        const CliResult res = run_cli(args);
        CHECK(res.code == 2);
        CHECK(res.out.empty());
        const std::string first = res.err.substr(0, res.err.find('\n'));
        INFO("got: " << res.err);
        // "error: MESSAGE", or "FILE:LINE:COL: error: MESSAGE" for an error inside a file
        const auto at = first.find("error: ");
        REQUIRE(at != std::string::npos);
        CHECK(matches(first.substr(at + 7), r.message));
    }
    CHECK(folder.dir().entries() == before); // nothing was written
}

TEST_CASE("catalogue: every value error fails with its message at its character") {
    for (const Row& r : rows_of("Values (--set)")) {
        INFO("docs/errors.md:" << r.line << ": " << r.example);
        try {
            parse_value(r.example);
            FAIL_CHECK("accepted");
        } catch (const Error& e) {
            INFO("got: " << e.what());
            CHECK(matches(e.what(), r.message));
            CHECK(e.loc().col == place(r.at).second);
        }
        // and as the command line shows it
        const CliResult res = run_cli({"eval", example("circuit.sd"), "f_grad", "--set",
                                       "x=" + r.example, "--set", "y=1", "--set", "z=1"});
        CHECK(res.code == 2);
        CHECK(matches(res.err, "error: --set x: " + r.message + " (at character " + r.at +
                                   " of the value)\n"));
    }
}

TEST_CASE("catalogue: every JSON error fails with its message at its place") {
    for (const Row& r : rows_of("JSON files (--set-file)")) {
        INFO("docs/errors.md:" << r.line << ": " << r.example);
        try {
            parse_value_object(r.example);
            FAIL_CHECK("accepted");
        } catch (const Error& e) {
            INFO("got: " << e.what());
            CHECK(matches(e.what(), r.message));
            const auto [line, col] = place(r.at);
            CHECK(e.loc().line == line);
            CHECK(e.loc().col == col);
        }
    }
}

TEST_CASE("catalogue: every message of the tests' catalogue comments is in docs/errors.md") {
    const auto docs = tokens(read_text(source_dir / "docs/errors.md"));
    int entries = 0;
    for (const char* file : {"errors_test.cpp", "cli_test.cpp", "values_test.cpp"}) {
        for (const std::string& entry : catalogue_entries(source_dir / "tests/tools" / file)) {
            INFO(file << ": " << entry);
            CHECK(occurs(tokens(entry), docs));
            ++entries;
        }
    }
    CHECK(entries >= 120);
}

TEST_CASE("catalogue: the placeholders of a message match only what they stand for") {
    CHECK(matches("unexpected byte \\x00", "unexpected byte \\xNN"));
    CHECK_FALSE(matches("unexpected byte x00", "unexpected byte \\xNN"));
    CHECK(matches("'f' takes 2 arguments, got 1", "'NAME' takes N arguments, got K"));
    CHECK_FALSE(matches("'f' takes 2 argument, got 1", "'NAME' takes N arguments, got K"));
    CHECK(matches("'class' is a C++ keyword", "'NAME' is a C++ keyword"));
    CHECK(occurs(tokens("result 'R' is listed twice"),
                 tokens("| `result 'NAME' is listed twice` |")));
    CHECK_FALSE(
        occurs(tokens("result 'R' is listed once"), tokens("result 'NAME' is listed twice")));
    CHECK(decode("a\\nb\\0{(*3}\\x7F") == std::string("a\nb\0(((\x7F", 8));
}

// --- nothing lost

TEST_CASE("nothing lost: a gen that fails on any model error leaves the header alone") {
    int n = 0;
    for (const Row& r : rows_of("Model errors")) {
        INFO("docs/errors.md:" << r.line << ": " << r.message);
        const CliResult res = gen_loses_nothing(r.example);
        const auto [line, col] = place(r.at);
        CHECK(res.err.find("model.sd:" + std::to_string(line) + ":" + std::to_string(col) +
                           ": error: ") != std::string::npos);
        ++n;
    }
    CHECK(n >= 90); // parse errors, name errors, shape errors, derivative errors
}

TEST_CASE("nothing lost: a gen into a folder it cannot write leaves the header alone") {
    // As root, a read-only folder is still writable: the failing gen then runs in a child
    // process that gives up root first (to nobody).
    TempDir dir;
    const std::string old_header = "// an older header\n";
    const std::string out = dir.write("circuit.hpp", old_header);
    const std::string model = dir.write("circuit.sd", read_text(example("circuit.sd")));
    REQUIRE(::chmod(dir.file("").c_str(), 0555) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0))
            ::_exit(90);
        if (::access(dir.file("").c_str(), W_OK) == 0)
            ::_exit(91); // the folder is writable after all: the test would prove nothing
        std::ostringstream o, e;
        const std::vector<std::string> args{"gen", model, "-o", out};
        const int code = cli::run(args, o, e);
        const bool said = e.str().starts_with("error: cannot write '" + out + "': ");
        ::_exit(code == 2 && said && o.str().empty() ? 0 : 92);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    ::chmod(dir.file("").c_str(), 0755);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0); // 90: cannot drop root, 91: writable, 92: gen did not fail
    CHECK(read_file(out) == old_header);
    CHECK(dir.entries() == std::vector<std::string>{"circuit.hpp", "circuit.sd"});
}
