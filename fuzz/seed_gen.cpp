// Writes seed inputs for decoder_fuzz made by the simulated Kamstrup meter with the demo keys
// (the keys decoder_fuzz configures), covering each way a push can arrive:
//   HDLC frames (authenticated+encrypted, encrypted only, plain), several frames in a row,
//   segmented HDLC, M-Bus segments, general block transfer, and bare APDUs.
//
//   seed_gen <folder>
#include <cstdio>
#include <fstream>
#include <string>

#include "simulator/frame_builder.hpp"
#include "simulator/kamstrup_meter.hpp"

namespace {

using dlms::Bytes;

std::string g_dir;
int g_written = 0;

void write(const std::string& name, const Bytes& bytes) {
    const std::string path = g_dir + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "seed_gen: cannot write %s\n", path.c_str());
        std::exit(1);
    }
    ++g_written;
}

sim::KamstrupMeter meter(std::uint8_t security, std::uint32_t seed) {
    sim::KamstrupMeter::Options o;
    o.security = security;
    o.seed = seed;
    return sim::KamstrupMeter(o, sim::KamstrupMeter::demo_encryption_key(),
                              sim::KamstrupMeter::demo_authentication_key());
}

Bytes hdlc_all(const std::vector<Bytes>& apdus) {
    std::vector<Bytes> frames;
    for (const auto& a : apdus) frames.push_back(sim::concat(sim::hdlc_frames(a)));
    return sim::concat(frames);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: seed_gen <folder>\n");
        return 2;
    }
    g_dir = argv[1];
    const auto now = sim::local_date_time(1'700'000'000);
    const auto ek = sim::KamstrupMeter::demo_encryption_key();
    const auto ak = sim::KamstrupMeter::demo_authentication_key();

    auto m = meter(0x30, 1);
    std::vector<Bytes> stream;
    for (int i = 0; i < 3; ++i) {
        stream.push_back(m.next_frame(sim::local_date_time(1'700'000'000 + 10 * i)));
        write("sim_kamstrup_" + std::to_string(i) + ".bin", stream.back());
    }
    write("sim_kamstrup_stream.bin", sim::concat(stream));
    write("sim_kamstrup_encrypted_only.bin", meter(0x20, 2).next_frame(now));
    write("sim_kamstrup_plain.bin", meter(0x00, 3).next_frame(now));

    // The same push as a bare data-notification, and encrypted but carried other ways.
    const Bytes apdu = meter(0x30, 4).next_apdu(now);
    write("sim_apdu_notification.bin", apdu);
    const Bytes ciphered = sim::glo_cipher(apdu, meter(0x30, 4).system_title(), 7, 0x30, ek, &ak);
    write("sim_apdu_ciphered.bin", ciphered);
    write("sim_hdlc_segmented.bin", sim::concat(sim::hdlc_frames(ciphered, 128)));
    write("sim_mbus_segments.bin", sim::concat(sim::mbus_frames(ciphered)));
    write("sim_block_transfer.bin", hdlc_all(sim::block_transfer(ciphered, 100)));
    write("sim_block_transfer_apdu.bin", sim::block_transfer(ciphered, 200).front());

    std::printf("seed_gen: %d seeds in %s\n", g_written, g_dir.c_str());
    return 0;
}
