#include "bridge/core/output_list.hpp"

#include "bridge/core/component_options.hpp"
#include "bridge/core/log.hpp"
#include "bridge/mqtt/mqtt_output.hpp"
#include "bridge/outputs/csv_sink.hpp"
#include "bridge/outputs/udp_sink.hpp"

namespace bridge {

namespace {

// The output `T` made from its options when `enabled`, else none.
template <typename T, typename... Args>
std::unique_ptr<Output> when(bool enabled, Args&&... args) {
    if (!enabled) return nullptr;
    return std::make_unique<T>(std::forward<Args>(args)...);
}

}  // namespace

std::vector<OutputMaker> standard_outputs() {
    return {
        [](const Config& c, const OutputContext& x) {
            return when<MqttOutput>(c.mqtt.enabled, paho_options(c), mqtt_sink_options(c), mqtt_output_options(x));
        },
        [](const Config& c, const OutputContext&) {
            return when<UdpSink>(c.udp.enabled, udp_options(c), log_to(LogLevel::warning));
        },
        [](const Config& c, const OutputContext&) {
            return when<CsvSink>(c.csv.enabled, csv_options(c), log_to(LogLevel::warning));
        },
        [](const Config& c, const OutputContext&) {
            return when<HttpOutput>(!c.http.listen.empty(), http_options(c), log_to(LogLevel::warning));
        },
    };
}

std::vector<std::unique_ptr<Output>> make_outputs(const std::vector<OutputMaker>& makers, const Config& config,
                                                  const OutputContext& context) {
    std::vector<std::unique_ptr<Output>> outputs;
    for (const auto& make : makers)
        if (auto output = make(config, context)) outputs.push_back(std::move(output));
    return outputs;
}

}  // namespace bridge
