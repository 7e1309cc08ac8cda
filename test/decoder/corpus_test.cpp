// Every real capture in ../shared/frames/corpus.jsonl decodes to exactly its published values;
// the captures known to be corrupt are rejected.
#include <doctest/doctest.h>

#include "test/decoder/decode_helpers.hpp"
#include "test/support/corpus.hpp"

using namespace dlms;
using testsupport::Capture;

namespace {

bool have_corpus(const std::vector<Capture>& corpus) {
    if (!corpus.empty()) return true;
    MESSAGE("skipped: " << testsupport::corpus_path() << " is not there");
    return false;
}

void check_raw(const Reading& r, const nlohmann::json& want, const std::string& where) {
    INFO(where);
    if (want.is_number_integer()) {
        if (auto* u = std::get_if<std::uint64_t>(&r.raw)) CHECK(*u == want.get<std::uint64_t>());
        else if (auto* i = std::get_if<std::int64_t>(&r.raw)) CHECK(*i == want.get<std::int64_t>());
        else FAIL("expected an integer");
    } else if (want.is_string()) {
        auto* s = std::get_if<std::string>(&r.raw);
        REQUIRE(s);
        CHECK(*s == want.get<std::string>());
    } else if (want.is_object() && want.contains("time")) {
        auto* t = std::get_if<DateTime>(&r.raw);
        REQUIRE(t);
        CHECK(t->iso() == want["time"].get<std::string>());
    } else if (want.is_object() && want.contains("raw")) {
        check_raw(r, want["raw"], where);
        CHECK(r.scaled_by_meter);
        CHECK(int{r.scaler} == want["scaler"].get<int>());
        CHECK(static_cast<int>(r.unit) == want["unit"].get<int>());
    } else {
        FAIL("unknown expectation form");
    }
}

void check_push(const Push& p, const nlohmann::json& expect, const std::string& id) {
    INFO(id);
    if (expect.contains("list_id")) CHECK(p.list_id == expect["list_id"].get<std::string>());
    if (expect.contains("notification_time")) {
        REQUIRE(p.notification_time);
        CHECK(p.notification_time->iso() == expect["notification_time"].get<std::string>());
    }
    if (expect.contains("readings")) {
        const auto& want = expect["readings"];
        std::size_t with_obis = 0;
        for (const auto& r : p.readings) with_obis += r.obis ? 1 : 0;
        CHECK(with_obis == want.size());
        for (const auto& [obis_text, value] : want.items()) {
            auto obis = Obis::parse(obis_text);
            REQUIRE(obis);
            const Reading* r = p.find(*obis);
            INFO(obis_text);
            REQUIRE(r);
            check_raw(*r, value, id + " " + obis_text);
        }
    }
    if (expect.contains("positional")) {
        const auto& want = expect["positional"];
        REQUIRE(p.readings.size() == want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            CHECK(p.readings[i].index == static_cast<int>(i));
            check_raw(p.readings[i], want[i], id + " #" + std::to_string(i));
        }
    }
}

}  // namespace

TEST_CASE("corpus: complete captures with keys or in clear decode exactly to their published values") {
    auto corpus = testsupport::load_corpus();
    if (!have_corpus(corpus)) return;
    int decoded = 0;
    for (const auto& c : corpus) {
        if (!c.complete || c.expect.is_null()) continue;
        const bool needs_key = c.hex.find("DB08") != std::string::npos;
        if (needs_key && !c.ek) continue;  // keys never published: covered by the plaintext test
        Decoder d(DecoderOptions{testsupport::keys(c.ek, c.ak), {}, true});
        auto bytes = parse_hex(c.hex);
        REQUIRE(bytes);
        auto out = testsupport::feed(d, *bytes);
        INFO(c.id);
        REQUIRE(out.errors.empty());
        REQUIRE(out.pushes.size() == 1);
        CHECK(out.warnings.empty());
        check_push(out.pushes[0], c.expect, c.id);
        ++decoded;
    }
    MESSAGE("decoded " << decoded << " captures from the wire");
    CHECK(decoded >= 14);
}

