// An output registered the way the standard ones are (a maker in the list run_daemon is given)
// is told everything the daemon's loop sees: each accepted push as its record, each frame that
// did not decode, the ticks and the line's state.
#include <doctest/doctest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bridge/core/daemon.hpp"
#include "bridge/core/output_list.hpp"
#include "simulator/kamstrup_meter.hpp"
#include "test/support/temp_dir.hpp"

namespace {

// What the recording output was told, kept after the daemon has destroyed the output.
struct Seen {
    std::vector<std::string> pushes;  // meter serial of each record
    std::vector<double> import_power;
    std::vector<std::string> failures;  // error kind
    std::vector<std::string> links;
    int ticks = 0, starts = 0, finishes = 0;
};

class RecordingOutput final : public bridge::Output {
public:
    explicit RecordingOutput(std::shared_ptr<Seen> seen) : seen_(std::move(seen)) {}
    void start() override { ++seen_->starts; }
    void push(const bridge::RecordPtr& record) override {
        seen_->pushes.push_back(record->serial());
        seen_->import_power.push_back(record->number("power_import").value_or(-1));
    }
    void failure(const bridge::Failure& failure) override {
        seen_->failures.emplace_back(dlms::to_string(failure.error.code));
    }
    void tick(const bridge::LineState&) override { ++seen_->ticks; }
    void link_changed(const bridge::LineState& line) override { seen_->links.emplace_back(line.link); }
    void finish() override { ++seen_->finishes; }

private:
    std::shared_ptr<Seen> seen_;
};

}  // namespace

TEST_CASE("an output registered in the list gets pushes, failures, ticks and the line's state") {
    testsupport::TempDir dir;
    // Three pushes of the demo meter; between them one from a meter whose keys are not ours.
    sim::KamstrupMeter meter({}, sim::KamstrupMeter::demo_encryption_key(), sim::KamstrupMeter::demo_authentication_key());
    std::array<std::uint8_t, 16> other{};
    other.fill(0x5A);
    sim::KamstrupMeter stranger({.meter_number = 87654321}, dlms::EncryptionKey(other), dlms::AuthenticationKey(other));
    const auto path = dir / "capture.bin";
    {
        std::ofstream out(path, std::ios::binary);
        std::int64_t t = 1'700'000'000;
        auto write = [&](const sim::Bytes& frame) { out.write(reinterpret_cast<const char*>(frame.data()), frame.size()); };
        write(meter.next_frame(sim::local_date_time(t)));
        write(meter.next_frame(sim::local_date_time(t += 10)));
        write(stranger.next_frame(sim::local_date_time(t)));
        write(meter.next_frame(sim::local_date_time(t += 10)));
    }

    bridge::Config config;
    config.mqtt.enabled = false;  // the standard outputs are all off: only the test's is made
    config.meter.encryption_key = sim::KamstrupMeter::demo_encryption_key();
    config.meter.authentication_key = sim::KamstrupMeter::demo_authentication_key();
    config.meter.push_interval = 1;  // replayed at one frame a second: the loop ticks meanwhile
    bridge::RunOptions options;
    options.replay = path.string();

    auto seen = std::make_shared<Seen>();
    auto makers = bridge::standard_outputs();
    makers.push_back([seen](const bridge::Config&, const bridge::OutputContext&) -> std::unique_ptr<bridge::Output> {
        return std::make_unique<RecordingOutput>(seen);
    });
    bridge::StopSignal stop;
    CHECK(bridge::run_daemon(config, options, stop, makers) == 0);

    CHECK(seen->starts == 1);
    CHECK(seen->finishes == 1);
    CHECK(seen->pushes == std::vector<std::string>{"12345678", "12345678", "12345678"});
    for (double watts : seen->import_power) CHECK(watts >= 0);
    REQUIRE(seen->failures.size() == 1);
    CHECK(seen->failures[0] == "wrong_key");
    CHECK(seen->ticks >= 1);
    REQUIRE(!seen->links.empty());
    CHECK(seen->links.front() == "replay");
}
