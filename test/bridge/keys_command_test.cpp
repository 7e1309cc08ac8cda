// `dlms2mqtt keys` as a user runs it: the utility's mail on stdin, the lines for config.yaml on
// stdout, and for a key it cannot find, one line on stderr naming the key and the setting.
#include <doctest/doctest.h>

#include <iostream>
#include <sstream>
#include <string>

#include "bridge/commands/commands.hpp"
#include "test/bridge/key_mails.hpp"

using namespace keymails;

namespace {

struct Run {
    int code = -1;
    std::string out, err;
};

Run keys(const std::string& mail) {
    std::istringstream in(mail);
    std::ostringstream out, err;
    auto* old_in = std::cin.rdbuf(in.rdbuf());
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    Run run;
    run.code = bridge::keys_command({});
    std::cin.rdbuf(old_in);
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    std::cin.clear();
    run.out = out.str();
    run.err = err.str();
    return run;
}

const std::string kEkLine = std::string("  encryption_key: \"") + kEkHex + "\"      # key 64 / GPK60\n";
const std::string kAkLine = std::string("  authentication_key: \"") + kAkHex + "\"  # key 65 / GPK61\n";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t lines(const std::string& text) {
    std::size_t n = 0;
    for (char c : text) n += c == '\n';
    return n;
}

// Error lines never repeat key material, not even the part of a broken key.
void no_key_material(const std::string& text) {
    for (const char* hex : {kEkHex, kAkHex})
        for (std::size_t at = 0; at + 8 <= 32; at += 8) CHECK_FALSE(has(text, std::string(hex).substr(at, 8)));
}

}  // namespace

TEST_CASE("keys command: every layout of the key table gives both config lines") {
    for (const auto& layout : layouts_with_both_keys()) {
        CAPTURE(layout.name);
        const Run r = keys(layout.mail);
        CHECK(r.code == 0);
        CHECK(r.out == "meter:\n" + kEkLine + kAkLine);
        CHECK(r.err.empty());
    }
}

TEST_CASE("keys command: only key 65 in the mail: its line, key 64 named as missing, exit 1") {
    const Run r = keys(kOnly65);
    CHECK(r.code == 1);
    CHECK(r.out == "meter:\n" + kAkLine);
    CHECK(lines(r.err) == 1);
    CHECK(has(r.err, "key 64 (GPK60, encryption)"));
    CHECK(has(r.err, "meter.encryption_key"));
    CHECK_FALSE(has(r.err, "key 65"));
    no_key_material(r.err);
}

TEST_CASE("keys command: only key 64 in the mail: its line, key 65 named as missing, exit 1") {
    const Run r = keys(kOnly64);
    CHECK(r.code == 1);
    CHECK(r.out == "meter:\n" + kEkLine);
    CHECK(lines(r.err) == 1);
    CHECK(has(r.err, "key 65 (GPK61, authentication)"));
    CHECK(has(r.err, "meter.authentication_key"));
    CHECK_FALSE(has(r.err, "key 64"));
    no_key_material(r.err);
}

TEST_CASE("keys command: a 64 row with a digit missing is reported, not replaced by key 65") {
    const Run r = keys(kShort64);
    CHECK(r.code == 1);
    CHECK(r.out == "meter:\n" + kAkLine);
    CHECK(lines(r.err) == 1);
    CHECK(has(r.err, "key 64 (GPK60, encryption)"));
    CHECK(has(r.err, "32 hex digits"));
    no_key_material(r.err);
}

TEST_CASE("keys command: no key in the mail: both named, one line each, nothing on stdout") {
    const Run r = keys("Kære kunde,\n\ndin måler er installeret.\n\nMed venlig hilsen\n");
    CHECK(r.code == 1);
    CHECK(r.out.empty());
    CHECK(lines(r.err) == 2);
    CHECK(has(r.err, "key 64 (GPK60, encryption)"));
    CHECK(has(r.err, "key 65 (GPK61, authentication)"));
    CHECK(has(r.err, "meter.encryption_key"));
    CHECK(has(r.err, "meter.authentication_key"));
}
