// The HTTP server's parts that need no server: the access token, the Prometheus rendering of a
// real record, and the days the ledger API understands.
#include <cstdlib>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "bridge/http/access_token.hpp"
#include "bridge/http/metrics.hpp"
#include "bridge/ledger/ledger_query.hpp"
#include "decoder/decoder.hpp"
#include "simulator/kamstrup_meter.hpp"

namespace {

using bridge::AccessToken;
using bridge::PresentedToken;

// The cookie's value ("dlms2mqtt_token=<hex>") out of a Set-Cookie line.
std::string cookie_pair(const std::string& set_cookie) { return set_cookie.substr(0, set_cookie.find(';')); }

}  // namespace

TEST_CASE("access token: no token lets everything in") {
    AccessToken open("");
    CHECK_FALSE(open.required());
    CHECK(open.allows({}));
    CHECK(open.allows({"Bearer anything", "", ""}));
}

TEST_CASE("access token: the token as bearer, query or cookie; anything else refused") {
    AccessToken token("s3cret-Token");
    CHECK(token.required());
    CHECK(token.allows({"Bearer s3cret-Token", "", ""}));
    CHECK(token.allows({"", "", "s3cret-Token"}));
    CHECK_FALSE(token.allows({}));
    CHECK_FALSE(token.allows({"Bearer s3cret-Toke", "", ""}));
    CHECK_FALSE(token.allows({"Bearer s3cret-Token2", "", ""}));
    CHECK_FALSE(token.allows({"Basic czNjcmV0LVRva2Vu", "", ""}));
    CHECK_FALSE(token.allows({"Bearer ", "", ""}));
    CHECK_FALSE(token.allows({"", "", "S3cret-Token"}));

    // The cookie holds the token's digest, never the token, and only the right one opens.
    const std::string cookie = token.cookie();
    CHECK(cookie.find("s3cret") == std::string::npos);
    CHECK(cookie.find("HttpOnly") != std::string::npos);
    CHECK(cookie.find("SameSite=Strict") != std::string::npos);
    CHECK(token.allows({"", cookie_pair(cookie), ""}));
    CHECK(token.allows({"", "theme=dark; " + cookie_pair(cookie) + "; lang=da", ""}));
    AccessToken other("another token");
    CHECK_FALSE(token.allows({"", cookie_pair(other.cookie()), ""}));
    std::string tampered = cookie_pair(cookie);
    tampered.back() = tampered.back() == '0' ? '1' : '0';
    CHECK_FALSE(token.allows({"", tampered, ""}));
    CHECK_FALSE(token.allows({"", "dlms2mqtt_token=zz", ""}));
}

TEST_CASE("unix_time_of reads the state's ISO times with their offset") {
    CHECK(bridge::unix_time_of("1970-01-01T00:00:00Z") == 0.0);
    CHECK(bridge::unix_time_of("2026-12-06T18:04:57+01:00") == 1796576697.0);
    CHECK(bridge::unix_time_of("2026-12-06T17:04:57+00:00") == 1796576697.0);
    CHECK(bridge::unix_time_of("2026-12-06T12:04:57-05:00") == 1796576697.0);
    CHECK_FALSE(bridge::unix_time_of("2026-12-06T17:04:57").has_value());
    CHECK_FALSE(bridge::unix_time_of("yesterday").has_value());
}

