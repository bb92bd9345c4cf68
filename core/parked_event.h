// parked_event.h — an event a door could not apply because `huitou reshard`
// held its store, written down to be applied after the switch
// (docs/architecture.md, "huitou reshard", phases copy and replay).
//
// While a reshard copies a store, every script of its old layout refuses
// (the fence). The HTTP doors answer 503 and their senders retry; the ZMQ
// visit feed, the WeChat listener and the SMS receipt pushes cannot make
// their sender try again, so they park what arrived in the store's list
// hu:{S}:reshard:parked, in order, and the reshard applies it after the
// switch through the same io classes the doors use. Three kinds arrive
// there: a visit (recorded again harmlessly: a visit key already kept is a
// duplicate), a consent event (applied once by its once key, made from the
// reshard and the entry's sequence number by park.lua), and a delivery
// result (record_delivery is idempotent). Here, pure: the entry's text and
// back. An entry this build cannot read is not applied and not dropped
// silently: the replay stops on it and says which (io/parked_events.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/consent.h"
#include "core/visit.h"

namespace huitou {

// A delivery result for a job: what record_delivery takes (a receipt pushed
// by Aliyun or Tencent, a WeChat template's TEMPLATESENDJOBFINISH).
struct ParkedDelivery {
    std::string store;
    std::string job_id;
    std::string status;  // delivered, undelivered, …: record_delivery.lua's words
    SysSeconds at{};
    std::string detail;
    friend bool operator==(const ParkedDelivery&, const ParkedDelivery&) = default;
};

using ParkedEvent = std::variant<Visit, ConsentEvent, ParkedDelivery>;

// The store the event belongs to.
const std::string& store_of(const ParkedEvent& e);
// "visit", "consent", "delivery": for logs and counts.
std::string_view kind_of(const ParkedEvent& e);

// The event as one line of JSON ({"kind": ..., ...}).
std::string encode_parked(const ParkedEvent& e);
// The event back; nullopt, with `error` saying what, for text that is not one.
std::optional<ParkedEvent> decode_parked(std::string_view text, std::string* error = nullptr);

// An entry of the list as park.lua writes it: "<reshard>:<n> <event>", where
// <reshard> is the reshard's start (the record's `at`) and <n> counts the
// store's parked events: together the once key of a consent event.
struct ParkedEntry {
    std::string id;    // "<reshard>:<n>"
    std::string text;  // encode_parked's
};
std::optional<ParkedEntry> split_parked_entry(std::string_view entry);

}  // namespace huitou
