// `dlms2mqtt decode` run in-process, with its standard output and error captured.
#pragma once

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/commands/commands.hpp"

namespace decode_test {

struct Run {
    int code = -1;
    std::string out, err;

    // Each line of the output parsed: a push or an error.
    std::vector<nlohmann::json> lines() const {
        std::vector<nlohmann::json> parsed;
        std::istringstream in(out);
        for (std::string l; std::getline(in, l);) parsed.push_back(nlohmann::json::parse(l));
        return parsed;
    }
};

inline Run decode(const bridge::ArgList& args) {
    std::ostringstream out, err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    Run run;
    run.code = bridge::decode_command(args);
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    run.out = out.str();
    run.err = err.str();
    return run;
}

}  // namespace decode_test
