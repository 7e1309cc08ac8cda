// A small command-line reader: `--name value`, `--name=value`, flags, and positionals.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bridge {

struct Args {
    std::map<std::string, std::string> values;
    std::set<std::string> flags;
    std::vector<std::string> positional;
    std::string error;  // set when the command line is wrong

    bool has(const std::string& flag) const { return flags.count(flag) > 0; }
    std::optional<std::string> get(const std::string& name) const {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    }
};

// `with_value` lists the options that take a value; `known_flags` the ones that do not.
Args parse_args(const std::vector<std::string>& argv, const std::set<std::string>& with_value,
                const std::set<std::string>& known_flags);

}  // namespace bridge
