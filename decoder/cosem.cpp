#include "decoder/cosem.hpp"

#include "decoder/apdu.hpp"

#include <algorithm>
#include <string>

namespace dlms {

namespace {

bool is_obis(const ValueTree& t, std::size_t i) {
    return i < t.size() && t[i].tag == Tag::octet_string && t[i].count == 6;
}

bool printable(ByteView b) {
    if (b.empty()) return false;
    for (auto c : b)
        if (c < 0x20 || c > 0x7E) return false;
    return true;
}

bool is_clock(const std::optional<Obis>& o) { return o && o->c() == 1 && o->d() == 0 && o->e() == 0; }

// Sets `raw` to the value of node i, in place. `obis` lets a 12-byte octet-string at a clock
// object be read as a date-time.
void assign_raw(RawValue& raw, const ValueTree& t, std::size_t i, const std::optional<Obis>& obis) {
    const Node& n = t[i];
    auto octets = [&] {
        auto b = t.bytes(n);
        raw.emplace<OctetString>().bytes.assign(b.begin(), b.end());
    };
    switch (n.tag) {
        case Tag::null_data: raw.emplace<std::monostate>(); return;
        case Tag::boolean: raw.emplace<bool>(n.u != 0); return;
        case Tag::integer: case Tag::long_: case Tag::double_long: case Tag::long64: raw.emplace<std::int64_t>(n.i); return;
        case Tag::unsigned_: case Tag::long_unsigned: case Tag::double_long_unsigned: case Tag::long64_unsigned:
        case Tag::enum_: raw.emplace<std::uint64_t>(n.u); return;
        case Tag::float32: case Tag::float64: raw.emplace<double>(n.f); return;
        case Tag::visible_string: case Tag::utf8_string: {
            auto b = t.bytes(n);
            raw.emplace<std::string>(b.begin(), b.end());
            return;
        }
        case Tag::date_time:
            if (auto dt = parse_date_time(t.bytes(n))) raw.emplace<DateTime>(*dt);
            else octets();
            return;
        case Tag::octet_string: {
            auto b = t.bytes(n);
            if (b.size() == 12 && (is_clock(obis) || !obis)) {
                if (auto dt = parse_date_time(b)) {
                    raw.emplace<DateTime>(*dt);
                    return;
                }
            }
            if (printable(b)) raw.emplace<std::string>(b.begin(), b.end());
            else octets();
            return;
        }
        default:
            if (n.is_string()) octets();
            else raw.emplace<std::monostate>();  // a structure or array as a value: nothing a sensor can show
            return;
    }
}

// Keeps a value the layout readers could not place: by its index among the push's values, with
// its raw value, counted and named in a warning.
void unplaced(const ValueTree& t, std::size_t i, Push& push, const char* what) {
    Reading& r = push.readings.emplace_back();
    r.index = static_cast<int>(push.readings.size() - 1);
    assign_raw(r.raw, t, i, std::nullopt);
    ++push.unplaced_values;
    push.warnings.push_back({t[i].at, std::string(what) + " (A-XDR tag " + std::to_string(static_cast<unsigned>(t[i].tag)) +
                                          ") kept as value " + std::to_string(r.index)});
}

[[gnu::cold, gnu::noinline]] void warn_scaler(const Reading& r, std::size_t at, Push& push) {
    if (r.is_number() && !scaled_number(r))
        push.warnings.push_back({at, "scaler " + std::to_string(r.scaler) + " puts the value beyond a double: no value published"});
}

// {scaler, unit}: a structure of an integer and an enum.
bool scaler_unit(const ValueTree& t, std::size_t i, Reading& r, Push& push) {
    if (i >= t.size()) return false;
    const Node& n = t[i];
    if (n.tag != Tag::structure || n.count != 2) return false;
    const Node& s = t[i + 1];
    const Node& u = t[t[i + 1].end];
    if ((s.tag != Tag::integer && s.tag != Tag::long_) || u.tag != Tag::enum_) return false;
    r.scaler = static_cast<std::int16_t>(s.i);  // integer or long: fits, never wraps
    r.unit = static_cast<Unit>(u.u);
    r.scaled_by_meter = true;
    // No meter means 10^30 or more: say so when the result is beyond a double.
    if (r.scaler > 30 || r.scaler < -30) [[unlikely]] warn_scaler(r, s.at, push);
    return true;
}

Reading& add_reading(Push& push, const ValueTree& t, const std::optional<Obis>& obis, std::size_t value_index) {
    Reading& r = push.readings.emplace_back();
    r.obis = obis;
    assign_raw(r.raw, t, value_index, obis);
    if (obis) r.key = key_for(*obis);
    return r;
}

// {OBIS, value[, {scaler, unit}]}, or {untagged descriptor, value} (Sagemcom XT211)
bool is_object_structure(const ValueTree& t, std::size_t i) {
    return i < t.size() && t[i].tag == Tag::structure && (t[i].count == 2 || t[i].count == 3) &&
           (is_obis(t, i + 1) || (t[i].count == 2 && t[i + 1].tag == Tag::untagged_descriptor));
}

// The OBIS code of an object structure's first element: an octet-string, or bytes 2..7 of a descriptor.
std::optional<Obis> object_obis(const ValueTree& t, std::size_t first) {
    const ByteView b = t.bytes(first);
    return Obis::from_bytes(t[first].tag == Tag::untagged_descriptor ? b.subspan(2, 6) : b);
}

// {class-id, OBIS, attribute, data-index}
bool is_descriptor_array(const ValueTree& t, std::size_t i) {
    if (i >= t.size() || t[i].tag != Tag::array || t[i].count == 0) return false;
    const std::size_t d = i + 1;
    return t[d].tag == Tag::structure && t[d].count == 4 && t[d + 1].tag == Tag::long_unsigned && is_obis(t, t[d + 1].end);
}

// Reads a push body whose values carry their OBIS codes, in whatever mix the meter uses:
// flat OBIS, value[, {scaler, unit}] runs, {OBIS, value[, {scaler, unit}]} structures, nested
// containers of either. What it cannot place is kept as an unplaced value with a warning.
class Walker {
public:
    Walker(const ValueTree& t, Push& push) : t_(t), push_(push) {}

