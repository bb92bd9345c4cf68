#include "core/store_shards.h"

#include <cassert>
#include <charconv>
#include <cstdint>

#include "core/fmix64.h"
#include "core/job.h"
#include "core/member.h"
#include "core/send_window.h"

namespace huitou {
namespace {

// A number as shard_tag writes it: decimal digits, no sign, no leading zero.
std::optional<int> parse_count(std::string_view text) {
    if (text.empty() || text.size() > 2 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
    for (const char c : text)
        if (c < '0' || c > '9') return std::nullopt;  // from_chars would take a '-'
    int n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return n;
}

std::optional<int> field_count(const std::map<std::string, std::string, std::less<>>& fields,
                               std::string_view name) {
    const auto it = fields.find(name);
    if (it == fields.end()) return std::nullopt;
    const auto n = parse_count(it->second);
    if (!n || *n < 1 || *n > kMaxShards) return std::nullopt;
    return n;
}

}  // namespace

std::string Shard::tag() const {
    return shard_tag(store, k, index);
}

Shard only_shard(std::string_view store) {
    return Shard{std::string(store), 1, 0};
}

std::string shard_tag(std::string_view store, int k, int i) {
    assert(k >= 1 && k <= kMaxShards && i >= 0 && i < k);
    if (k == 1) return std::string(store);
    return std::string(store) + "." + std::to_string(k) + "." + std::to_string(i);
}

std::optional<Shard> parse_shard_tag(std::string_view tag) {
    const auto first = tag.find('.');
    if (first == std::string_view::npos) {
        if (!is_valid_store_id(tag)) return std::nullopt;
        return only_shard(tag);
    }
    const auto second = tag.find('.', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    const auto store = tag.substr(0, first);
    const auto k = parse_count(tag.substr(first + 1, second - first - 1));
    const auto i = parse_count(tag.substr(second + 1));
    if (!is_valid_store_id(store) || !k || !i || *k < 2 || *k > kMaxShards || *i >= *k)
        return std::nullopt;
    return Shard{std::string(store), *k, *i};
}

std::vector<Shard> all_shards(std::string_view store, int k) {
    assert(k >= 1 && k <= kMaxShards);
    std::vector<Shard> shards;
    shards.reserve(static_cast<std::size_t>(k));
    for (int i = 0; i < k; ++i)
        shards.push_back(Shard{std::string(store), k, i});
    return shards;
}

int member_shard(std::string_view id, int k) {
    assert(k >= 1 && k <= kMaxShards);
    if (k == 1) return 0;
    return static_cast<int>((fmix64(stable_hash(id)) >> 32) % static_cast<std::uint64_t>(k));
}

std::optional<int> job_shard(std::string_view job_id, int k) {
    assert(k >= 1 && k <= kMaxShards);
    if (k == 1) return 0;
    const auto parts = parse_job_id(job_id);
    if (!parts) return std::nullopt;
    return member_shard(parts->member_id, k);
}

std::optional<ShardRecord> parse_shard_record(
    const std::map<std::string, std::string, std::less<>>& fields) {
    ShardRecord record;
    if (fields.empty()) return record;
    const auto k = field_count(fields, "k");
    if (!k) return std::nullopt;
    record.k = *k;
    const auto hash = fields.find("hash");
    if (hash == fields.end() || hash->second != "1") return std::nullopt;
    if (fields.contains("to")) {
        record.to = field_count(fields, "to");
        if (!record.to) return std::nullopt;
    }
    if (fields.contains("old")) {
        record.old = field_count(fields, "old");
        if (!record.old) return std::nullopt;
    }
    if (const auto phase = fields.find("phase"); phase != fields.end()) {
        if (phase->second == "drain") {
            record.phase = ShardRecord::Phase::drain;
        } else if (phase->second == "copy") {
            record.phase = ShardRecord::Phase::copy;
        } else if (phase->second == "replay") {
            record.phase = ShardRecord::Phase::replay;
        } else {
            return std::nullopt;
        }
    }
    return record;
}

}  // namespace huitou