TEST_CASE("Prometheus text of a real push: base units, counters for registers, the meter as label") {
    sim::KamstrupMeter meter({}, sim::KamstrupMeter::demo_encryption_key(), sim::KamstrupMeter::demo_authentication_key());
    dlms::DecoderOptions options;
    options.keys = {sim::KamstrupMeter::demo_encryption_key(), sim::KamstrupMeter::demo_authentication_key()};
    dlms::Decoder decoder(options);
    std::optional<dlms::Push> push;
    dlms::Decoder::Handlers handlers;
    handlers.on_push = [&](const dlms::Push& p) { push = p; };
    decoder.feed(meter.next_frame(sim::local_date_time(1796576697)), handlers);
    REQUIRE(push);
    bridge::LiveSnapshot snapshot;
    const auto record = bridge::Record::make(*push, dlms::DecodeStats{}, std::chrono::system_clock::from_time_t(1796576700));
    snapshot.meters[record->serial()] = record;
    snapshot.link = "connected";
    const std::string text = bridge::prometheus_text(snapshot, "1.2.3");
    INFO(text);
    const auto& state = record->state();

    const auto sample = [&](const std::string& name_and_labels) -> std::optional<double> {
        const auto at = text.find("\n" + name_and_labels + " ");
        if (at == std::string::npos) return std::nullopt;
        return std::strtod(text.c_str() + at + name_and_labels.size() + 2, nullptr);
    };
    const std::string m = "{meter=\"" + record->serial() + "\"}";
    REQUIRE(sample("dlms2mqtt_energy_import_joules_total" + m));
    CHECK(*sample("dlms2mqtt_energy_import_joules_total" + m) / 3.6e6 == doctest::Approx(state["energy_import"].get<double>()));
    CHECK(*sample("dlms2mqtt_power_import_watts" + m) == state["power_import"].get<double>());
    CHECK(*sample("dlms2mqtt_voltage_l1_volts" + m) == state["voltage_l1"].get<double>());
    CHECK(*sample("dlms2mqtt_current_l1_amperes" + m) == state["current_l1"].get<double>());
    CHECK(*sample("dlms2mqtt_power_factor_ratio" + m) == state["power_factor"].get<double>());
    CHECK(*sample("dlms2mqtt_invocation" + m) == state["frame_counter"].get<double>());
    CHECK(*sample("dlms2mqtt_meter_clock_timestamp_seconds" + m) == 1796576697.0);
    CHECK(*sample("dlms2mqtt_last_push_timestamp_seconds" + m) == 1796576700.0);
    CHECK(text.find("# TYPE dlms2mqtt_energy_import_joules_total counter\n") != std::string::npos);
    CHECK(text.find("# TYPE dlms2mqtt_power_import_watts gauge\n") != std::string::npos);
    CHECK(*sample("dlms2mqtt_link{state=\"connected\"}") == 1);
    CHECK(*sample("dlms2mqtt_link{state=\"disconnected\"}") == 0);
    CHECK(*sample("dlms2mqtt_errors_total{kind=\"wrong_key\"}") == 0);
    CHECK(*sample("dlms2mqtt_build_info{version=\"1.2.3\"}") == 1);
    // One HELP and one TYPE per name: a name is never split into two blocks.
    std::size_t types = 0;
    for (std::size_t at = text.find("# TYPE "); at != std::string::npos; at = text.find("# TYPE ", at + 1)) ++types;
    std::size_t helps = 0;
    for (std::size_t at = text.find("# HELP "); at != std::string::npos; at = text.find("# HELP ", at + 1)) ++helps;
    CHECK(types == helps);
    CHECK(text.find("D3400000000000000000000000000064") == std::string::npos);
}

TEST_CASE("ledger days: dates, today, yesterday, this month's first day; ranges include the last day") {
    setenv("TZ", "Europe/Copenhagen", 1);
    tzset();
    const auto now = std::chrono::system_clock::from_time_t(1796576697);  // 2026-12-06 18:04:57 local
    CHECK(bridge::parse_local_day("today", now)->iso() == "2026-12-06");
    CHECK(bridge::parse_local_day("yesterday", now)->iso() == "2026-12-05");
    CHECK(bridge::parse_local_day("month", now)->iso() == "2026-12-01");
    CHECK(bridge::parse_local_day("2026-03-29", now)->iso() == "2026-03-29");
    CHECK_FALSE(bridge::parse_local_day("2026-13-01", now));
    CHECK_FALSE(bridge::parse_local_day("tomorrow", now));
    CHECK_FALSE(bridge::parse_every("week"));
    CHECK(bridge::parse_every("15min") == bridge::LedgerEvery::quarter_hour);
    const auto day = bridge::parse_local_day("2026-03-29", now);  // 23 hours: DST begins
    const auto range = bridge::day_range(day, day);
    CHECK(range.to - range.from == 23 * 3600);
    CHECK(bridge::day_range(std::nullopt, std::nullopt).from == 0);
}