    void descriptors(std::size_t root) {
        const std::size_t list = root + 1;
        std::vector<std::size_t> values;
        t_.for_each_child(root, [&](std::size_t c) { values.push_back(c); });
        std::size_t k = 0;
        t_.for_each_child(list, [&](std::size_t d) {
            const std::size_t slot = k++;
            if (slot >= values.size()) return;
            const std::size_t cls = d + 1;
            const std::size_t obis_node = t_[cls].end;
            if (t_[cls].u == 40) return;  // the push set-up object itself: its list and its name
            add_reading(push_, t_, Obis::from_bytes(t_.bytes(obis_node)), values[slot]);
            placed_ = true;
        });
        for (std::size_t slot = std::max<std::size_t>(k, 1); slot < values.size(); ++slot) leaf_or_walk(values[slot]);
    }

    // The elements of container c, in order.
    void walk(std::size_t c) {
        const std::size_t n_elements = t_[c].count;
        std::size_t k = 0;
        std::size_t n = c + 1;
        while (k < n_elements) {
            const std::size_t next = t_[n].end;
            if (is_obis(t_, n) && k + 1 < n_elements) {
                Reading& r = add_reading(push_, t_, Obis::from_bytes(t_.bytes(n)), next);
                k += 2;
                n = t_[next].end;
                if (k < n_elements && t_[n].tag == Tag::structure && scaler_unit(t_, n, r, push_)) {
                    ++k;
                    n = t_[n].end;
                }
                placed_ = true;
                continue;
            }
            if (is_object_structure(t_, n)) {
                const std::size_t value = t_[n + 1].end;
                Reading& r = add_reading(push_, t_, object_obis(t_, n + 1), value);
                if (t_[n].count == 3) scaler_unit(t_, t_[value].end, r, push_);
                placed_ = true;
                ++k;
                n = next;
                continue;
            }
            leaf_or_walk(n);
            ++k;
            n = next;
        }
    }

