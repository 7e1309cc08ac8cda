// A pseudo-terminal standing in for the meter's serial line. The test writes to the master side;
// it keeps the slave side open itself (raw mode, never read), so the daemon may open and close
// the slave as often as it likes without the pty vanishing. The daemon is pointed at a symbolic
// link, which reopen() swings over to a brand-new pty: what a USB adapter unplugged and plugged
// back in looks like to a program that opens /dev/serial/by-id/... Without a link the reader
// opens slave_path().
#pragma once

#include <termios.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace testsupport {

class Pty {
public:
    // Creates the pair and the link (replacing whatever is at `link`, none when empty); throws
    // std::runtime_error.
    explicit Pty(std::filesystem::path link = {});
    ~Pty();  // closes both sides, removes the link
    Pty(const Pty&) = delete;
    Pty& operator=(const Pty&) = delete;

    // Writes every byte; throws when the reader has not made room within `timeout`.
    void write(std::span<const std::uint8_t> bytes, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Writes what fits now; false when the rest does not fit (the reader has stopped reading).
    bool try_write(std::span<const std::uint8_t> bytes);
    // The line speed the reader has set on the slave side (a pty keeps it without using it).
    speed_t speed() const;

    // Closes both sides: whoever has the slave open sees the line hang up.
    void close();
    // close(), then a new pair, and the link repointed at it in one rename.
    void reopen();

    bool is_open() const { return master_ >= 0; }
    const std::string& slave_path() const { return slave_path_; }
    const std::filesystem::path& link() const { return link_; }

private:
    void open_pair();
    void point_link();

    std::filesystem::path link_;
    std::string slave_path_;
    int master_ = -1;
    int slave_ = -1;
};

}  // namespace testsupport
