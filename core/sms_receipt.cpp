#include "core/sms_receipt.h"

#include <sstream>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "core/civil_time.h"
#include "core/member.h"

namespace huitou {
namespace {

using nlohmann::json;

std::string where(std::size_t i, std::string_view field) {
    return "[" + std::to_string(i) + "]." + std::string(field);
}

// The string at `field` of `o`: "" when absent; false (and `error` set) when
// present and not a string.
bool optional_string(const json& o, std::size_t i, const char* field, std::string& out,
                     std::string& error) {
    const auto it = o.find(field);
    if (it == o.end() || it->is_null()) return true;
    if (!it->is_string()) {
        error = where(i, field) + ": expected a string";
        return false;
    }
    out = it->get<std::string>();
    return true;
}

// Joins the carrier's code and its words, either of which may be missing.
std::string join_detail(const std::string& code, const std::string& words) {
    if (code.empty()) return words;
    if (words.empty() || words == code) return code;
    return code + " " + words;
}

// The body as a JSON array of objects, or an error.
std::optional<json> report_array(std::string_view body, std::string& error) {
    const auto parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded()) {
        error = "body: not JSON";
        return std::nullopt;
    }
    if (!parsed.is_array()) {
        error = "body: expected a JSON array of reports";
        return std::nullopt;
    }
    for (std::size_t i = 0; i < parsed.size(); ++i) {
        if (!parsed[i].is_object()) {
            error = "[" + std::to_string(i) + "]: expected an object";
            return std::nullopt;
        }
    }
    return parsed;
}

}  // namespace

std::string receipt_ref(std::string_view store, std::string_view job_id) {
    return std::string(store) + "/" + std::string(job_id);
}

std::optional<ReceiptRef> parse_receipt_ref(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    ReceiptRef ref{std::string(text.substr(0, slash)), std::string(text.substr(slash + 1))};
    if (!is_valid_store_id(ref.store) || ref.job_id.empty()) return std::nullopt;
    return ref;
}

std::string_view delivery_status(const SmsReceipt& r) {
    return r.delivered ? "delivered" : "undelivered";
}

std::optional<SysSeconds> parse_beijing_time(std::string_view text) {
    static const date::time_zone* zone = date::locate_zone("Asia/Shanghai");
    std::istringstream in{std::string(text)};
    date::local_seconds local;
    in >> date::parse("%Y-%m-%d %H:%M:%S", local);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
    try {
        return zone->to_sys(local);
    } catch (const std::exception&) {
        return std::nullopt;  // Beijing has no gaps today, but never throw on input
    }
}

ReceiptBatch parse_aliyun_reports(std::string_view body) {
    ReceiptBatch batch;
    const auto array = report_array(body, batch.error);
    if (!array) return batch;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const json& o = (*array)[i];
        SmsReceipt r;
        const auto success = o.find("success");
        if (success == o.end() || !success->is_boolean()) {
            batch.error = where(i, "success") + ": expected true or false";
            break;
        }
        r.delivered = success->get<bool>();
        if (!o.contains("out_id")) {
            batch.error = where(i, "out_id") + ": missing";
            break;
        }
        std::string code, words, time;
        if (!optional_string(o, i, "out_id", r.ref, batch.error) ||
            !optional_string(o, i, "biz_id", r.provider_ref, batch.error) ||
            !optional_string(o, i, "phone_number", r.phone, batch.error) ||
            !optional_string(o, i, "err_code", code, batch.error) ||
            !optional_string(o, i, "err_msg", words, batch.error) ||
            !optional_string(o, i, "report_time", time, batch.error))
            break;
        r.detail = join_detail(code, words);
        r.at = parse_beijing_time(time);
        batch.receipts.push_back(std::move(r));
    }
    if (!batch.error.empty()) batch.receipts.clear();
    return batch;
}

ReceiptBatch parse_tencent_reports(std::string_view body) {
    ReceiptBatch batch;
    const auto array = report_array(body, batch.error);
    if (!array) return batch;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const json& o = (*array)[i];
        SmsReceipt r;
        std::string status, code, words, time, nation;
        if (!optional_string(o, i, "sid", r.ref, batch.error) ||
            !optional_string(o, i, "report_status", status, batch.error) ||
            !optional_string(o, i, "errmsg", code, batch.error) ||
            !optional_string(o, i, "description", words, batch.error) ||
            !optional_string(o, i, "mobile", r.phone, batch.error) ||
            !optional_string(o, i, "nationcode", nation, batch.error) ||
            !optional_string(o, i, "user_receive_time", time, batch.error))
            break;
        if (r.ref.empty()) {
            batch.error = where(i, "sid") + ": missing";
            break;
        }
        if (status != "SUCCESS" && status != "FAIL") {
            batch.error = where(i, "report_status") + ": expected \"SUCCESS\" or \"FAIL\"";
            break;
        }
        r.delivered = status == "SUCCESS";
        r.provider_ref = r.ref;
        r.detail = join_detail(code, words);
        r.at = parse_beijing_time(time);
        batch.receipts.push_back(std::move(r));
    }
    if (!batch.error.empty()) batch.receipts.clear();
    return batch;
}

}  // namespace huitou