    bool placed() const { return placed_; }

private:
    void leaf_or_walk(std::size_t n) {
        const Node& node = t_[n];
        if (node.is_container()) return walk(n);
        // Null placeholders stand for the phases a 1-phase meter does not have.
        if (node.tag == Tag::null_data) return;
        // Before the first value: the list id (Kamstrup_V0001).
        if (!placed_ && push_.list_id.empty() && (node.tag == Tag::visible_string || node.tag == Tag::octet_string) &&
            printable(t_.bytes(n))) {
            push_.list_id.assign(t_.bytes(n).begin(), t_.bytes(n).end());
            return;
        }
        // Before the first value, a time stamp is the push's time (Kaifa in Austria repeats it there).
        if (!placed_ && (node.tag == Tag::date_time || (node.tag == Tag::octet_string && node.count == 12))) {
            if (auto time = parse_date_time(t_.bytes(n))) {
                if (!push_.notification_time) push_.notification_time = time;
                if (*push_.notification_time == *time) return;
            }
        }
        unplaced(t_, n, push_, "value without an OBIS code");
    }

    const ValueTree& t_;
    Push& push_;
    bool placed_ = false;
};

void read_positional(const ValueTree& t, std::size_t root, Push& push) {
    int index = 0;
    t.for_each_child(root, [&](std::size_t c) {
        Reading& r = push.readings.emplace_back();
        r.index = index++;
        assign_raw(r.raw, t, c, std::nullopt);
    });
    auto value_at = [&](int i) {  // where value i's tag is, for a warning about it
        std::size_t c = root + 1;
        for (int k = 0; k < i; ++k) c = t[c].end;
        return std::size_t{t[c].at};
    };
    if (!push.readings.empty()) {
        if (auto* s = std::get_if<std::string>(&push.readings.front().raw)) {
            if (!s->empty() && ((*s)[0] >= 'A' && (*s)[0] <= 'Z') && s->find('_') != std::string::npos) push.list_id = *s;
        }
    }
    if (name_positional(push.readings, push.list_id)) return;
    if (name_known_list(push.readings, push.manufacturer())) {
        // Values the list's specification leaves uncertain: by index, counted, each named.
        for (const auto& r : push.readings) {
            if (r.obis) continue;
            ++push.unplaced_values;
            push.warnings.push_back({value_at(r.index), "value " + std::to_string(r.index) + " of a known list without OBIS codes has no certain meaning"});
        }
        return;
    }
    // Nothing names these values: say so once for the list, with where it starts.
    push.unplaced_values += static_cast<std::uint32_t>(push.readings.size());
    push.warnings.push_back({t[root].at, "list without OBIS codes that no known list names: " +
                                             std::to_string(push.readings.size()) + " values by index, unnamed and unscaled"});
}

}  // namespace

Status readings_from_body(const ValueTree& t, const ProfileOverrides& overrides, Push& push) {
    if (t.size() == 0 || !t[0].is_container())
        return make_error(ErrorCode::unsupported, Layer::cosem, 0, "push body is not a structure or array");
    const std::size_t root = 0;
    push.unplaced_values = 0;
    push.warnings.clear();
    Walker walker(t, push);
    const bool descriptors = is_descriptor_array(t, root + 1);
    if (descriptors) walker.descriptors(root);
    else walker.walk(root);
    if (!walker.placed()) {
        // Not one OBIS code: a positional list (Kaifa KFM_001, L+G Netz Burgenland).
        push.readings.clear();
        push.list_id.clear();
        push.unplaced_values = 0;
        push.warnings.clear();
        read_positional(t, root, push);
    } else {
        name_push_setup_list(push);
    }
    if (push.list_id.empty()) {
        if (const Reading* version = push.find("list_version")) {
            if (auto* s = std::get_if<std::string>(&version->raw)) push.list_id = *s;
        }
    }
    const Profile profile = profile_for(push.manufacturer(), push.list_id, descriptors);
    for (auto& r : push.readings)
        if (!r.scaled_by_meter) apply_profile(r, r.scaled_by_list ? Profile::as_listed : profile, overrides);
    return Ok{};
}

}  // namespace dlms
