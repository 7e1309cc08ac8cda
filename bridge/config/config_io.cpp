#include "bridge/config/config_io.hpp"
#include "bridge/config/permissions.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bridge/config/config_fields.hpp"

namespace bridge::config_detail {

namespace {

std::string size_text(std::size_t bytes) {
    return std::to_string(bytes) + "-byte (" +
           (bytes >= (std::size_t{1} << 20) ? std::to_string(bytes >> 20) + " MiB" : std::to_string(bytes >> 10) + " KiB") +
           ")";
}

struct Limited {
    std::string text;
    std::optional<long long> size;  // when over the limit: the size fstat gave, if it knew
    bool over = false;
    bool folder = false;
    int error = 0;  // errno of a failed open or read
};

// At most `limit` bytes; one more byte read means "over" (a pipe or a growing file).
Limited read_limited(const std::string& path, std::size_t limit) {
    Limited out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        out.error = errno;
        return out;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        out.error = errno;
    } else if (S_ISDIR(st.st_mode)) {
        out.folder = true;
    } else if (S_ISREG(st.st_mode) && static_cast<unsigned long long>(st.st_size) > limit) {
        out.over = true;
        out.size = st.st_size;
    } else {
        out.text.resize(limit + 1);
        std::size_t got = 0;
        while (got < out.text.size()) {
            const ssize_t n = ::read(fd, out.text.data() + got, out.text.size() - got);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) out.error = errno;
            if (n <= 0) break;
            got += static_cast<std::size_t>(n);
        }
        out.over = got > limit;
        if (out.over || out.error) wipe(out.text);  // may hold secrets
        else out.text.resize(got);
    }
    ::close(fd);
    return out;
}

std::string over_text(const Limited& r, std::size_t limit, const std::string& what) {
    return (r.size ? "is " + std::to_string(*r.size) + " bytes" : std::string("holds more")) + ", over the " +
           size_text(limit) + " limit for " + what;
}

}  // namespace

std::string read_config_text(const std::string& path) {
    Limited r = read_limited(path, kMaxConfigBytes);
    if (r.folder) fail(path, {"is a folder", "give the path of the YAML file"});
    // Permission denied is an install step that left out the service's user or group: name them.
    if (r.error == EACCES) fail(path, {config_unreadable_problem(current_identity()), config_unreadable_fix(path)});
    if (r.error) {
        fail(path, {std::string("cannot read it (") + std::strerror(r.error) + ")",
                    "copy config.yaml.example there, or give another file"});
    }
    if (r.over) {
        fail(path, {over_text(r, kMaxConfigBytes, "a config file"),
                    "give the settings file itself (config.yaml.example, a few KiB, is the template)"});
    }
    return std::move(r.text);
}

std::string read_secret_file(const std::string& variable, const std::string& path) {
    Limited r = read_limited(path, kMaxSecretBytes);
    if (r.folder || r.error) {
        fail(variable, {"cannot read " + path + " (" + (r.folder ? "it is a folder" : std::strerror(r.error)) + ")",
                        "mount the secret file there or unset " + variable});
    }
    if (r.over) {
        fail(variable, {path + " " + over_text(r, kMaxSecretBytes, "a secret file"),
                        "point " + variable + " at a file holding only the secret"});
    }
    while (!r.text.empty() && (r.text.back() == '\n' || r.text.back() == '\r')) r.text.pop_back();
    return std::move(r.text);
}

std::optional<std::string> readable_by_others(const std::string& file, const std::string& what) {
    struct stat st {};
    if (file.empty() || ::stat(file.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return std::nullopt;
    return file + " is readable by other users and holds " + what + "; run chmod 600 " + file;
}

}  // namespace bridge::config_detail
