// The record of one accepted push: what every output renders. The worker builds it once, right
// after the energy guard, and hands the same record to each output; none of them derives the
// meter's serial, the readings' keys, their scaled values, display units or the state object
// again.
//
// Immutable once built and shared (outputs may keep it: MQTT republishes the last state after a
// reconnect, from a client thread). What only some outputs need is built on first use, once.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/record/energy_totals.hpp"
#include "decoder/decoder.hpp"
#include "decoder/push.hpp"

namespace bridge {

class Record {
public:
    using Clock = std::chrono::system_clock;
    // A published key and its reading, in push order; the first reading of a key wins and
    // readings the meter left empty are left out.
    using Keyed = std::vector<std::pair<std::string, const dlms::Reading*>>;

    // Takes the push (already filtered by the energy guard) by value: moved in, never copied.
    // `serial`: the push's Push::meter_serial(), when the caller derived it already.
    // `totals`: what the ledger counted up to this push, when the ledger is on.
    Record(dlms::Push push, std::string serial, const dlms::DecodeStats& stats, Clock::time_point received,
           std::optional<EnergyTotals> totals = std::nullopt);
    static std::shared_ptr<const Record> make(dlms::Push push, std::string serial, const dlms::DecodeStats& stats,
                                              Clock::time_point received,
                                              std::optional<EnergyTotals> totals = std::nullopt);
    static std::shared_ptr<const Record> make(dlms::Push push, const dlms::DecodeStats& stats,
                                              Clock::time_point received);
    Record(const Record&) = delete;
    Record& operator=(const Record&) = delete;

    const dlms::Push& push() const { return push_; }
    const dlms::DecodeStats& stats() const { return stats_; }  // decoder counters after this push
    Clock::time_point received() const { return received_; }  // when the push was decoded
    const std::string& serial() const { return serial_; }     // Push::meter_serial(), once

    const Keyed& keyed() const { return keyed_; }
    // Of keyed()[i]: the display unit ("kWh" for Wh), and the display value with the meter's
    // clock as it sent it (no UTC offset guessed), as UDP and CSV show it.
    std::string_view unit(std::size_t i) const { return units_[i]; }
    const nlohmann::json& value_as_sent(std::size_t i) const;
    // A reading's value in its wire unit (Wh, W), for outputs that compute with it.
    std::optional<double> number(std::string_view key) const;
    // Whether the state carries "power_net" (import minus export power).
    bool has_power_net() const { return state_.contains("power_net"); }
    const std::optional<EnergyTotals>& totals() const { return totals_; }

    // The state object: every keyed reading in its display unit, "power_net", "list_id",
    // "frame_counter", "meter_time", and the ledger's totals in kWh ("energy_import_today", ...). state(): a time without a UTC offset gets this machine's
    // (Home Assistant needs one); state_as_sent(): the meter's clock as sent.
    const nlohmann::json& state() const { return state_; }
    const nlohmann::json& state_as_sent() const;

private:
    const std::vector<nlohmann::json>& values_as_sent() const;

    dlms::Push push_;
    dlms::DecodeStats stats_;
    Clock::time_point received_;
    std::string serial_;
    std::optional<EnergyTotals> totals_;
    Keyed keyed_;
    std::vector<std::string_view> units_;
    nlohmann::json state_;  // every output with Home Assistant's needs renders it

    // For the outputs that show the meter's clock as sent (UDP, CSV): only made when asked.
    mutable std::once_flag sent_values_once_, sent_state_once_;
    mutable std::vector<nlohmann::json> sent_values_;
    mutable nlohmann::json state_as_sent_;
};

using RecordPtr = std::shared_ptr<const Record>;

}  // namespace bridge
