#include "bridge/record/record.hpp"

#include <cmath>

#include "ha_discovery/state.hpp"

namespace bridge {
namespace {

// The ledger's totals in the state, in kWh to the Wh like the registers.
void add_totals(nlohmann::json& state, const std::optional<EnergyTotals>& totals) {
    if (!totals) return;
    const auto kwh = [](double wh) { return std::round(wh) / 1000.0; };
    state["energy_import_today"] = kwh(totals->import_today);
    state["energy_export_today"] = kwh(totals->export_today);
    state["energy_import_this_month"] = kwh(totals->import_this_month);
    state["energy_export_this_month"] = kwh(totals->export_this_month);
    const auto optional = [&](const char* key, const std::optional<double>& wh) {
        if (wh) state[key] = kwh(*wh);
        else state[key] = nullptr;
    };
    optional("energy_import_last_quarter_hour", totals->import_last_quarter_hour);
    optional("energy_import_last_hour", totals->import_last_hour);
    if (totals->capacity_kw) state["capacity_peaks_mean"] = std::round(*totals->capacity_kw * 1000.0) / 1000.0;
    if (totals->capacity_step) state["capacity_step"] = *totals->capacity_step;
}

}  // namespace

Record::Record(dlms::Push push, std::string serial, const dlms::DecodeStats& stats, Clock::time_point received,
               std::optional<EnergyTotals> totals)
    : push_(std::move(push)), stats_(stats), received_(received), serial_(std::move(serial)), totals_(totals) {
    // Keyed after the move: the pointers point into this record's own push.
    keyed_ = ha::keyed_readings(push_);
    units_.reserve(keyed_.size());
    for (const auto& entry : keyed_) units_.push_back(ha::display_unit(*entry.second));
    // Each value scaled once, straight into the state object.
    state_ = ha::state_json(push_, keyed_, ha::reading_values(keyed_, ha::NoOffset::local), ha::NoOffset::local);
    add_totals(state_, totals_);
}

std::shared_ptr<const Record> Record::make(dlms::Push push, std::string serial, const dlms::DecodeStats& stats,
                                           Clock::time_point received, std::optional<EnergyTotals> totals) {
    return std::make_shared<const Record>(std::move(push), std::move(serial), stats, received, totals);
}

std::shared_ptr<const Record> Record::make(dlms::Push push, const dlms::DecodeStats& stats, Clock::time_point received) {
    std::string serial = push.meter_serial();
    return make(std::move(push), std::move(serial), stats, received);
}

std::optional<double> Record::number(std::string_view key) const {
    const dlms::Reading* r = push_.find(key);
    return r ? r->value() : std::nullopt;
}

const std::vector<nlohmann::json>& Record::values_as_sent() const {
    std::call_once(sent_values_once_, [this] { sent_values_ = ha::reading_values(keyed_, ha::NoOffset::none); });
    return sent_values_;
}

const nlohmann::json& Record::value_as_sent(std::size_t i) const { return values_as_sent()[i]; }

const nlohmann::json& Record::state_as_sent() const {
    std::call_once(sent_state_once_,
                   [this] {
                       state_as_sent_ = ha::state_json(push_, keyed_, values_as_sent(), ha::NoOffset::none);
                       add_totals(state_as_sent_, totals_);
                   });
    return state_as_sent_;
}

}  // namespace bridge
