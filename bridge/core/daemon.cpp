#include "bridge/core/daemon.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

#include "bridge/core/bounded_queue.hpp"
#include "bridge/core/component_options.hpp"
#include "bridge/core/log.hpp"
#include "bridge/core/push_json.hpp"
#include "bridge/core/serial_reader.hpp"
#include "bridge/core/service_notify.hpp"
#include "bridge/core/stop_signal.hpp"
#include "bridge/core/output_list.hpp"
#include "bridge/outputs/energy_guard.hpp"
#include "bridge/outputs/output_log.hpp"
#include "bridge/record/record.hpp"
#include "decoder/decoder.hpp"
#include "decoder/plausibility.hpp"

namespace bridge {

namespace {

using namespace std::chrono_literals;

struct StopOnExit {
    StopSignal& signal;
    ~StopOnExit() { signal.request(); }
};

void touch(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    ::futimens(fd, nullptr);
    ::close(fd);
}

const char* warning_text(dlms::Warning w) {
    switch (w) {
        case dlms::Warning::keys_swapped:
            return "the meter keys are swapped in the config: encryption_key must be key 64 (GPK60) and "
                   "authentication_key key 65 (GPK61); decoding with them swapped";
        case dlms::Warning::no_authentication_key:
            return "no authentication_key (key 65 / GPK61) configured: pushes are decrypted without checking "
                   "that they are authentic";
        case dlms::Warning::counter_reset:
            return "the meter's invocation counter started again from a low value (a firmware update?): "
                   "three authenticated pushes rose from it, so it is followed from now on";
    }
    return "";
}


}  // namespace

int run_daemon(const Config& config, const RunOptions& options, StopSignal& stop_signal) {
    return run_daemon(config, options, stop_signal, standard_outputs());
}

int run_daemon(const Config& config, const RunOptions& options, StopSignal& stop_signal,
               const std::vector<OutputMaker>& makers) {
    const std::atomic<bool>& stop = stop_signal.flag();
    const bool replay = !options.replay.empty();
    const DaemonOptions settings = daemon_options(config);
    // Outputs first: a bad output setting is a start-up error, before any byte is read.
    std::vector<std::unique_ptr<Output>> outputs;
    try {
        outputs = make_outputs(makers, config, {replay, &stop});
    } catch (const std::exception& e) {
        log_error(e.what());
        return 1;
    }
    for (auto& output : outputs) output->start();

    dlms::Decoder decoder(decoder_options(config));
    EnergyGuard guard(log_to(LogLevel::warning));
    const std::unique_ptr<LedgerStage> ledger =
        settings.ledger ? std::make_unique<LedgerStage>(*settings.ledger, log_to(LogLevel::warning)) : nullptr;
    if (ledger) {
        // What a previous run kept: a frame recorded before the restart stays refused after it.
        if (auto kept = ledger->kept()) {
            decoder.restore_counters(kept->counters);
            guard.restore(kept->baselines);
        }
        ledger->keep([&] { return KeptState{decoder.kept_counters(), guard.baselines()}; });
    }
    // One limit per kind of error: a line of corrupt frames must not hide a wrong key.
    std::array<std::optional<RateLimitedWarning>, dlms::kErrorCodeCount> decode_log;

    // systemd (Type=notify): ready once the input is open, or its first attempt failed and it is
    // retried (a missing USB adapter is waited for; withholding READY would only make systemd
    // kill and restart a daemon that is doing what it should).
    ServiceNotifier notifier(log_to(LogLevel::warning));
    std::atomic<bool> announced{false};
    BoundedQueue<dlms::LinkFrame> queue(settings.queue_capacity);
    ReaderCounters counters;
    Reader reader(reader_options(config, options), queue, counters, stop_signal);
    reader.on_status = [&](std::string_view status) {
        if (!announced.exchange(true)) notifier.ready(status);
        else notifier.status(status);
    };
    std::jthread reader_thread([&] { reader.run(); });
    // However this function ends (an exception from a sink included), the reader is told to stop
    // before the jthread joins it.
    const StopOnExit stop_reader{stop_signal};

    // The decoder's counters plus those of the framing done on the reader thread.
    auto line_stats = [&] {
        dlms::DecodeStats stats = decoder.stats();
        stats.garbage_bytes = counters.garbage_bytes;
        stats.errors[static_cast<std::size_t>(dlms::ErrorCode::corrupt_frame)] += counters.corrupt_frames;
        stats.errors[static_cast<std::size_t>(dlms::ErrorCode::not_dlms)] += counters.text_telegrams;
        return stats;
    };
    dlms::Decoder::Handlers h;
    // A push only partly understood is said once per meter and list (and counted on diagnostics).
    std::set<std::string> partly_understood;
    std::set<std::string> implausible;
    h.on_push = [&](const dlms::Push& decoded) {
        // The meter's identity, derived once for the warnings, the guard and the record.
        std::string serial = decoded.meter_serial();
        if (!decoded.warnings.empty() && partly_understood.insert(serial + "/" + decoded.list_id).second) {
            log_warning("meter " + serial + (decoded.list_id.empty() ? "" : ", list " + decoded.list_id) + ": " +
                        std::to_string(decoded.unplaced_values) + " of " + std::to_string(decoded.readings.size()) +
                        " values could not be named or scaled (published by index); first: at offset " +
                        std::to_string(decoded.warnings.front().offset) + ", " + decoded.warnings.front().message +
                        "; `dlms2mqtt decode` of a `--record` capture shows them all");
        }
        // Power the currents and voltages cannot carry: a unit is wrong; said once per meter and list.
        if (auto why = dlms::implausible_scaling(decoded);
            why && implausible.insert(serial + "/" + decoded.list_id).second)
            log_warning("meter " + serial + (decoded.list_id.empty() ? "" : ", list " + decoded.list_id) +
                        ": " + *why);
        // The one copy of the push: the guard filters it, and the record owns it from then on.
        dlms::Push push = decoded;
        guard.filter(push, serial);
        const auto now = std::chrono::system_clock::now();
        // The ledger counts the push before its record is built: the record carries its totals.
        auto totals = ledger ? ledger->add(push, serial, now) : std::nullopt;
        const RecordPtr record = Record::make(std::move(push), std::move(serial), line_stats(), now, totals);
        for (auto& output : outputs) output->push(record);
        if (!settings.health_file.empty()) touch(settings.health_file);
    };
    h.on_error = [&](const dlms::Error& e, dlms::ByteView unit) {
        auto& limited = decode_log[static_cast<std::size_t>(e.code)];
        if (!limited) limited.emplace(log_to(LogLevel::warning));
        (*limited)(std::string("push not decoded: ") + std::string(dlms::to_string(e.code)) + " at " +
                   std::string(dlms::to_string(e.layer)) + " offset " + std::to_string(e.offset) + ": " + e.message +
                   " [" + hex_context(unit, e.offset) + "]");
        const dlms::DecodeStats stats = line_stats();
        const Failure failure{e, decoder.system_title(), stats, std::chrono::system_clock::now()};
        for (auto& output : outputs) output->failure(failure);
    };
    h.on_warning = [](dlms::Warning w) { log_warning(warning_text(w)); };

    // The worker: this thread. It sleeps until a frame, the queue's close or the next tick. The
    // tick (meter offline after 3 push intervals, diagnostics once per interval, the line's state
    // on the bridge device) needs no finer grain than half a push interval, and never less than 1 s.
    const auto tick_period = std::max<std::chrono::milliseconds>(1s, settings.push_interval / 2);
    auto last_tick = std::chrono::steady_clock::now();
    std::uint64_t dropped_reported = 0;
    std::string last_link;  // none yet: the first tick tells every output the line's state
    const auto tick_outputs = [&] {
        const dlms::DecodeStats stats = line_stats();
        const LineState line{to_string(counters.link), stats, std::chrono::system_clock::now(),
                             ledger ? ledger->state() : "off", ledger ? ledger->problem() : std::string_view()};
        if (line.link != last_link) {
            last_link = line.link;
            for (auto& output : outputs) output->link_changed(line);
        }
        for (auto& output : outputs) output->tick(line);
    };
    // The watchdog's heartbeat comes from this loop and nowhere else: a worker stuck in a sink
    // stops it, and systemd restarts the daemon. It rides on the tick's wake-ups.
    Heartbeat heartbeat(notifier.heartbeat_period(), [&] { notifier.watchdog(); });
    while (!queue.closed_and_empty()) {
        const auto woke = std::chrono::steady_clock::now();
        heartbeat.beat(woke, last_tick + tick_period);
        const auto until_tick = std::chrono::duration_cast<std::chrono::milliseconds>(last_tick + tick_period - woke);
        if (auto frame = queue.pop(std::max(std::min(until_tick, heartbeat.wait_limit(woke)), 1ms)))
            decoder.decode_frame(*frame, h);
        const auto now = std::chrono::steady_clock::now();
        if (now - last_tick >= tick_period) {
            last_tick = now;
            tick_outputs();
            if (const auto dropped = queue.dropped(); dropped != dropped_reported) {
                log_warning(std::to_string(dropped - dropped_reported) + " frames dropped: the worker fell behind the serial port");
                dropped_reported = dropped;
            }
        }
    }
    reader_thread.join();
    // A replayed capture that ends inside a push: that push is cut short, an error like any other.
    // (A serial port stopped mid-push is a shutdown, not a fault: not said.)
    if (replay && !stop) decoder.finish(h);
    const auto& st = decoder.stats();
    const std::string summary = std::to_string(st.pushes) + " pushes decoded, " + std::to_string(st.error_total()) +
                                " frames not decoded, " + std::to_string(counters.corrupt_frames.load()) + " corrupt frames, " +
                                std::to_string(st.missed_pushes) + " pushes missed";
    notifier.stopping("stopping: " + summary);
    log_info("stopping: " + summary);
    if (ledger) ledger->finish();
    // A last tick: the outputs show the final counters and the ledger's state (a replay can be
    // over before the first tick came).
    tick_outputs();
    for (auto& output : outputs) output->finish();
    return reader.failed ? 1 : 0;
}

}  // namespace bridge
