// A store over K shards: tags, a member's shard, the shard record
// (core/store_shards.h). The slot check uses io/redis_cluster.h's key_slot,
// the one CRC16 the cluster layer routes by.
#include "core/store_shards.h"

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <random>

#include "core/job_record.h"
#include "core/member.h"
#include "core/send_window.h"
#include "io/redis_cluster.h"

using namespace huitou;

namespace {

// "T0000000" … "T0999999": ids the way a store numbers its members.
std::string numbered_id(int i) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "T%07d", i);
    return buffer;
}

constexpr int kIds = 1'000'000;

// χ² at p = 0.001 for 1..15 degrees of freedom: a uniform hash passes all
// fifteen with room to spare; a biased one fails by orders of magnitude.
constexpr std::array<double, 16> chi2_999{0,     10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32,
                                          26.12, 27.88, 29.59, 31.26, 32.91, 34.53, 36.12, 37.70};

std::string random_store_id(std::mt19937_64& rng) {
    static constexpr std::string_view chars = "abcdefghijklmnopqrstuvwxyz0123456789_-";
    std::uniform_int_distribution<int> length(1, 32);
    std::uniform_int_distribution<std::size_t> pick(0, chars.size() - 1);
    std::string id(static_cast<std::size_t>(length(rng)), ' ');
    for (auto& c : id)
        c = chars[pick(rng)];
    return id;
}

}  // namespace

TEST_CASE("a shard's tag: the store id at K = 1, S.K.i above", "[store_shards]") {
    CHECK(shard_tag("toyland", 1, 0) == "toyland");
    CHECK(shard_tag("toyland", 3, 0) == "toyland.3.0");
    CHECK(shard_tag("toyland", 3, 2) == "toyland.3.2");
    CHECK(shard_tag("toyland", 64, 63) == "toyland.64.63");
    CHECK(only_shard("toyland") == Shard{"toyland", 1, 0});
    CHECK(only_shard("toyland").tag() == "toyland");
    CHECK(Shard{"toyland", 16, 9}.tag() == "toyland.16.9");

    const auto shards = all_shards("toyland", 3);
    REQUIRE(shards.size() == 3);
    for (int i = 0; i < 3; ++i)
        CHECK(shards[static_cast<std::size_t>(i)] == Shard{"toyland", 3, i});
    CHECK(all_shards("toyland", 1) == std::vector<Shard>{only_shard("toyland")});
}

TEST_CASE("a tag splits back into store, K and i", "[store_shards]") {
    SECTION("every tag of every K, round trip") {
        for (const std::string& store :
             std::vector<std::string>{"toyland", "a", "store_1-x", std::string(32, 'z')}) {
            for (int k = 1; k <= kMaxShards; ++k) {
                for (const auto& shard : all_shards(store, k)) {
                    INFO(shard.tag());
                    CHECK(parse_shard_tag(shard.tag()) == shard);
                }
            }
        }
    }
    SECTION("what shard_tag cannot have made") {
        for (const std::string_view bad :
             {"", "Toyland", "toyland.", "toyland.3", "toyland.3.", "toyland.3.3", "toyland.1.0",
              "toyland.0.0", "toyland.65.0", "toyland.03.1", "toyland.3.01", "toyland.3.-1",
              "toyland.+3.1", "toyland.3.1.0", ".3.1", "toy.land.3.1", "toyland.3.1 ",
              "toyland.100.1"}) {
            INFO(bad);
            CHECK_FALSE(parse_shard_tag(bad));
        }
    }
}

TEST_CASE("a tag with K > 1 is never a store id", "[store_shards]") {
    // So the tags of a sharded store never name another store's keys.
    std::mt19937_64 rng(21);
    for (int n = 0; n < 1'000; ++n) {
        const auto store = random_store_id(rng);
        REQUIRE(is_valid_store_id(store));
        for (const int k : {2, 3, 10, 64}) {
            for (const auto& shard : all_shards(store, k)) {
                INFO(shard.tag());
                CHECK_FALSE(is_valid_store_id(shard.tag()));
            }
        }
        CHECK(is_valid_store_id(shard_tag(store, 1, 0)));
    }
}

