#include "core/job_record.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "core/contact_history.h"
#include "core/send_window.h"
#include "core/store_shards.h"
#include "core/visit_cycle.h"

namespace huitou {
namespace {

constexpr std::array<std::pair<JobState, char>, 9> state_letters{{
    {JobState::planned, 'p'},
    {JobState::dispatched, 'd'},
    {JobState::sent, 's'},
    {JobState::delivered, 'D'},
    {JobState::failed, 'f'},
    {JobState::expired, 'x'},
    {JobState::cancelled, 'c'},
    {JobState::unknown, 'u'},
    {JobState::held, 'h'},
}};

// Two letters a reason: a cancelled festival day must not pay for the words.
constexpr std::array<std::pair<std::string_view, std::string_view>, 11> reason_codes{{
    {"opted_out", "oo"},
    {"no_consent", "nc"},
    {"capped", "ca"},
    {"cooldown", "cd"},
    {"no_window", "nw"},
    {"held_by_staff", "hs"},
    {"not_approved", "na"},
    {"erased", "er"},
    {"attempts", "at"},
    {"expired", "ex"},
    {"no_address", "ad"},  // the claim found no address for the channel on the member
}};

std::optional<char> letter_of(JobState s) {
    for (const auto& [state, letter] : state_letters)
        if (state == s) return letter;
    return std::nullopt;
}

std::optional<JobState> state_of(char c) {
    for (const auto& [state, letter] : state_letters)
        if (letter == c) return state;
    return std::nullopt;
}

std::optional<int> parse_int(std::string_view text) {
    int n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return n;
}

bool is_detail_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

}  // namespace

int sheet_count(std::size_t expected) {
    const auto n = (expected + records_per_sheet - 1) / records_per_sheet;
    return n == 0 ? 1 : static_cast<int>(n);
}

int sheet_of(std::string_view member_id, int sheets) {
    if (sheets <= 1) return 0;
    return static_cast<int>(stable_hash(member_id) % static_cast<std::uint64_t>(sheets));
}

DaySheets::Place DaySheets::of(std::string_view member_id) const {
    const int shard = member_shard(member_id, shards());
    return {shard, sheet_of(member_id, counts[static_cast<std::size_t>(shard)])};
}

DaySheets even_day_sheets(std::size_t expected, int shards) {
    const auto k = static_cast<std::size_t>(std::max(shards, 1));
    return DaySheets{std::vector<int>(k, sheet_count((expected + k - 1) / k))};
}

std::optional<std::string> record_field(std::string_view job_id, const Date& due_day) {
    const auto parts = parse_job_id(job_id);
    if (!parts) return std::nullopt;
    for (const char c : parts->detail)
        if (!is_detail_char(c)) return std::nullopt;

    std::string field(1, kind_letter(parts->kind));
    field += parts->member_id;
    if (!parts->detail.empty()) {
        field += ':';
        field += parts->detail;
    }
    if (const int days = day_number(parts->occasion) - day_number(due_day); days != 0) {
        field += '@';
        field += std::to_string(days);
    }
    return field;
}

std::string_view record_member(std::string_view field) {
    if (field.empty()) return {};
    const auto end = field.find_first_of(":@", 1);
    return field.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
}

std::optional<std::string> job_id_of_record(std::string_view field, const Date& due_day) {
    if (field.size() < 2) return std::nullopt;
    const auto kind = kind_from_letter(field[0]);
    if (!kind) return std::nullopt;
    const auto member = record_member(field);
    if (!is_valid_member_id(member)) return std::nullopt;
    std::string_view rest = field.substr(1 + member.size());
    int days = 0;
    if (const auto at = rest.find('@'); at != std::string_view::npos) {
        const auto n = parse_int(rest.substr(at + 1));
        if (!n) return std::nullopt;
        days = *n;
        rest = rest.substr(0, at);
    }
    std::string_view detail;
    if (!rest.empty()) {
        if (rest[0] != ':' || rest.size() < 2) return std::nullopt;
        detail = rest.substr(1);
        for (const char c : detail)
            if (!is_detail_char(c)) return std::nullopt;
    }
    const Date occasion{date::sys_days{due_day} + date::days{days}};
    return make_job_id(*kind, member, occasion, detail);
}

bool is_record_reason(std::string_view reason) {
    for (const auto& [name, code] : reason_codes)
        if (name == reason) return true;
    return false;
}

std::string base36(long long n) {
    if (n <= 0) return "0";
    std::string out;
    while (n > 0) {
        const int digit = static_cast<int>(n % 36);
        out.insert(out.begin(), static_cast<char>(digit < 10 ? '0' + digit : 'a' + digit - 10));
        n /= 36;
    }
    return out;
}

std::optional<long long> parse_base36(std::string_view text) {
    if (text.empty() || text.size() > 10) return std::nullopt;
    long long n = 0;
    for (const char c : text) {
        int digit = 0;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'z')
            digit = c - 'a' + 10;
        else
            return std::nullopt;
        n = n * 36 + digit;
    }
    return n;
}

