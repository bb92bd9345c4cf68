// wechat_event.h — what WeChat's message server receives, read and judged.
//
// WeChat pushes events for an official account to the account's server URL
// as small XML documents (<xml><ToUserName/>…<Event/>…</xml>), signed by
// `signature` = hex SHA-1 of the sorted concatenation of the server Token,
// the request's timestamp and nonce (in safe mode also `msg_signature`, the
// same over Token, timestamp, nonce and the <Encrypt> text). This file is the
// pure part: the signature, the XML read with expat (no DTD, no entities
// beyond XML's five: WeChat sends none, and a DTD is how an XML bomb comes),
// the event's fields, and what each event means for a job or for consent.
// The HTTP side, the replay checks and Redis are workers/wechat_listener.h.
//
// The events and their meaning (docs/providers.md has the sources):
//   TEMPLATESENDJOBFINISH  MsgID, Status "success" | "failed:user block" |
//                          "failed: system failed": delivered, or undelivered
//                          with the status (a block is also consent lost);
//   subscribe_msg_sent_event  per <List>: TemplateId, MsgID, ErrorCode,
//                          ErrorStatus: 0/"success" delivered; 43101 or a
//                          status naming a refusal: undelivered, consent lost;
//                          anything else undelivered;
//   subscribe / unsubscribe  the follow and unfollow of FromUserName (openid);
//   subscribe_msg_popup_event / subscribe_msg_change_event  per <List>:
//                          TemplateId, SubscribeStatusString accept | reject.
// Deliberately not here: which store or job an event is about (Redis knows).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace huitou {

// A parsed XML element: its name, its text (CDATA included, concatenated)
// and its child elements in order. Attributes are ignored: WeChat uses none.
struct XmlElement {
    std::string name;
    std::string text;
    std::vector<XmlElement> children;

    // The first child named `name`, or null.
    const XmlElement* child(std::string_view name) const;
    // The text of the first child named `name` ("" when there is none).
    std::string child_text(std::string_view name) const;
};

// The document element of `xml`, or nullopt with `error` saying what is wrong
// (not well-formed, a DTD, nested deeper than WeChat ever nests, too large).
std::optional<XmlElement> parse_xml(std::string_view xml, std::string* error);

// hex SHA-1 of `parts` sorted and concatenated: `signature` (Token,
// timestamp, nonce) and `msg_signature` (… and the Encrypt text).
std::string wechat_signature(std::vector<std::string> parts);

// Whether `given` equals `expected`, compared in constant time (a timing
// difference would let a caller guess a signature byte by byte).
bool signature_matches(std::string_view given, std::string_view expected);

struct WechatEvent {
    enum class Type {
        template_finish,     // TEMPLATESENDJOBFINISH
        subscribe_msg_sent,  // subscribe_msg_sent_event
        follow,              // subscribe
        unfollow,            // unsubscribe
        notice_choice,       // subscribe_msg_popup_event, subscribe_msg_change_event
        other                // anything else: acknowledged, ignored
    };
    // One notice of a subscribe_msg_sent_event.
    struct SentNotice {
        std::string template_id, msgid, error_code, error_status;
    };
    // One template of a popup or change event.
    struct Choice {
        std::string template_id, status;  // accept | reject
    };

    Type type = Type::other;
    std::string msg_type;  // MsgType ("event", "text", ...)
    std::string event;     // Event, as sent
    std::string openid;    // FromUserName
    std::string account;   // ToUserName (the account's original id, gh_…)
    std::string created;   // CreateTime (Unix seconds, as sent)
    std::string msgid;     // template_finish: MsgID
    std::string status;    // template_finish: Status
    std::vector<SentNotice> sent;
    std::vector<Choice> choices;
};

// The event in a decrypted or plain message, or nullopt with `error` naming
// the element that is missing or wrong (FromUserName, MsgID, ...).
std::optional<WechatEvent> wechat_event_from_xml(const XmlElement& root, std::string* error);

// What a delivery result does to its job (io/job_store.h record_delivery) and
// to the member's WeChat consent.
struct WechatDelivery {
    std::string status;  // "delivered" or "undelivered"
    std::string detail;  // WeChat's status (and code), kept on the job
    bool consent_lost = false;
};
WechatDelivery template_finish_delivery(const std::string& status);
WechatDelivery subscribe_sent_delivery(const WechatEvent::SentNotice& notice);

// A popup or change event's verdict on the member's WeChat consent: a reject
// of any template is an opt-out (consent is per channel, core/consent.h, so
// a refused notice refuses WeChat), else an accept is an opt-in, else nothing.
enum class NoticeChoice { none, opt_in, opt_out };
NoticeChoice notice_choice(const std::vector<WechatEvent::Choice>& choices);

}  // namespace huitou
