// What the commands of the command line share: their parsed arguments, the two kinds of
// error they throw (a usage mistake with a hint; a located error in a file they read),
// reading the model and the --set / --set-file values, and finding the export and the
// parameters a command names. The command table is tools/cli.cpp; the runners of check
// and compare are in their own files and use only this.
#pragma once

#include "core/error.hpp"
#include "core/tensor.hpp"
#include "lang/model.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace symdiff::cli {

// The arguments after the command name, as the command table parsed and validated them:
// positional ones in order, options by name (a flag holds one empty value).
struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::vector<std::string>, std::less<>> options;

    bool has(std::string_view name) const { return options.find(name) != options.end(); }
    std::optional<std::string> value(std::string_view name) const; // the first one given
    std::vector<std::string> values(std::string_view name) const;
};

// A command-line mistake, with a hint on what to do instead.
class UsageError : public Error {
  public:
    UsageError(const std::string& message, std::string hint)
        : Error(message), hint_(std::move(hint)) {}
    const std::string& hint() const { return hint_; }

  private:
    std::string hint_;
};

// A located error in a file a command read (a model, a JSON file): shown with its line
// and a caret.
class FileError : public Error {
  public:
    FileError(const Error& e, std::string path, std::string text)
        : Error(e.what(), e.loc()), path_(std::move(path)), text_(std::move(text)) {}
    std::string format() const { return format_error(*this, path_, text_); }

  private:
    std::string path_, text_;
};

// Runs f; a located Error becomes a FileError of `path` with content `text`.
template <class F>
auto in_file(const std::string& path, const std::string& text, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const FileError&) {
        throw;
    } catch (const Error& e) {
        if (!e.loc().known())
            throw;
        throw FileError(e, path, text);
    }
}

// The model at `path`, parsed with the options of `a` (--checkpoint; with
// `keep_every_carry`, none: no fold checkpoints); a located parse error becomes a FileError.
Model load(const std::string& path, const Args& a, bool keep_every_carry = false);
// The simplifier's options the command line asks for (--strict: exact rules only).
rewrite::Options simplify_options(const Args& a);
// The values of --set-file, then of --set (which override), in first-given order. One
// file may hold the inputs of every export of `m`: with an export `f`, the file's values
// of other inputs are left out. A name in the file that is no input of `m` is an Error
// located there (a FileError); --set names are checked by the commands.
std::vector<std::pair<std::string, Tensor>> given_values(const Args& a, const Model& m,
                                                         const Function* f = nullptr);
// Export `fn` of `m`, or a UsageError "'PATH' has no export 'FN'" listing the exports.
const Function& find_export(const Model& m, const std::string& fn);
// The names of f's parameters, in order.
std::vector<std::string> parameter_names(const Graph& g, const Function& f);
// A UsageError "'NAME' is not a parameter of 'F'" (listing them) unless it is one.
void require_parameter(const Graph& g, const Function& f, const std::string& name);

// "a, b, c" and "'a', 'b', 'c'".
std::string names_list(const std::vector<std::string>& names);
std::string quoted_list(const std::vector<std::string>& names);

} // namespace symdiff::cli
