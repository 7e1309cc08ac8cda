// The real meter captures in ../shared/frames/corpus.jsonl (not part of this repository: tests
// that use them report themselves skipped when the file is absent).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace testsupport {

struct Capture {
    std::string id;
    std::string hex;
    std::optional<std::string> ek, ak;  // as published (upper-case hex), absent when private
    std::optional<std::string> plaintext_apdu_hex;
    bool complete = true;
    nlohmann::json expect;  // null when nothing was published
};

std::string corpus_path();
// Empty when the corpus is not there.
std::vector<Capture> load_corpus();

}  // namespace testsupport
