#include "bridge/http/live_view.hpp"

#include "ha_discovery/discovery.hpp"

namespace bridge {

void LiveView::push(const RecordPtr& record) {
    std::lock_guard lock(mutex_);
    auto slug = slugs_.find(record->serial());
    if (slug == slugs_.end()) slug = slugs_.emplace(record->serial(), ha::meter_slug(record->serial())).first;
    state_.meters[slug->second] = record;
    state_.stats = record->stats();
    ++state_.sequence;
}

void LiveView::failure(const Failure& failure) {
    std::lock_guard lock(mutex_);
    state_.stats = failure.stats;
    state_.last_error = dlms::to_string(failure.error.code);
    state_.last_error_message = failure.error.message;
    state_.last_error_at = failure.when;
}

void LiveView::line(const LineState& line) {
    std::lock_guard lock(mutex_);
    state_.link = line.link;
    state_.stats = line.stats;
    state_.ledger = line.ledger;
    state_.ledger_message = line.ledger_message;
}

LiveSnapshot LiveView::snapshot() const {
    std::lock_guard lock(mutex_);
    return state_;
}

}  // namespace bridge
