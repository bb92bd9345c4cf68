#include "workers/wechat_event.h"

#include <expat.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "workers/crypto_util.h"

namespace huitou {
namespace {

// WeChat's documents nest four deep (xml → SubscribeMsgSentEvent → List →
// field); more is not WeChat.
constexpr std::size_t max_depth = 8;
constexpr std::size_t max_elements = 1000;

struct ParseState {
    XML_Parser parser = nullptr;
    std::vector<XmlElement*> open;  // the path from the root to the current element
    XmlElement root;
    bool has_root = false;
    std::size_t elements = 0;
    std::string error;

    void stop(std::string why) {
        if (error.empty()) error = std::move(why);
        XML_StopParser(parser, XML_FALSE);
    }
};

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** /*attributes*/) {
    auto& s = *static_cast<ParseState*>(data);
    if (++s.elements > max_elements) return s.stop("more than 1000 elements");
    if (s.open.size() >= max_depth) return s.stop("nested deeper than 8 elements");
    XmlElement* e = nullptr;
    if (s.open.empty()) {
        s.has_root = true;
        e = &s.root;
    } else {
        e = &s.open.back()->children.emplace_back();
    }
    e->name = name;
    s.open.push_back(e);
}

void XMLCALL on_end(void* data, const XML_Char* /*name*/) {
    auto& s = *static_cast<ParseState*>(data);
    if (!s.open.empty()) s.open.pop_back();
}

void XMLCALL on_text(void* data, const XML_Char* text, int length) {
    auto& s = *static_cast<ParseState*>(data);
    if (!s.open.empty()) s.open.back()->text.append(text, static_cast<std::size_t>(length));
}

void XMLCALL on_doctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    static_cast<ParseState*>(data)->stop("a DTD (<!DOCTYPE>) is not accepted");
}

void XMLCALL on_entity(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                       const XML_Char*, const XML_Char*, const XML_Char*) {
    static_cast<ParseState*>(data)->stop("an entity declaration is not accepted");
}

std::string trimmed(std::string s) {
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

}  // namespace

const XmlElement* XmlElement::child(std::string_view wanted) const {
    for (const auto& c : children)
        if (c.name == wanted) return &c;
    return nullptr;
}

std::string XmlElement::child_text(std::string_view wanted) const {
    const auto* c = child(wanted);
    return c ? trimmed(c->text) : std::string();
}

std::optional<XmlElement> parse_xml(std::string_view xml, std::string* error) {
    const auto fail = [error](std::string why) -> std::optional<XmlElement> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (xml.size() > 1 << 20) return fail("larger than 1 MiB");
    std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate("UTF-8"),
                                                                        &XML_ParserFree);
    if (!parser) throw std::bad_alloc();
    ParseState state;
    state.parser = parser.get();
    XML_SetUserData(parser.get(), &state);
    XML_SetElementHandler(parser.get(), on_start, on_end);
    XML_SetCharacterDataHandler(parser.get(), on_text);
    XML_SetStartDoctypeDeclHandler(parser.get(), on_doctype);
    XML_SetEntityDeclHandler(parser.get(), on_entity);
    const auto status = XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE);
    if (!state.error.empty()) return fail(state.error);
    if (status != XML_STATUS_OK) {
        return fail(std::string(XML_ErrorString(XML_GetErrorCode(parser.get()))) + " at line " +
                    std::to_string(XML_GetCurrentLineNumber(parser.get())) + ", column " +
                    std::to_string(XML_GetCurrentColumnNumber(parser.get())));
    }
    if (!state.has_root) return fail("no element");
    return std::move(state.root);
}

std::string wechat_signature(std::vector<std::string> parts) {
    std::sort(parts.begin(), parts.end());
    std::string joined;
    for (const auto& p : parts)
        joined += p;
    return hex_lower(sha1(joined));
}

