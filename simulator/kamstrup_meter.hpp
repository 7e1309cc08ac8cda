// A simulated Kamstrup OMNIPOWER 3-phase meter: the 65-item list (list id + 32 OBIS/value pairs,
// the layout of the Danish 10-second push), encrypted and authenticated like the real meter,
// with plausible values that change from push to push.
#pragma once

#include <cstdint>
#include <random>

#include "decoder/keys.hpp"
#include "decoder/push.hpp"
#include "simulator/frame_builder.hpp"

namespace sim {

// The wire values of one simulated push (Kamstrup units: energy 10 Wh, current 0.01 A, PF 0.01).
struct KamstrupValues {
    std::uint32_t energy_import = 0, energy_export = 0, reactive_import = 0, reactive_export = 0;
    std::uint32_t power_import = 0, power_export = 0;
    std::uint32_t power_import_phase[3]{}, energy_import_phase[3]{};
    std::uint16_t voltage[3]{};
    std::uint32_t current[3]{};
    std::uint16_t power_factor = 0, power_factor_phase[3]{};
};

class KamstrupMeter {
public:
    struct Options {
        std::uint32_t meter_number = 12345678;
        std::uint32_t first_counter = 1;
        std::uint32_t seed = 1;
        std::uint32_t interval_seconds = 10;
        std::uint8_t security = 0x30;  // 0x30 authenticated+encrypted, 0x20 encrypted only, 0 plain
        // 0: every push carries the energy registers. Else only pushes whose local time of day
        // is a multiple of this many seconds do (3600: Kamstrup's hourly list); the others carry
        // power, voltage and current only.
        std::uint32_t registers_every = 0;
    };

    KamstrupMeter(Options options, dlms::EncryptionKey ek, dlms::AuthenticationKey ak);

    // The next push, stamped with the meter's local time `now`: a whole HDLC frame.
    Bytes next_frame(const dlms::DateTime& now);
    // The plaintext data-notification of the next push (for tests of the A-XDR layer).
    Bytes next_apdu(const dlms::DateTime& now);

    const KamstrupValues& last_values() const { return values_; }
    std::uint32_t last_counter() const { return counter_ - 1; }
    std::array<std::uint8_t, 8> system_title() const;

    // Published demo keys: for trying a set-up without a meter. Never a real meter's keys.
    static dlms::EncryptionKey demo_encryption_key();
    static dlms::AuthenticationKey demo_authentication_key();

private:
    void step();
    Bytes body(const dlms::DateTime& now) const;

    Options options_;
    dlms::EncryptionKey ek_;
    dlms::AuthenticationKey ak_;
    std::uint32_t counter_;
    std::mt19937 rng_;
    KamstrupValues values_;
    double energy_wh_ = 0, phase_wh_[3]{}, reactive_wh_ = 0;
    double load_w_[3] = {420, 260, 180};
    bool first_ = true;
};

// Local time as a COSEM date-time with the deviation left unspecified, as Kamstrup sends it.
dlms::DateTime local_date_time(std::int64_t unix_seconds);

}  // namespace sim