TEST_CASE("corpus: published plaintexts of captures whose keys are private decode exactly") {
    auto corpus = testsupport::load_corpus();
    if (!have_corpus(corpus)) return;
    int decoded = 0;
    for (const auto& c : corpus) {
        if (!c.complete || c.expect.is_null() || !c.plaintext_apdu_hex || c.ek) continue;
        Decoder d;
        auto apdu = parse_hex(*c.plaintext_apdu_hex);
        REQUIRE(apdu);
        testsupport::Outcome out;
        d.decode_apdu(*apdu, testsupport::collect(out));
        INFO(c.id);
        REQUIRE(out.errors.empty());
        REQUIRE(out.pushes.size() == 1);
        check_push(out.pushes[0], c.expect, c.id);
        ++decoded;
    }
    CHECK(decoded >= 4);
}

TEST_CASE("corpus: encrypted captures without published keys pass framing and ask for a key") {
    auto corpus = testsupport::load_corpus();
    if (!have_corpus(corpus)) return;
    for (const auto& c : corpus) {
        if (!c.complete || c.ek || c.hex.find("DB08") == std::string::npos) continue;
        Decoder d;
        auto out = testsupport::feed(d, *parse_hex(c.hex));
        INFO(c.id);
        CHECK(out.pushes.empty());
        REQUIRE(out.errors.size() == 1);
        CHECK(out.errors[0].code == ErrorCode::no_key);
        CHECK(d.stats().garbage_bytes == 0);
    }
}

TEST_CASE("corpus: captures known to be corrupt are rejected, never decoded") {
    auto corpus = testsupport::load_corpus();
    if (!have_corpus(corpus)) return;
    int rejected = 0;
    for (const auto& c : corpus) {
        if (c.complete) continue;
        Decoder d(DecoderOptions{testsupport::keys(c.ek, c.ak), {}, true});
        auto out = testsupport::feed(d, *parse_hex(c.hex));
        INFO(c.id);
        CHECK(out.pushes.empty());
        REQUIRE(out.errors.size() == 1);
        CHECK(out.errors[0].code == ErrorCode::corrupt_frame);
        ++rejected;
    }
    CHECK(rejected == 2);
}

TEST_CASE("corpus: keys pasted the other way round still decode, with one warning") {
    auto corpus = testsupport::load_corpus();
    if (!have_corpus(corpus)) return;
    for (const auto& c : corpus) {
        if (!c.complete || !c.ek || !c.ak || c.expect.is_null()) continue;
        Decoder d(DecoderOptions{testsupport::keys(c.ak, c.ek), {}, true});
        auto out = testsupport::feed(d, *parse_hex(c.hex));
        INFO(c.id);
        REQUIRE(out.pushes.size() == 1);
        CHECK(d.keys_swapped());
        REQUIRE(out.warnings.size() == 1);
        CHECK(out.warnings[0] == Warning::keys_swapped);
        check_push(out.pushes[0], c.expect, c.id);
    }
}

TEST_CASE("corpus: the Sagemcom capture decrypts and authenticates but is named a DSMR telegram") {
    auto corpus = testsupport::load_corpus();
    if (!have_corpus(corpus)) return;
    for (const auto& c : corpus) {
        if (c.id.find("sagemcom") == std::string::npos) continue;
        // Sagemcom's P1 port sends bare APDUs, with no link layer.
        Decoder d(DecoderOptions{testsupport::keys(c.ek, c.ak), {}, true, true});
        auto out = testsupport::feed(d, *parse_hex(c.hex));
        REQUIRE(out.errors.size() == 1);
        CHECK(out.errors[0].code == ErrorCode::not_dlms);
        CHECK(std::string(out.errors[0].message).find("DSMR") != std::string::npos);
    }
}
