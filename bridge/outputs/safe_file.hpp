// Files the daemon writes in folders that other users may also write to (the CSV folder, a
// --record path). The rows and raw bytes describe a household's consumption, and the daemon may
// run as root, so: a symbolic link is never followed (a planted link would make it truncate or
// append to the file it points at), anything but a regular file is refused, and new files get
// 0640 and new folders 0750 whatever the umask.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "bridge/outputs/output_log.hpp"
#include "decoder/bytes.hpp"

namespace bridge {

inline constexpr mode_t kPrivateFileMode = 0640;
inline constexpr mode_t kPrivateFolderMode = 0750;

struct OpenedFile {
    int fd = -1;          // -1 when refused or failed
    bool missing = false; // the file does not exist (and `create` was false)
    std::string error;    // what is wrong and the fix, without the path: "is a symbolic link; ..."
};

// Opens `path` with `flags` (O_RDWR, O_WRONLY | O_APPEND, ...), creating it with mode 0640 when
// `create` and it does not exist. Never follows a symbolic link in the last component.
OpenedFile open_regular_file(const std::string& path, int flags, bool create);

// mkdir -p: every folder it creates gets 0750, whatever the umask. Empty on success, else the
// reason (strerror text).
std::string make_private_folders(const std::string& path);

// `run --record FILE`: the raw bytes from the serial port, appended. A failed write (a full disk)
// is logged rate-limited and costs only those bytes of the recording; the next write tries again.
class RecordFile {
public:
    explicit RecordFile(WarnFn warn) : warn_(std::move(warn)) {}
    ~RecordFile() { close(); }
    RecordFile(const RecordFile&) = delete;
    RecordFile& operator=(const RecordFile&) = delete;

    // Logs why when it cannot (then the daemon runs without recording).
    bool open(const std::string& path);
    bool is_open() const { return fd_ >= 0; }
    void write(dlms::ByteView bytes);
    void close();
    std::uint64_t failed_writes() const { return failed_; }

private:
    std::string path_;
    int fd_ = -1;
    RateLimitedWarning warn_;
    std::uint64_t failed_ = 0;
};

}  // namespace bridge
