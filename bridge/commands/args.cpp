#include "bridge/commands/args.hpp"

namespace bridge {

Args parse_args(const std::vector<std::string>& argv, const std::set<std::string>& with_value,
                const std::set<std::string>& known_flags) {
    Args a;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& s = argv[i];
        if (s.size() < 2 || s[0] != '-' || s == "-") {
            a.positional.push_back(s);
            continue;
        }
        std::string name = s, value;
        bool inline_value = false;
        if (auto eq = s.find('='); eq != std::string::npos) {
            name = s.substr(0, eq);
            value = s.substr(eq + 1);
            inline_value = true;
        }
        if (with_value.count(name)) {
            if (!inline_value) {
                if (i + 1 >= argv.size()) {
                    a.error = name + " needs a value";
                    return a;
                }
                value = argv[++i];
            }
            a.values[name] = value;
        } else if (known_flags.count(name) && !inline_value) {
            a.flags.insert(name);
        } else {
            a.error = "unknown option " + name;
            return a;
        }
    }
    return a;
}

}  // namespace bridge
