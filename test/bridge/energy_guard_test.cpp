// The energy guard: a total that dips is held back, one that stays lower for three pushes is
// taken as the new baseline (a replaced meter) with one warning.
#include <doctest/doctest.h>

#include "bridge/outputs/energy_guard.hpp"
#include "test/bridge/outputs_test_util.hpp"

using namespace bridge;

namespace {

dlms::Push push(std::int64_t import_10wh, std::int64_t power_w) { return outputs_test::energy_push(import_10wh, power_w); }

bool has_energy(const dlms::Push& p) { return p.find("energy_import") != nullptr; }

}  // namespace

TEST_CASE("energy guard: a dip is dropped, the other readings of the push are kept") {
    std::vector<std::string> warnings;
    EnergyGuard guard([&](std::string_view w) { warnings.emplace_back(w); });
    auto a = push(934436, 800);
    CHECK(guard.filter(a) == 0);
    auto dip = push(934000, 810);
    CHECK(guard.filter(dip) == 1);
    CHECK_FALSE(has_energy(dip));
    CHECK(dip.find("power_import") != nullptr);
    auto back = push(934437, 820);  // the dip was a glitch: the next value is above the baseline
    CHECK(guard.filter(back) == 0);
    CHECK(has_energy(back));
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("energy_import went backwards") != std::string::npos);
}

TEST_CASE("energy guard: a total that stays lower for three pushes becomes the new baseline") {
    std::vector<std::string> warnings;
    EnergyGuard guard([&](std::string_view w) { warnings.emplace_back(w); });
    auto old_meter = push(934436, 800);
    guard.filter(old_meter);
    // A new meter starts near zero.
    std::vector<bool> published;
    for (std::int64_t v : {12, 13, 14, 15, 16}) {
        auto p = push(v, 500);
        guard.filter(p);
        published.push_back(has_energy(p));
    }
    CHECK(published == std::vector<bool>{false, false, true, true, true});
    REQUIRE(warnings.size() == 2);  // the first dip, then the new baseline
    CHECK(warnings[1].find("new baseline") != std::string::npos);
    // It never blocks for ever, and the new baseline is guarded like the old one.
    auto dip = push(10, 500);
    CHECK(guard.filter(dip) == 1);
}

TEST_CASE("energy guard: lower values that do not stay lower never move the baseline") {
    EnergyGuard guard([](std::string_view) {});
    auto p = push(1000, 1);
    guard.filter(p);
    for (int round = 0; round < 5; ++round) {
        auto low1 = push(5, 1), low2 = push(6, 1), high = push(1000 + round, 1);
        CHECK(guard.filter(low1) == 1);
        CHECK(guard.filter(low2) == 1);
        CHECK(guard.filter(high) == 0);  // a run of two lower values, then the real reading
    }
}

TEST_CASE("energy guard: each meter has its own baselines") {
    EnergyGuard guard([](std::string_view) {});
    auto a = push(1000, 1);
    guard.filter(a);
    auto b = push(5, 1);
    b.system_title = {'K', 'A', 'M', 0x45, 0x00, 0x00, 0x00, 0x07};
    CHECK(guard.filter(b) == 0);
}
