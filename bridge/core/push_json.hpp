// The JSON of `dlms2mqtt decode`: one object per push, one per error. Other tools parse these
// lines, so the field names are a contract (README, "decode output").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "decoder/decoder.hpp"
#include "decoder/push.hpp"

namespace bridge {

// The push as a JSON tree, fields in the order of the format (probe's preview looks fields up).
nlohmann::ordered_json push_json(const dlms::Push& push);
// Appends the push's JSON line (no newline) to `out`: decode reuses one buffer for every line.
void append_push_json(std::string& out, const dlms::Push& push);
// {"error": kind, "layer": ..., "offset": N, "message": ..., "context": hex of up to 16 bytes at offset}
nlohmann::ordered_json error_json(const dlms::Error& error, dlms::ByteView unit);
// A short hex excerpt of `unit` around `offset`, for logs and error lines.
std::string hex_context(dlms::ByteView unit, std::size_t offset);

}  // namespace bridge
