// Internal to PahoPublisher: our options checked, then turned into Paho's.
#pragma once

#include <memory>
#include <string>

#include "bridge/mqtt/paho_publisher.hpp"

namespace mqtt {
class async_client;
class connect_options;
}  // namespace mqtt

namespace bridge::paho_detail {

// Throws std::invalid_argument with one line naming the bad setting and the fix.
void validate(const PahoOptions& o);
std::string make_uri(const PahoOptions& o);
std::unique_ptr<mqtt::connect_options> make_connect_options(const PahoOptions& o);
// Buffers from the start, before the first connect; drops the oldest message when full.
std::unique_ptr<mqtt::async_client> make_client(const PahoOptions& o, const std::string& uri);

}  // namespace bridge::paho_detail