// "<state><channel><marketing><parts>/<due>[/<extra>...]"; extras: t<sent>,
// r<reason code>, e (its end's words in the day's notes), m<fields joined>, a<calls>,
// u<unsure>, R (reserved).
std::string encode_record(const JobRecord& r) {
    std::string out;
    out += *letter_of(r.state);
    out += r.channel == Channel::wechat ? 'w' : 's';
    out += r.marketing ? '1' : '0';
    out += static_cast<char>('0' + std::clamp(r.sms_parts, 0, 9));
    out += '/';
    out += base36(r.due.count());
    if (r.sent) out += "/t" + base36(r.sent->count());
    for (const auto& [name, code] : reason_codes) {
        if (name == r.reason) out += "/r" + std::string(code);
    }
    if (r.error_elsewhere) out += "/e";
    if (!r.merged.empty()) out += "/m" + r.merged;
    if (r.calls > 0) out += "/a" + std::to_string(r.calls);
    if (r.unsure) out += "/u" + base36(r.unsure->count());
    if (r.reserved) out += "/R";
    return out;
}

std::optional<JobRecord> decode_record(std::string_view value) {
    if (value.size() < 6 || value[4] != '/') return std::nullopt;
    JobRecord r;
    const auto state = state_of(value[0]);
    if (!state) return std::nullopt;
    r.state = *state;
    if (value[1] != 's' && value[1] != 'w') return std::nullopt;
    r.channel = value[1] == 'w' ? Channel::wechat : Channel::sms;
    if (value[2] != '0' && value[2] != '1') return std::nullopt;
    r.marketing = value[2] == '1';
    if (value[3] < '0' || value[3] > '9') return std::nullopt;
    r.sms_parts = value[3] - '0';
    // The parts between '/': the due time, then the extras.
    std::string_view rest = value.substr(5);
    const auto slash = rest.find('/');
    const auto due = parse_base36(rest.substr(0, slash));
    if (!due) return std::nullopt;
    r.due = std::chrono::seconds{*due};
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    while (!rest.empty()) {
        rest.remove_prefix(1);  // the '/'
        const auto next = rest.find('/');
        const auto part = rest.substr(0, next);
        rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next);
        if (part.empty()) return std::nullopt;
        const auto payload = part.substr(1);
        switch (part[0]) {
            case 't': {
                const auto t = parse_base36(payload);
                if (!t || r.sent) return std::nullopt;
                r.sent = std::chrono::seconds{*t};
                break;
            }
            case 'r': {
                bool known = false;
                for (const auto& [name, code] : reason_codes) {
                    if (code == payload) {
                        r.reason = name;
                        known = true;
                    }
                }
                if (!known) return std::nullopt;
                break;
            }
            case 'e':
                if (!payload.empty()) return std::nullopt;
                r.error_elsewhere = true;
                break;
            case 'm': {
                // Fields: a kind letter, then member, detail and days.
                bool starts = true;
                for (const char c : payload) {
                    if (starts && !kind_from_letter(c)) return std::nullopt;
                    starts = c == ',';
                    if (!starts && c != ':' && c != '@' && !is_detail_char(c)) return std::nullopt;
                }
                if (payload.empty() || starts) return std::nullopt;
                r.merged = payload;
                break;
            }
            case 'a': {
                const auto n = parse_int(payload);
                if (!n || *n <= 0) return std::nullopt;
                r.calls = *n;
                break;
            }
            case 'u': {
                const auto t = parse_base36(payload);
                if (!t || r.unsure) return std::nullopt;
                r.unsure = std::chrono::seconds{*t};
                break;
            }
            case 'R':
                if (!payload.empty()) return std::nullopt;
                r.reserved = true;
                break;
            default:
                return std::nullopt;
        }
    }
    return r;
}

}  // namespace huitou
