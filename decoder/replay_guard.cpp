#include "decoder/replay_guard.hpp"

#include <algorithm>

namespace dlms {

ReplayGuard::Outcome ReplayGuard::check(const Title& title, std::uint32_t counter, bool check) {
    auto it = std::find_if(meters_.begin(), meters_.end(), [&](const Meter& m) { return m.title == title; });
    if (it == meters_.end()) {
        if (meters_.size() >= kMaxMeters) meters_.erase(meters_.begin());
        Meter m;
        m.title = title;
        m.last = counter;
        meters_.push_back(m);
        return {Verdict::accepted};
    }
    Meter& m = *it;
    if (!check) {
        const std::uint32_t missed = counter > m.last ? counter - m.last - 1 : 0;
        m.last = std::max(m.last, counter);
        return {Verdict::accepted, missed};
    }
    // After a reset, a counter far above the new one but within the old epoch is a frame from
    // before the reset.
    const bool from_old_epoch = m.retired && counter <= *m.retired && counter - m.last > kMaxStep;
    if (counter <= m.last || from_old_epoch) return refuse(m, counter);
    const std::uint32_t missed = counter - m.last - 1;
    m.last = counter;
    if (m.retired && counter > *m.retired) m.retired.reset();
    // The meter goes on counting: refused counters seen so far were replays, not a new start.
    m.runs = {};
    return {Verdict::accepted, missed};
}

std::vector<ReplayGuard::Kept> ReplayGuard::kept() const {
    std::vector<Kept> out;
    out.reserve(meters_.size());
    for (const Meter& m : meters_) out.push_back({m.title, m.last, m.retired});
    return out;
}

void ReplayGuard::restore(const std::vector<Kept>& kept) {
    for (const Kept& k : kept) {
        if (meters_.size() >= kMaxMeters) break;
        Meter m;
        m.title = k.title;
        m.last = k.last;
        m.retired = k.retired;
        meters_.push_back(m);
    }
}

ReplayGuard::Outcome ReplayGuard::refuse(Meter& m, std::uint32_t counter) {
    // Continue the run this counter rises from (the closest below it), or start a new one.
    Run* run = nullptr;
    for (auto& r : m.runs) {
        if (r.length == 0 || counter <= r.last || counter - r.last > kMaxStep) continue;
        if (!run || r.last > run->last) run = &r;
    }
    if (!run) {
        run = &m.runs[m.next_run];
        m.next_run = static_cast<std::uint8_t>((m.next_run + 1) % m.runs.size());
        *run = {counter, 0};
    }
    run->last = counter;
    if (++run->length < kResetConfirmations) return {Verdict::replayed};
    m.retired = std::max(m.retired.value_or(0), m.last);
    m.last = counter;
    m.runs = {};
    return {Verdict::reset};
}

}  // namespace dlms
