#include "bridge/record/record.hpp"


#include "ha_discovery/state.hpp"

namespace bridge {

Record::Record(dlms::Push push, std::string serial, const dlms::DecodeStats& stats, Clock::time_point received)
    : push_(std::move(push)), stats_(stats), received_(received), serial_(std::move(serial)) {
    // Keyed after the move: the pointers point into this record's own push.
    keyed_ = ha::keyed_readings(push_);
    units_.reserve(keyed_.size());
    for (const auto& entry : keyed_) units_.push_back(ha::display_unit(*entry.second));
    // Each value scaled once, straight into the state object.
    state_ = ha::state_json(push_, keyed_, ha::reading_values(keyed_, ha::NoOffset::local), ha::NoOffset::local);
}

std::shared_ptr<const Record> Record::make(dlms::Push push, std::string serial, const dlms::DecodeStats& stats,
                                           Clock::time_point received) {
    return std::make_shared<const Record>(std::move(push), std::move(serial), stats, received);
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
                   [this] { state_as_sent_ = ha::state_json(push_, keyed_, values_as_sent(), ha::NoOffset::none); });
    return state_as_sent_;
}

}  // namespace bridge
