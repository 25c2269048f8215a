// Atomic replacement by temporary file, fsync and rename (POSIX).
#include "tools/atomic_file.hpp"

#include "core/error.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <ostream>
#include <streambuf>
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

// An output stream buffer on a file descriptor; a failed write makes the stream bad and
// keeps errno in `error`.
class FdBuf : public std::streambuf {
  public:
    explicit FdBuf(int fd) : fd_(fd) { setp(buf_.data(), buf_.data() + buf_.size()); }
    int error = 0;

  protected:
    int_type overflow(int_type c) override {
        if (sync() != 0)
            return traits_type::eof();
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(c);
            pbump(1);
        }
        return traits_type::not_eof(c);
    }
    int sync() override {
        const std::string_view pending(pbase(), static_cast<std::size_t>(pptr() - pbase()));
        errno = 0;
        if (!write_all(fd_, pending)) {
            error = errno != 0 ? errno : EIO;
            return -1;
        }
        setp(buf_.data(), buf_.data() + buf_.size());
        return 0;
    }

  private:
    int fd_;
    std::array<char, 1 << 16> buf_;
};

} // namespace

void write_file_atomically(const std::string& path, std::string_view content) {
    write_file_atomically(path, [content](std::ostream& out) {
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
    });
}

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
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
    if (::fchmod(fd, file_mode(path)) != 0) {
        err = errno != 0 ? errno : EIO;
    } else {
        FdBuf buf(fd);
        std::ostream out(&buf);
        try {
            write(out);
            out.flush();
        } catch (...) {
            ::close(fd);
            ::unlink(tmp.c_str());
            throw;
        }
        if (!out)
            err = buf.error != 0 ? buf.error : EIO;
        else if (errno = 0; ::fsync(fd) != 0)
            err = errno != 0 ? errno : EIO;
    }
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
