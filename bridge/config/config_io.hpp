// Internal to the config loader: reading the config file and *_FILE secrets with a size limit,
// and the check that others cannot read a file holding secrets. The limits stop a wrong path (a
// log, a capture, /dev/zero) from costing gigabytes before it is refused.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace bridge::config_detail {

inline constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;  // 1 MiB; the example is ~4 KiB
inline constexpr std::size_t kMaxSecretBytes = std::size_t{64} << 10; // 64 KiB; a key is 32 digits
inline constexpr std::size_t kMaxScalingEntries = 64;                 // a push holds a few dozen readings

// The config file's text; throws Failure naming the file when it cannot be read, is a folder or
// is larger than kMaxConfigBytes (checked on the open file, and again while reading, for a pipe
// or a growing file).
std::string read_config_text(const std::string& path);

// A secret given as a file (Docker secrets), at most kMaxSecretBytes; the trailing newline an
// editor adds is dropped. Errors name `variable` and the path, never the content.
std::string read_secret_file(const std::string& variable, const std::string& path);

// "<file> is readable by other users and holds <what>; run chmod 600 <file>" when the group or
// others may read it; nullopt when only its owner can (or it is gone).
std::optional<std::string> readable_by_others(const std::string& file, const std::string& what);

}  // namespace bridge::config_detail
