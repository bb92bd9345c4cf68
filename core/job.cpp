#include "core/job.h"

#include <array>
#include <charconv>

#include <nlohmann/json.hpp>

namespace huitou {
namespace {

constexpr std::array<std::string_view, 8> kind_names{
    "birthday", "child_birthday", "festival", "card_expiry", "winback", "points", "welcome",
    "announcement"};
constexpr std::array<std::string_view, 2> channel_names{"sms", "wechat"};
constexpr std::array<std::string_view, 9> state_names{"planned",   "dispatched", "sent",
                                                      "delivered", "failed",     "expired",
                                                      "cancelled", "unknown",    "held"};

template <typename Enum, std::size_t N>
std::optional<Enum> find_name(const std::array<std::string_view, N>& names, std::string_view s) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == s) return static_cast<Enum>(i);
    }
    return std::nullopt;
}

std::optional<long long> to_number(std::string_view s) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

std::string_view to_string(Kind k) {
    return kind_names[static_cast<std::size_t>(k)];
}
std::string_view to_string(Channel c) {
    return channel_names[static_cast<std::size_t>(c)];
}
std::string_view to_string(JobState s) {
    return state_names[static_cast<std::size_t>(s)];
}
std::optional<Kind> parse_kind(std::string_view s) {
    return find_name<Kind>(kind_names, s);
}
std::optional<Channel> parse_channel(std::string_view s) {
    return find_name<Channel>(channel_names, s);
}
std::optional<JobState> parse_job_state(std::string_view s) {
    return find_name<JobState>(state_names, s);
}

const std::vector<Kind>& all_kinds() {
    static const std::vector<Kind> kinds = [] {
        std::vector<Kind> out;
        for (std::size_t i = 0; i < kind_names.size(); ++i)
            out.push_back(static_cast<Kind>(i));
        return out;
    }();
    return kinds;
}

bool is_service_notice(Kind k) {
    return k == Kind::card_expiry || k == Kind::points;
}

bool is_terminal(JobState s) {
    return s != JobState::planned && s != JobState::dispatched;
}

std::string make_job_id(Kind kind, std::string_view member_id, const Date& occasion,
                        std::string_view detail) {
    std::string id(to_string(kind));
    id += ':';
    id += member_id;
    id += ':';
    id += format_date(occasion);
    if (!detail.empty()) {
        id += ':';
        id += detail;
    }
    return id;
}

std::optional<JobIdParts> parse_job_id(std::string_view id) {
    // "<kind>:<member>:<YYYY-MM-DD>[:<detail>]": kind, member and date hold no ':'.
    const auto k = id.find(':');
    if (k == std::string_view::npos) return std::nullopt;
    const auto kind = parse_kind(id.substr(0, k));
    const auto m = id.find(':', k + 1);
    if (!kind || m == std::string_view::npos) return std::nullopt;
    const auto member = id.substr(k + 1, m - k - 1);
    if (!is_valid_member_id(member)) return std::nullopt;
    const auto rest = id.substr(m + 1);
    const auto d = rest.find(':');
    const auto date = parse_date(rest.substr(0, d));
    if (!date) return std::nullopt;
    JobIdParts parts{*kind, std::string(member), *date, {}};
    if (d != std::string_view::npos) {
        parts.detail = rest.substr(d + 1);
        if (parts.detail.empty()) return std::nullopt;
    }
    return parts;
}

std::string_view job_id_detail(std::string_view id) {
    // Kind, member and date hold no ':' (member ids: core/member.h).
    std::size_t pos = 0;
    for (int i = 0; i < 3; ++i) {
        pos = id.find(':', pos);
        if (pos == std::string_view::npos) return {};
        ++pos;
    }
    return id.substr(pos);
}

FieldMap to_fields(const Job& job) {
    FieldMap f;
    f["kind"] = to_string(job.kind);
    f["member"] = job.member_id;
    f["occasion"] = format_date(job.occasion_date);
    f["marketing"] = job.marketing ? "1" : "0";
    f["channel"] = to_string(job.channel);
    f["to"] = job.to;
    f["text"] = job.text;
    if (!job.params.empty()) f["params"] = nlohmann::json(job.params).dump();
    f["due_at"] = std::to_string(job.due_at.time_since_epoch().count());
    f["expires_at"] = std::to_string(job.expires_at.time_since_epoch().count());
    f["state"] = to_string(job.state);
    f["attempts"] = std::to_string(job.attempts);
    if (!job.error.empty()) f["error"] = job.error;
    f["created_at"] = std::to_string(job.created_at.time_since_epoch().count());
    return f;
}

std::optional<Job> job_from_fields(std::string store, std::string id, const FieldMap& fields) {
    auto get = [&fields](std::string_view key) -> std::optional<std::string_view> {
        const auto it = fields.find(key);
        if (it == fields.end()) return std::nullopt;
        return std::string_view{it->second};
    };
    auto seconds = [&](std::string_view key) -> std::optional<SysSeconds> {
        const auto v = get(key);
        if (!v) return std::nullopt;
        const auto n = to_number(*v);
        if (!n) return std::nullopt;
        return SysSeconds{std::chrono::seconds{*n}};
    };
    Job job;
    job.store = std::move(store);
    job.id = std::move(id);
    const auto kind = get("kind");
    const auto channel = get("channel");
    const auto state = get("state");
    const auto occasion = get("occasion");
    const auto due = seconds("due_at");
    const auto expires = seconds("expires_at");
    if (!kind || !channel || !state || !occasion || !due || !expires) return std::nullopt;
    const auto k = parse_kind(*kind);
    const auto c = parse_channel(*channel);
    const auto s = parse_job_state(*state);
    const auto d = parse_date(*occasion);
    if (!k || !c || !s || !d) return std::nullopt;
    job.kind = *k;
    job.channel = *c;
    job.state = *s;
    job.occasion_date = *d;
    job.due_at = *due;
    job.expires_at = *expires;
    job.marketing = get("marketing").value_or("1") != "0";
    job.member_id = get("member").value_or("");
    job.to = get("to").value_or("");
    job.text = get("text").value_or("");
    job.error = get("error").value_or("");
    if (const auto a = get("attempts")) job.attempts = static_cast<int>(to_number(*a).value_or(0));
    job.created_at = seconds("created_at").value_or(SysSeconds{});
    if (const auto p = get("params")) {
        const auto parsed = nlohmann::json::parse(*p, nullptr, false);
        if (parsed.is_object()) {
            for (const auto& [key, value] : parsed.items()) {
                if (value.is_string()) job.params[key] = value.get<std::string>();
            }
        }
    }
    return job;
}

}  // namespace huitou
