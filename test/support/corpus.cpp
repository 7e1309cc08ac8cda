#include "test/support/corpus.hpp"

#include <fstream>

namespace testsupport {

std::string corpus_path() { return std::string(DLMS2MQTT_SHARED_DIR) + "/frames/corpus.jsonl"; }

std::vector<Capture> load_corpus() {
    std::vector<Capture> out;
    std::ifstream in(corpus_path());
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto j = nlohmann::json::parse(line);
        Capture c;
        c.id = j.at("id").get<std::string>();
        c.hex = j.at("hex").get<std::string>();
        if (j.contains("ek") && j["ek"].is_string()) c.ek = j["ek"].get<std::string>();
        if (j.contains("ak") && j["ak"].is_string()) c.ak = j["ak"].get<std::string>();
        if (j.contains("plaintext_apdu_hex") && j["plaintext_apdu_hex"].is_string())
            c.plaintext_apdu_hex = j["plaintext_apdu_hex"].get<std::string>();
        c.complete = j.value("complete", true);
        c.expect = j.value("expect", nlohmann::json());
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace testsupport
