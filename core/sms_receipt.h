// sms_receipt.h — an SMS provider's delivery receipt, read and mapped to what
// record_delivery keeps.
//
// Aliyun (SmsReport, HTTP batch push) and Tencent (短信下发状态回调) push a
// JSON array of reports; both can also be asked (QuerySendDetails,
// PullSmsSendStatus). Here, pure: a pushed body read and checked — one bad
// element refuses the whole body, with an error naming the element and the
// field, so nothing is half recorded — and each report reduced to what it is
// about and what it says: the reference huitou sent with the message
// (`receipt_ref`: "<store>/<job id>", as Aliyun's OutId and Tencent's
// SessionContext; a job id alone is unique only within its store) or, for
// Tencent's push, which echoes only Tencent's SerialNo (`sid`), that; and the
// outcome as record_delivery.lua takes it: `delivered`, or `undelivered` with
// the carrier's code and words kept as the detail (what Kannel's type 2 does).
// Not here: finding a SerialNo's job (io/receipt_index.h), recording, answering.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace huitou {

// The store and job a provider's echo names.
struct ReceiptRef {
    std::string store;
    std::string job_id;
    friend bool operator==(const ReceiptRef&, const ReceiptRef&) = default;
};

// "<store>/<job id>": what huitou sends as Aliyun's OutId and Tencent's
// SessionContext. A store id never holds '/' (core/member.h).
std::string receipt_ref(std::string_view store, std::string_view job_id);
// The inverse; nullopt unless `text` is a valid store id, '/', a non-empty job id.
std::optional<ReceiptRef> parse_receipt_ref(std::string_view text);

// One report from a provider.
struct SmsReceipt {
    std::string ref;           // Aliyun out_id; Tencent sid (push) or SessionContext (pull)
    std::string provider_ref;  // Aliyun biz_id, Tencent SerialNo
    std::string phone;         // as the provider wrote it (logged masked only)
    bool delivered = false;
    std::string detail;            // the carrier's code and words: "MK:0001 用户关机"
    std::optional<SysSeconds> at;  // when the carrier reported, if the report says
};

// record_delivery.lua's status for `r`: "delivered" or "undelivered".
std::string_view delivery_status(const SmsReceipt& r);

// A pushed body: its reports, or why it was refused ("[2].success: expected
// true or false"); `error` empty when read.
struct ReceiptBatch {
    std::vector<SmsReceipt> receipts;
    std::string error;
};

// Aliyun's SmsReport array: phone_number, send_time, report_time, success,
// err_code, err_msg, sms_size, biz_id, out_id. `success` (a boolean) and
// `out_id` (a string, possibly empty) are required; the rest are read when
// present and must be strings then.
ReceiptBatch parse_aliyun_reports(std::string_view body);

// Tencent's status callback array: user_receive_time, nationcode, mobile,
// report_status ("SUCCESS" or "FAIL"), errmsg, description, sid. `sid` (not
// empty) and `report_status` are required; the rest must be strings when present.
ReceiptBatch parse_tencent_reports(std::string_view body);

// "2017-01-01 00:00:00" in Beijing time (both providers' reports) → instant.
std::optional<SysSeconds> parse_beijing_time(std::string_view text);

}  // namespace huitou