bool signature_matches(std::string_view given, std::string_view expected) {
    return given.size() == expected.size() &&
           CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

std::optional<WechatEvent> wechat_event_from_xml(const XmlElement& root, std::string* error) {
    const auto fail = [error](std::string why) -> std::optional<WechatEvent> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (root.name != "xml") return fail("the document element is <" + root.name + ">, not <xml>");
    WechatEvent e;
    e.msg_type = root.child_text("MsgType");
    e.event = root.child_text("Event");
    e.openid = root.child_text("FromUserName");
    e.account = root.child_text("ToUserName");
    e.created = root.child_text("CreateTime");
    if (e.msg_type.empty()) return fail("MsgType: missing");
    if (e.msg_type != "event") return e;  // a member's message: not ours to read
    if (e.event.empty()) return fail("Event: missing");
    // Every event names its member: an event without one could be anyone's.
    if (e.openid.empty()) return fail("FromUserName: missing");

    // The <List> items of a subscription event: WeChat's documents put them
    // under an element named after the event, but the change event's example
    // uses <SubscribeMsgPopupEvent> (a documented mistake, reported in the
    // developer community): any child holding <List> items is read.
    const auto lists = [&root]() {
        std::vector<const XmlElement*> out;
        for (const auto& c : root.children)
            for (const auto& item : c.children)
                if (item.name == "List") out.push_back(&item);
        return out;
    };
    if (e.event == "TEMPLATESENDJOBFINISH") {
        e.type = WechatEvent::Type::template_finish;
        e.msgid = root.child_text("MsgID");
        e.status = root.child_text("Status");
        if (e.msgid.empty()) return fail("MsgID: missing");
        if (e.status.empty()) return fail("Status: missing");
    } else if (e.event == "subscribe_msg_sent_event") {
        e.type = WechatEvent::Type::subscribe_msg_sent;
        for (const auto* item : lists()) {
            WechatEvent::SentNotice n{item->child_text("TemplateId"), item->child_text("MsgID"),
                                      item->child_text("ErrorCode"),
                                      item->child_text("ErrorStatus")};
            if (n.msgid.empty()) return fail("List.MsgID: missing");
            if (n.error_code.empty() && n.error_status.empty())
                return fail("List.ErrorCode: missing (and no ErrorStatus)");
            e.sent.push_back(std::move(n));
        }
        if (e.sent.empty()) return fail("SubscribeMsgSentEvent: no <List>");
    } else if (e.event == "subscribe") {
        e.type = WechatEvent::Type::follow;
    } else if (e.event == "unsubscribe") {
        e.type = WechatEvent::Type::unfollow;
    } else if (e.event == "subscribe_msg_popup_event" || e.event == "subscribe_msg_change_event") {
        e.type = WechatEvent::Type::notice_choice;
        for (const auto* item : lists()) {
            WechatEvent::Choice c{item->child_text("TemplateId"),
                                  item->child_text("SubscribeStatusString")};
            if (c.status != "accept" && c.status != "reject")
                return fail("List.SubscribeStatusString: \"" + c.status +
                            "\" is not accept or reject");
            e.choices.push_back(std::move(c));
        }
        if (e.choices.empty()) return fail(e.event + ": no <List>");
    }
    return e;
}

WechatDelivery template_finish_delivery(const std::string& status) {
    if (status == "success") return {"delivered", status, false};
    // "failed:user block": the member set the account to refuse its messages.
    const bool blocked = status.find("user block") != std::string::npos;
    return {"undelivered", status, blocked};
}

WechatDelivery subscribe_sent_delivery(const WechatEvent::SentNotice& n) {
    const std::string detail =
        n.error_code.empty() ? n.error_status : n.error_code + " " + n.error_status;
    if (n.error_code == "0" || (n.error_code.empty() && n.error_status == "success"))
        return {"delivered", detail, false};
    // 43101 "user refuse to accept the msg"; ErrorStatus "failed:user refuse".
    const bool refused =
        n.error_code == "43101" || n.error_status.find("refuse") != std::string::npos;
    return {"undelivered", detail, refused};
}

NoticeChoice notice_choice(const std::vector<WechatEvent::Choice>& choices) {
    // A refusal wins: consent errs toward fewer messages (core/consent.h).
    if (std::any_of(choices.begin(), choices.end(),
                    [](const auto& c) { return c.status == "reject"; }))
        return NoticeChoice::opt_out;
    if (std::any_of(choices.begin(), choices.end(),
                    [](const auto& c) { return c.status == "accept"; }))
        return NoticeChoice::opt_in;
    return NoticeChoice::none;
}

}  // namespace huitou
