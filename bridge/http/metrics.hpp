// The Prometheus text format (version 0.0.4) of a live snapshot, for `/metrics`.
//
// Every reading of every meter, labelled meter="<slug>" (the MQTT topic's), in the base units
// Prometheus asks for: W as _watts, Wh as _joules (×3600), V as _volts, A as _amperes, Hz as
// _hertz, a power factor as _ratio. The registers (energy, reactive and apparent energy) are
// counters (_total); everything else is a gauge. Reactive and apparent energy go out as var·s and
// VA·s (_var_seconds_total, _volt_ampere_seconds_total, ×3600), as joules are W·s. The ledger's totals
// (today, this month, the last quarter-hour and hour) are gauges in joules, the capacity mean in
// watts. The meter's clock and the last push are Unix times (_timestamp_seconds).
//
// The invocation counter of the last push is dlms2mqtt_invocation (the state's frame_counter).
// The line: pushes, frames, missed pushes, garbage bytes, counter resets and errors by kind
// (label kind) as counters, the link as one series per state (1 for the current one), the
// ledger's state likewise, and dlms2mqtt_build_info{version}.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "bridge/http/live_view.hpp"

namespace bridge {

std::string prometheus_text(const LiveSnapshot& snapshot, std::string_view version);

// The Unix time of an ISO 8601 date-time with a UTC offset ("2026-12-06T17:04:57+01:00"), as the
// state's "meter_time" is written; nullopt for anything else.
std::optional<double> unix_time_of(std::string_view iso);

}  // namespace bridge
