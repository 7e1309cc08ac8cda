// The running bridge:
//
//   serial port / capture ─► reader thread ─► BoundedQueue<LinkFrame> ─► worker thread ─► outputs
//   (FdReader, reopened      (StreamFramer:    (drop-oldest)              (Decoder, EnergyGuard,
//    with backoff)            cut + check)                                 MQTT, UDP, CSV, HTTP, health)
//
// The reader never waits on anything downstream: a slow or dead broker costs queue slots at
// worst, never bytes off the wire.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "bridge/config/config.hpp"
#include "bridge/core/output_list.hpp"
#include "bridge/core/stop_signal.hpp"
#include "bridge/ledger/ledger_stage.hpp"

namespace bridge {

struct RunOptions {
    std::string replay;   // capture file, or "-" for stdin; empty = the serial port
    bool fast = false;    // replay without the meter's pace
    std::string record;   // append the raw serial bytes here (for bug reports)
};

// What the worker loop itself needs of the settings (component_options.cpp's daemon_options()).
struct DaemonOptions {
    std::size_t queue_capacity = Config::Queue{}.capacity;                // frames between the threads
    std::chrono::seconds push_interval{Config::Meter{}.push_interval};    // sets the tick's period
    std::string health_file;                                              // touched on each push; empty = off
    std::optional<LedgerStageOptions> ledger;                             // none: ledger.enabled is false
};

// Runs until `stop` is set or, with a replay, until the capture is read and published.
// Returns the process exit code. What an output throws ends it with the reader stopped first.
// The outputs are standard_outputs() unless `makers` says otherwise (a test adds its own).
int run_daemon(const Config& config, const RunOptions& options, StopSignal& stop);
int run_daemon(const Config& config, const RunOptions& options, StopSignal& stop,
               const std::vector<OutputMaker>& makers);

}  // namespace bridge
