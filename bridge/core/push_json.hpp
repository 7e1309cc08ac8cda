// The JSON of `dlms2mqtt decode`: one object per push, one per error. Other tools parse these
// lines, so the field names are a contract (README, "decode output").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "decoder/decoder.hpp"
#include "decoder/push.hpp"

namespace bridge {

// Appends the push's JSON line (no newline) to `out`. The one definition of the format: written
// straight into the caller's buffer, the same bytes nlohmann's dump() gives, at a fraction of the
// cost of building and printing a JSON tree (decode prints every push of a month of captures).
void append_push_json(std::string& out, const dlms::Push& push);
// The same line as a JSON tree, for callers that look fields up (probe's preview).
nlohmann::ordered_json push_json(const dlms::Push& push);
// {"error": kind, "layer": ..., "offset": N, "message": ..., "context": hex of up to 16 bytes at offset}
nlohmann::ordered_json error_json(const dlms::Error& error, dlms::ByteView unit);
// A short hex excerpt of `unit` around `offset`, for logs and error lines.
std::string hex_context(dlms::ByteView unit, std::size_t offset);

}  // namespace bridge
