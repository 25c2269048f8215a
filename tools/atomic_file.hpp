// Writing a file so that readers see the old content or the new, never a mixture: the
// text goes to a fresh temporary in the same directory, is flushed to disk, then renamed
// over the target. On failure the temporary is removed, an existing target is left
// byte-identical, and nothing new remains.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace symdiff {

// Throws Error ("cannot write 'PATH': REASON") when any step fails.
void write_file_atomically(const std::string& path, std::string_view content);
// The same, with the content written by `write` to a stream into the temporary file
// (a large text need not be held in memory). An exception from `write` removes the
// temporary and propagates; the target is left as it was.
void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write);

} // namespace symdiff
