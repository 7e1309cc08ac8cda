// Where outputs are made from the config: one maker per output, in the order they are told of a
// push. A maker returns null when its output is off. A new output is a folder under bridge/ and
// one line in standard_outputs(); run_daemon knows none of them by name.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "bridge/config/config.hpp"
#include "bridge/outputs/output.hpp"

namespace bridge {

// What the daemon lends the outputs it makes.
struct OutputContext {
    bool replay = false;                          // a capture is replayed, not a meter read
    const std::atomic<bool>* stop = nullptr;      // set when the daemon is asked to stop
};

using OutputMaker = std::function<std::unique_ptr<Output>(const Config&, const OutputContext&)>;

// MQTT, UDP, CSV, HTTP.
std::vector<OutputMaker> standard_outputs();

// Every maker's output that is on. Throws std::runtime_error naming the setting of the first
// output that cannot be made (a start-up error).
std::vector<std::unique_ptr<Output>> make_outputs(const std::vector<OutputMaker>& makers, const Config& config,
                                                  const OutputContext& context);

}  // namespace bridge
