// Atomic replacement by temporary file, fsync and rename (POSIX).
#include "tools/atomic_file.hpp"

#include "core/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace symdiff {
namespace {

[[noreturn]] void fail(const std::string& path, int err) {
    throw Error("cannot write '" + path + "': " + std::strerror(err));
}

// Mode of the new file: the target's if it exists, else what open(2) would give.
mode_t file_mode(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0)
        return st.st_mode & 07777;
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return 0666 & ~mask;
}

bool write_all(int fd, std::string_view content) {
    while (!content.empty()) {
        const ssize_t n = ::write(fd, content.data(), content.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        content.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

} // namespace

void write_file_atomically(const std::string& path, std::string_view content) {
    const std::filesystem::path target(path);
    if (target.filename().empty())
        throw Error("cannot write '" + path + "': not a file name");
    const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
    std::string hidden(1, '.'); // ".OUT.hpp.tmp.XXXXXX": hidden, and unique by mkstemp
    hidden += target.filename().string();
    hidden += ".tmp.XXXXXX";
    std::string tmp = (dir / hidden).string();
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0)
        fail(path, errno);
    int err = 0;
    errno = 0;
    if (::fchmod(fd, file_mode(path)) != 0 || !write_all(fd, content) || ::fsync(fd) != 0)
        err = errno != 0 ? errno : EIO;
    if (::close(fd) != 0 && err == 0)
        err = errno;
    if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0)
        err = errno;
    if (err != 0) {
        ::unlink(tmp.c_str());
        fail(path, err);
    }
    // Make the rename itself durable; a failure here cannot undo it, so it is not an error.
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

} // namespace symdiff
