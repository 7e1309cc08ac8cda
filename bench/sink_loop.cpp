// The daemon's per-push work after decoding, for counting instructions with callgrind
// (instructions.sh sink): as the worker does it, the push copied once and filtered by the energy
// guard, counted by the ledger when one is given, its record built, then the MQTT sink turning the
// record into its state and diagnostics messages, handed to a publisher that only counts them
// (Paho's own cost is not ours to count). Pushes are decoded before the measured function runs.
//
//   sink_loop N [LEDGER_FILE]     exits 0 when all N pushes were published
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bridge/ledger/ledger_stage.hpp"
#include "bridge/mqtt/mqtt_sink.hpp"
#include "bridge/outputs/energy_guard.hpp"
#include "decoder/decoder.hpp"
#include "simulator/kamstrup_meter.hpp"

namespace {
class CountingPublisher final : public bridge::Publisher {
public:
    void publish(const std::string&, const std::string& payload, int, bool) override {
        ++messages;
        bytes += payload.size();
    }
    bool connected() const override { return true; }
    void on_connected(std::function<void()>) override {}
    void on_message(const std::string&, MessageHandler) override {}
    std::size_t messages = 0, bytes = 0;
};
}  // namespace

extern "C" __attribute__((noinline)) void dlms2mqtt_publish_pushes(bridge::EnergyGuard& guard, bridge::LedgerStage* ledger,
                                                                   bridge::MqttSink& sink,
                                                                   const std::vector<dlms::Push>& pushes,
                                                                   const dlms::DecodeStats& stats) {
    auto when = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
    for (const auto& decoded : pushes) {
        std::string serial = decoded.meter_serial();
        dlms::Push push = decoded;
        guard.filter(push, serial);
        auto totals = ledger ? ledger->add(push, serial, when) : std::nullopt;
        sink.push(bridge::Record::make(std::move(push), std::move(serial), stats, when, totals));
        when += std::chrono::seconds(10);
    }
}

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 0;
    if (n <= 0) {
        std::fprintf(stderr, "usage: sink_loop N   (N > 0 pushes)\n");
        return 2;
    }
    sim::KamstrupMeter meter({}, sim::KamstrupMeter::demo_encryption_key(), sim::KamstrupMeter::demo_authentication_key());
    dlms::DecoderOptions options;
    options.keys.encryption = sim::KamstrupMeter::demo_encryption_key();
    options.keys.authentication = sim::KamstrupMeter::demo_authentication_key();
    dlms::Decoder decoder(options);
    std::vector<dlms::Push> pushes;
    dlms::Decoder::Handlers handlers;
    handlers.on_push = [&](const dlms::Push& p) { pushes.push_back(p); };
    for (long i = 0; i < n; ++i) decoder.feed(meter.next_frame(sim::local_date_time(1'700'000'000 + 10 * i)), handlers);

    CountingPublisher publisher;
    bridge::MqttSinkOptions sink_options;
    sink_options.bridge_version = "bench";
    bridge::MqttSink sink(publisher, sink_options);
    bridge::EnergyGuard guard([](std::string_view) {});
    std::unique_ptr<bridge::LedgerStage> ledger;
    if (argc > 2) {
        bridge::LedgerStageOptions ledger_options;
        ledger_options.path = argv[2];
        ledger = std::make_unique<bridge::LedgerStage>(ledger_options, [](std::string_view line) {
            std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
        });
        if (!ledger->open()) return 1;
    }
    dlms2mqtt_publish_pushes(guard, ledger.get(), sink, pushes, decoder.stats());
    if (ledger) ledger->finish();

    std::printf("pushes: %zu of %ld, messages: %zu, payload bytes: %zu\n", pushes.size(), n, publisher.messages,
                publisher.bytes);
    return pushes.size() == static_cast<std::size_t>(n) ? 0 : 1;
}
