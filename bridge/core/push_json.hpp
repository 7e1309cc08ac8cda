// The JSON of `dlms2mqtt decode`: one object per push, one per error. Other tools parse these
// lines, so the field names are a contract (README, "decode output").
#pragma once

#include <nlohmann/json.hpp>

#include "decoder/decoder.hpp"
#include "decoder/push.hpp"

namespace bridge {

nlohmann::ordered_json push_json(const dlms::Push& push);
// {"error": kind, "layer": ..., "offset": N, "message": ..., "context": hex of up to 16 bytes at offset}
nlohmann::ordered_json error_json(const dlms::Error& error, dlms::ByteView unit);
// The raw value as JSON: integer, text, upper-case hex, or "YYYY-MM-DDTHH:MM:SS".
nlohmann::ordered_json raw_json(const dlms::RawValue& raw);
// A short hex excerpt of `unit` around `offset`, for logs and error lines.
std::string hex_context(dlms::ByteView unit, std::size_t offset);

}  // namespace bridge
