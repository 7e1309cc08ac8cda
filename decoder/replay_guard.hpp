// The invocation counter of each meter (by system title): a repeated or older counter is a
// replay and refused, a gap is counted as missed pushes.
//
// A meter's counter can also start again from a low value (a firmware update does this). Refusing
// every push until the counter passes the old value would silence the meter for months, so a run
// of kResetConfirmations authenticated pushes whose counters rise from the new value in small
// steps is taken as a reset. The old value is remembered afterwards: a frame recorded before the
// reset and replayed later lies far above the new counter and is refused rather than dragging the
// counter back up.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace dlms {

class ReplayGuard {
public:
    using Title = std::array<std::uint8_t, 8>;

    static constexpr int kResetConfirmations = 3;
    // How far a counter may rise from one push to the next inside a run that proves a reset, or
    // above a reset counter while the old epoch's values are still remembered: about ten minutes
    // of lost pushes at the usual 10 s interval.
    static constexpr std::uint32_t kMaxStep = 64;
    static constexpr std::size_t kMaxMeters = 16;

    enum class Verdict : std::uint8_t {
        accepted,     // above the last counter
        reset,        // the third rising push of a counter that started again: accepted
        replayed,     // refused
    };
    struct Outcome {
        Verdict verdict;
        std::uint32_t missed = 0;  // pushes skipped since the last accepted one
    };

    // `check` = false accepts every counter (still counting gaps), for captures replayed at will.
    Outcome check(const Title& title, std::uint32_t counter, bool check = true);

    // What must outlive a restart, so a frame recorded before it is still refused after it: each
    // meter's last counter and, after a reset, the highest counter of the old epoch.
    struct Kept {
        Title title{};
        std::uint32_t last = 0;
        std::optional<std::uint32_t> retired;
        friend bool operator==(const Kept&, const Kept&) = default;
    };
    std::vector<Kept> kept() const;
    // Before the first check: the counters as kept by a previous run.
    void restore(const std::vector<Kept>& kept);

private:
    // Refused counters that rise together: a meter that started counting again, or replays.
    struct Run {
        std::uint32_t last = 0;
        int length = 0;
    };
    struct Meter {
        Title title{};
        std::uint32_t last = 0;
        std::optional<std::uint32_t> retired;  // the highest counter before the last reset
        std::array<Run, 4> runs{};
        std::uint8_t next_run = 0;             // the slot a new run replaces
    };

    Outcome refuse(Meter& m, std::uint32_t counter);

    std::vector<Meter> meters_;
};

}  // namespace dlms