TEST_CASE("a member's shard is pinned: it never changes", "[store_shards]") {
    // A member's keys are found only through member_shard: a changed function
    // would lose every member of every sharded store. These values were
    // computed once; another function would be `hash = 2`, reached by a
    // reshard, and this table would stay as it is.
    struct Case {
        std::string_view id;
        int k2, k3, k10, k64;
    };
    constexpr std::array<Case, 20> cases{{
        {"T0001", 1, 0, 1, 31},
        {"T0002", 1, 0, 7, 19},
        {"T0003", 1, 0, 7, 29},
        {"M9", 0, 0, 6, 18},
        {"B-7.x_1", 1, 2, 7, 25},
        {"L1", 0, 2, 2, 12},
        {"13800138000", 0, 2, 4, 12},
        {"+8613800138000", 0, 2, 0, 48},
        {"wx_o6_u2abc", 1, 0, 7, 53},
        {"a", 0, 0, 4, 24},
        {"Z", 1, 2, 5, 9},
        {"member.42", 1, 2, 9, 43},
        {"0", 0, 1, 8, 48},
        {"T0000000", 0, 2, 2, 62},
        {"T0999999", 1, 1, 5, 5},
        {"VIP-2027-0001", 0, 1, 2, 2},
        {"zhang_san", 1, 2, 7, 43},
        {"li.si", 1, 2, 1, 15},
        {"wang-5", 1, 0, 7, 1},
        {"x_y.z-9", 0, 2, 8, 42},
    }};
    for (const auto& c : cases) {
        INFO(c.id);
        CHECK(member_shard(c.id, 1) == 0);
        CHECK(member_shard(c.id, 2) == c.k2);
        CHECK(member_shard(c.id, 3) == c.k3);
        CHECK(member_shard(c.id, 10) == c.k10);
        CHECK(member_shard(c.id, 64) == c.k64);
    }
}

TEST_CASE("a job's shard is its member's", "[store_shards]") {
    CHECK(job_shard("festival:T0001:2027-09-15:mid_autumn", 10) == member_shard("T0001", 10));
    CHECK(job_shard("birthday:B-7.x_1:2027-09-15", 64) == member_shard("B-7.x_1", 64));
    CHECK(job_shard("winback:M9:2027-07-17:2", 3) == 0);
    // K = 1: nothing is parsed.
    CHECK(job_shard("not a job id", 1) == 0);
    CHECK_FALSE(job_shard("not a job id", 3));
}

TEST_CASE("members spread evenly over K = 2..16 shards", "[store_shards]") {
    // χ² of 1,000,000 numbered ids over K shards, against p = 0.001.
    for (int k = 2; k <= 16; ++k) {
        std::vector<long> count(static_cast<std::size_t>(k));
        for (int i = 0; i < kIds; ++i)
            ++count[static_cast<std::size_t>(member_shard(numbered_id(i), k))];
        const double expected = static_cast<double>(kIds) / k;
        double chi2 = 0;
        for (const long c : count)
            chi2 += (c - expected) * (c - expected) / expected;
        INFO("K = " << k << ", χ² = " << chi2);
        CHECK(chi2 < chi2_999[static_cast<std::size_t>(k - 1)]);
    }
}

TEST_CASE("shards and sheets are independent: every (shard, sheet) cell near the mean",
          "[store_shards]") {
    // A day's sheets take stable_hash(id) % n (core/job_record.h), and each
    // shard has its own day sheets. If a shard were stable_hash(id) % K, then
    // whenever K divides n a shard would only ever fill the sheets ≡ its index
    // mod K: shard 0 of K = 2 would leave every odd sheet empty. The finalized
    // high bits fill all K × n cells, each within 10 % of the mean.
    constexpr int kMinK = 2, kMaxK = 8, kMinN = 2, kMaxN = 16;
    // table[k][n][shard][sheet]
    std::vector<std::vector<std::vector<long>>> table(kMaxK + 1,
                                                      std::vector<std::vector<long>>(kMaxN + 1));
    std::vector<std::vector<std::vector<long>>> plain = table;
    for (int k = kMinK; k <= kMaxK; ++k)
        for (int n = kMinN; n <= kMaxN; ++n)
            table[k][n].assign(static_cast<std::size_t>(k * n), 0),
                plain[k][n].assign(static_cast<std::size_t>(k * n), 0);
    for (int i = 0; i < kIds; ++i) {
        const auto id = numbered_id(i);
        const auto h = stable_hash(id);
        for (int k = kMinK; k <= kMaxK; ++k) {
            const int shard = member_shard(id, k);
            const int plain_shard = static_cast<int>(h % static_cast<std::uint64_t>(k));
            for (int n = kMinN; n <= kMaxN; ++n) {
                const int sheet = sheet_of(id, n);
                ++table[k][n][static_cast<std::size_t>(shard * n + sheet)];
                ++plain[k][n][static_cast<std::size_t>(plain_shard * n + sheet)];
            }
        }
    }
    for (int k = kMinK; k <= kMaxK; ++k) {
        for (int n = kMinN; n <= kMaxN; ++n) {
            const double mean = static_cast<double>(kIds) / (k * n);
            const auto [low, high] = std::minmax_element(table[k][n].begin(), table[k][n].end());
            INFO("K = " << k << ", n = " << n << ": cells " << *low << ".." << *high << ", mean "
                        << mean);
            CHECK(*low >= 0.9 * mean);
            CHECK(*high <= 1.1 * mean);
        }
    }
    // What the finalizer is for: the plain hash mod K = 2 with n = 2 puts
    // every member of shard 0 in sheet 0 and of shard 1 in sheet 1.
    CHECK(plain[2][2] == std::vector<long>{kIds / 2, 0, 0, kIds / 2});
    CHECK(std::count(plain[8][16].begin(), plain[8][16].end(), 0) == 112);
}

