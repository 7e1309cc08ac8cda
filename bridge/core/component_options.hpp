// Each component's options built from the Config, in one place: the daemon and the commands
// take them from here, so a setting reaches its component by one path with one default.
#pragma once

#include "bridge/config/config.hpp"
#include "bridge/core/serial_port.hpp"
#include "bridge/core/daemon.hpp"
#include "bridge/core/output_list.hpp"
#include "bridge/core/serial_reader.hpp"
#include "bridge/http/http_output.hpp"
#include "bridge/ledger/ledger_stage.hpp"
#include "bridge/mqtt/mqtt_output.hpp"
#include "bridge/mqtt/mqtt_sink.hpp"
#include "bridge/mqtt/paho_publisher.hpp"
#include "bridge/outputs/csv_sink.hpp"
#include "bridge/outputs/udp_sink.hpp"
#include "decoder/decoder.hpp"

namespace bridge {

SerialSettings serial_settings(const Config::Serial& serial);
ReaderOptions reader_options(const Config& config, const RunOptions& run);
DaemonOptions daemon_options(const Config& config);
dlms::DecoderOptions decoder_options(const Config& config);
// With the daemon's log as Paho's log and warnings.
PahoOptions paho_options(const Config& config);
MqttSinkOptions mqtt_sink_options(const Config& config);
MqttOutputOptions mqtt_output_options(const OutputContext& context);
UdpOptions udp_options(const Config& config);
CsvOptions csv_options(const Config& config);
LedgerStageOptions ledger_options(const Config& config);
HttpOptions http_options(const Config& config);

}  // namespace bridge
