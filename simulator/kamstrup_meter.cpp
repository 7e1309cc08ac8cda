#include "simulator/kamstrup_meter.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace sim {

namespace {
constexpr dlms::Obis kal(std::uint8_t c, std::uint8_t d, std::uint8_t e = 0) { return dlms::Obis(1, 1, c, d, e, 255); }
}  // namespace

dlms::EncryptionKey KamstrupMeter::demo_encryption_key() {
    return dlms::EncryptionKey({0xD3, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64});
}
dlms::AuthenticationKey KamstrupMeter::demo_authentication_key() {
    return dlms::AuthenticationKey({0xD3, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x65});
}

KamstrupMeter::KamstrupMeter(Options options, dlms::EncryptionKey ek, dlms::AuthenticationKey ak)
    : options_(options), ek_(ek), ak_(ak), counter_(options.first_counter), rng_(options.seed) {
    energy_wh_ = 8'666'360.0 + options.meter_number % 1000 * 1000.0;
    for (int p = 0; p < 3; ++p) phase_wh_[p] = energy_wh_ / 3;
    reactive_wh_ = 177'080.0;
}

std::array<std::uint8_t, 8> KamstrupMeter::system_title() const {
    const auto n = options_.meter_number;
    return {'K', 'A', 'M', 'E', static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
            static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
}

// A household load: each phase drifts, with the odd kettle switched on and off.
void KamstrupMeter::step() {
    std::normal_distribution<double> drift(0.0, 25.0);
    std::uniform_real_distribution<double> chance(0.0, 1.0);
    std::normal_distribution<double> mains(230.0, 1.5);
    const double hours = first_ ? 0.0 : options_.interval_seconds / 3600.0;
    first_ = false;
    double total = 0;
    for (int p = 0; p < 3; ++p) {
        load_w_[p] = std::clamp(load_w_[p] + drift(rng_), 40.0, 3500.0);
        if (chance(rng_) < 0.02) load_w_[p] = load_w_[p] > 1500 ? 300 : load_w_[p] + 2000;
        phase_wh_[p] += load_w_[p] * hours;
        total += load_w_[p];
        const double volts = mains(rng_);
        const double pf = std::clamp(0.93 + drift(rng_) / 1000.0, 0.5, 1.0);
        values_.power_import_phase[p] = static_cast<std::uint32_t>(std::lround(load_w_[p]));
        values_.energy_import_phase[p] = static_cast<std::uint32_t>(phase_wh_[p] / 10);
        values_.voltage[p] = static_cast<std::uint16_t>(std::lround(volts));
        values_.current[p] = static_cast<std::uint32_t>(std::lround(load_w_[p] / (volts * pf) * 100));
        values_.power_factor_phase[p] = static_cast<std::uint16_t>(std::lround(pf * 100));
    }
    energy_wh_ += total * hours;
    reactive_wh_ += total * 0.1 * hours;
    values_.power_import = static_cast<std::uint32_t>(std::lround(total));
    values_.power_export = 0;
    values_.energy_import = static_cast<std::uint32_t>(energy_wh_ / 10);  // 10 Wh units
    values_.energy_export = 0;
    values_.reactive_import = static_cast<std::uint32_t>(reactive_wh_ / 10);
    values_.reactive_export = 0;
    values_.power_factor = static_cast<std::uint16_t>((values_.power_factor_phase[0] + values_.power_factor_phase[1] +
                                                       values_.power_factor_phase[2]) / 3);
}

Bytes KamstrupMeter::body(const dlms::DateTime& now) const {
    const auto& v = values_;
    const std::uint32_t second_of_day = now.hour * 3600U + now.minute * 60U + now.second;
    const bool registers = options_.registers_every == 0 || second_of_day % options_.registers_every == 0;
    AxdrWriter w;
    w.structure(registers ? 65 : 45).visible_string("Kamstrup_V0001");
    if (registers) {
        w.obis(kal(1, 8)).u32(v.energy_import).obis(kal(2, 8)).u32(v.energy_export);
        w.obis(kal(3, 8)).u32(v.reactive_import).obis(kal(4, 8)).u32(v.reactive_export);
    }
    w.obis(kal(0, 0, 1)).u32(options_.meter_number);
    w.obis(kal(1, 7)).u32(v.power_import).obis(kal(2, 7)).u32(v.power_export);
    w.obis(kal(3, 7)).u32(v.power_import / 10).obis(kal(4, 7)).u32(0);
    w.obis(dlms::Obis(0, 1, 1, 0, 0, 255)).date_time_octets(now);
    for (int p = 0; p < 3; ++p) w.obis(kal(static_cast<std::uint8_t>(32 + 20 * p), 7)).u16(v.voltage[p]);
    for (int p = 0; p < 3; ++p) w.obis(kal(static_cast<std::uint8_t>(31 + 20 * p), 7)).u32(v.current[p]);
    for (int p = 0; p < 3; ++p) w.obis(kal(static_cast<std::uint8_t>(21 + 20 * p), 7)).u32(v.power_import_phase[p]);
    for (int p = 0; p < 3; ++p) w.obis(kal(static_cast<std::uint8_t>(33 + 20 * p), 7)).u16(v.power_factor_phase[p]);
    w.obis(kal(13, 7)).u16(v.power_factor);
    for (int p = 0; p < 3; ++p) w.obis(kal(static_cast<std::uint8_t>(22 + 20 * p), 7)).u32(0);
    if (registers) {
        for (int p = 0; p < 3; ++p) w.obis(kal(static_cast<std::uint8_t>(22 + 20 * p), 8)).u32(0);
        for (int p = 0; p < 3; ++p) w.obis(kal(static_cast<std::uint8_t>(21 + 20 * p), 8)).u32(v.energy_import_phase[p]);
    }
    return w.take();
}

Bytes KamstrupMeter::next_apdu(const dlms::DateTime& now) {
    step();
    return data_notification(0, now, body(now));
}

Bytes KamstrupMeter::next_frame(const dlms::DateTime& now) {
    const Bytes apdu = next_apdu(now);
    const std::uint32_t counter = counter_++;
    if (options_.security == 0) return concat(hdlc_frames(apdu));
    return concat(hdlc_frames(glo_cipher(apdu, system_title(), counter, options_.security, ek_, &ak_)));
}

dlms::DateTime local_date_time(std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    localtime_r(&t, &tm);
    dlms::DateTime d;
    d.year = static_cast<std::uint16_t>(tm.tm_year + 1900);
    d.month = static_cast<std::uint8_t>(tm.tm_mon + 1);
    d.day = static_cast<std::uint8_t>(tm.tm_mday);
    d.weekday = static_cast<std::uint8_t>(tm.tm_wday == 0 ? 7 : tm.tm_wday);
    d.hour = static_cast<std::uint8_t>(tm.tm_hour);
    d.minute = static_cast<std::uint8_t>(tm.tm_min);
    d.second = static_cast<std::uint8_t>(tm.tm_sec);
    d.hundredths = 0xFF;
    d.deviation = static_cast<std::int16_t>(0x8000);
    d.clock_status = 0x00;
    return d;
}

}  // namespace sim