TEST_CASE("up to 10 shards are always on different cluster slots", "[store_shards]") {
    // The K tags differ only in their last byte ('0'..'9'); CRC16 is linear,
    // and a difference in the last byte alone changes the low bits of the
    // CRC (docs/architecture.md, "Slots"). Checked over random store ids.
    std::mt19937_64 rng(2027);
    for (int n = 0; n < 10'000; ++n) {
        const auto store = random_store_id(rng);
        for (int k = 2; k <= 10; ++k) {
            std::vector<int> slots;
            for (const auto& shard : all_shards(store, k))
                slots.push_back(key_slot("hu:{" + shard.tag() + "}:due"));
            std::sort(slots.begin(), slots.end());
            INFO(store << ", K = " << k);
            CHECK(std::adjacent_find(slots.begin(), slots.end()) == slots.end());
        }
    }
    // The design's example: toyland at K = 3.
    CHECK(key_slot("hu:{toyland.3.0}:due") == 7226);
    CHECK(key_slot("hu:{toyland.3.1}:due") == 3099);
    CHECK(key_slot("hu:{toyland.3.2}:due") == 15480);
}

TEST_CASE("the shard record hu:{S}:shards", "[store_shards]") {
    using Phase = ShardRecord::Phase;
    using Fields = std::map<std::string, std::string, std::less<>>;
    SECTION("absent: K = 1") {
        CHECK(parse_shard_record({}) == ShardRecord{});
    }
    SECTION("a sharded store, a reshard under way, one switched") {
        CHECK(parse_shard_record(Fields{{"k", "3"}, {"hash", "1"}}) ==
              ShardRecord{3, 1, {}, {}, Phase::none});
        CHECK(
            parse_shard_record(Fields{
                {"k", "3"}, {"hash", "1"}, {"to", "5"}, {"phase", "copy"}, {"at", "1800000000"}}) ==
            ShardRecord{3, 1, 5, {}, Phase::copy});
        CHECK(parse_shard_record(
                  Fields{{"k", "5"}, {"hash", "1"}, {"old", "3"}, {"phase", "replay"}}) ==
              ShardRecord{5, 1, {}, 3, Phase::replay});
        CHECK(parse_shard_record(
                  Fields{{"k", "64"}, {"hash", "1"}, {"to", "1"}, {"phase", "drain"}}) ==
              ShardRecord{64, 1, 1, {}, Phase::drain});
    }
    SECTION("malformed, or a hash this build does not know") {
        for (const Fields& bad : {
                 Fields{{"hash", "1"}},
                 Fields{{"k", "3"}},
                 Fields{{"k", "3"}, {"hash", "2"}},
                 Fields{{"k", "0"}, {"hash", "1"}},
                 Fields{{"k", "65"}, {"hash", "1"}},
                 Fields{{"k", "03"}, {"hash", "1"}},
                 Fields{{"k", "three"}, {"hash", "1"}},
                 Fields{{"k", "3"}, {"hash", "1"}, {"to", "0"}},
                 Fields{{"k", "3"}, {"hash", "1"}, {"old", ""}},
                 Fields{{"k", "3"}, {"hash", "1"}, {"phase", "clean"}},
             }) {
            CHECK_FALSE(parse_shard_record(bad));
        }
    }
}

TEST_CASE("a day's sheets over shards: each shard its share, a member in her shard's sheet") {
    CHECK(even_day_sheets(1000, 1).counts == std::vector<int>{16});       // as sheet_count alone
    CHECK(even_day_sheets(1000, 3).counts == std::vector<int>{6, 6, 6});  // 334 a shard
    CHECK(even_day_sheets(0, 3).counts == std::vector<int>{1, 1, 1});
    CHECK(even_day_sheets(5, 0).counts == std::vector<int>{1});  // never no shard
    // Each shard keeps the count it fixed: they may differ (a reshard sets
    // them from the records it moved).
    const DaySheets uneven{{2, 5, 9}};
    for (int i = 0; i < 1000; ++i) {
        const auto id = "T" + std::to_string(i);
        const auto place = uneven.of(id);
        INFO(id);
        CHECK(place.shard == member_shard(id, 3));
        CHECK(place.sheet == sheet_of(id, uneven.counts[static_cast<std::size_t>(place.shard)]));
        const auto one = DaySheets{{16}}.of(id);
        CHECK(one.shard == 0);
        CHECK(one.sheet == sheet_of(id, 16));  // K = 1: the sheet of before sharding
    }
}
