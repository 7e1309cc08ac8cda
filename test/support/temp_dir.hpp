// A private folder under the temp directory (mode 0700), removed with everything in it when the
// object goes. Shared by the tests and the endurance tools, so it knows nothing of doctest: it
// throws std::runtime_error, which fails a test case as a REQUIRE would.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

namespace testsupport {

class TempDir {
public:
    // Creates <temp dir>/<prefix>XXXXXX; throws when it cannot.
    explicit TempDir(std::string_view prefix = "dlms2mqtt-test-");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    // A path inside the folder (nothing is created).
    std::filesystem::path operator/(const std::filesystem::path& name) const { return path_ / name; }
    // Writes `text` to <folder>/<name> with permissions `mode` and returns its path; throws when
    // the file cannot be written.
    std::filesystem::path write(const std::filesystem::path& name, std::string_view text, mode_t mode = 0600) const;

private:
    std::filesystem::path path_;
};

}  // namespace testsupport
