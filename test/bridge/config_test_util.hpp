// Shared by the config loader tests: a temporary folder for config and secret files, loading
// that must succeed or fail, and the warnings.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <variant>

#include "bridge/config/config.hpp"
#include "test/support/temp_dir.hpp"

namespace config_test {

using bridge::Config;
using bridge::Environment;

// Test keys only; the loader must never repeat them.
inline constexpr const char* kKeyHex = "000102030405060708090A0B0C0D0E0F";
inline constexpr std::array<std::uint8_t, 16> kKeyBytes = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
inline constexpr const char* kOtherKeyHex = "F0E1D2C3B4A5968778695A4B3C2D1E0F";

// Config and secret files are written to a private folder (test/support/temp_dir.hpp).
using testsupport::TempDir;

inline Config load_ok(const std::string& path, const Environment& env = {}) {
    auto result = bridge::load_config(path, true, env);
    if (auto* error = std::get_if<bridge::ConfigError>(&result)) FAIL("unexpected error: " << error->message);
    return std::get<Config>(std::move(result));
}

inline std::string load_error(const std::string& path, const Environment& env = {}) {
    auto result = bridge::load_config(path, true, env);
    REQUIRE_MESSAGE(std::holds_alternative<bridge::ConfigError>(result), "the config loaded, an error was expected");
    return std::get<bridge::ConfigError>(result).message;
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

inline bool has_warning(const Config& config, const std::string& part) {
    auto w = bridge::config_warnings(config);
    return std::any_of(w.begin(), w.end(), [&](const std::string& s) { return contains(s, part); });
}
}  // namespace config_test
