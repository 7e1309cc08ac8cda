#include "bridge/outputs/safe_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace bridge {

namespace {

std::string kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    return "not a regular file";
}

std::string open_error(int err) {
    // O_NOFOLLOW fails with ELOOP on a link (EMLINK on the BSDs).
    if (err == ELOOP || err == EMLINK) return "is a symbolic link, which is never followed; remove it";
    return std::strerror(err);
}

}  // namespace

OpenedFile open_regular_file(const std::string& path, int flags, bool create) {
    // O_NONBLOCK: a planted FIFO must not block the open; it is refused below.
    const int base = flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
    int fd = -1;
    bool created = false;
    if (create) {
        // O_EXCL tells a new file (whose mode is ours to set) from an existing one, and never
        // creates through a dangling link.
        fd = ::open(path.c_str(), base | O_CREAT | O_EXCL, kPrivateFileMode);
        created = fd >= 0;
        if (fd < 0 && errno != EEXIST) return {-1, false, open_error(errno)};
    }
    if (fd < 0) fd = ::open(path.c_str(), base);
    if (fd < 0) return {-1, errno == ENOENT && !create, open_error(errno)};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return {-1, false, std::strerror(err)};
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return {-1, false, "is " + kind_of(st.st_mode) + ", not a regular file; remove it or choose another path"};
    }
    // The umask only takes bits away: 077 would hide the file from the group, 000 show it to all.
    if (created && ::fchmod(fd, kPrivateFileMode) != 0) {
        const int err = errno;
        ::close(fd);
        return {-1, false, std::string("cannot set its mode: ") + std::strerror(err)};
    }
    // Back to blocking writes: only the open needed O_NONBLOCK.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return {fd, false, {}};
}

std::string make_private_folders(const std::string& path) {
    std::filesystem::path so_far;
    for (const auto& part : std::filesystem::path(path)) {
        so_far /= part;
        if (part.empty() || part == so_far.root_path()) continue;
        if (::mkdir(so_far.c_str(), kPrivateFolderMode) != 0) {
            if (errno == EEXIST) continue;  // also a file: the caller checks the result is a folder
            return std::strerror(errno);
        }
        // Through a descriptor: the name could have been replaced since mkdir.
        const int fd = ::open(so_far.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        const bool ok = fd >= 0 && ::fchmod(fd, kPrivateFolderMode) == 0;
        const int err = errno;
        if (fd >= 0) ::close(fd);
        if (!ok) return std::strerror(err);
    }
    return {};
}

bool RecordFile::open(const std::string& path) {
    close();
    path_ = path;
    const OpenedFile f = open_regular_file(path, O_WRONLY | O_APPEND, true);
    if (f.fd < 0) {
        warn_.now("--record " + path + ": " + f.error + "; not recording");
        return false;
    }
    fd_ = f.fd;
    return true;
}

void RecordFile::write(dlms::ByteView bytes) {
    if (fd_ < 0) return;
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            ++failed_;
            const int err = n < 0 ? errno : ENOSPC;
            warn_("--record " + path_ + ": cannot write: " + std::strerror(err) + " (" +
                  std::to_string(bytes.size() - done) + " bytes missing from the recording; the next read tries again)");
            return;
        }
    }
}

void RecordFile::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

}  // namespace bridge
