// log_mask.h — recipients as logs may show them.
//
// Logs are read by more people than the member list is, and kept longer: a
// log line names a job and its store, never a whole phone number or openid.
// Enough stays to tell two recipients apart and to find one you already know:
// a mobile keeps its first 3 and last 4 digits (138****8000, as Chinese
// receipts print it; core/phone_number.h), an openid its first and last 4
// characters (oAbC****xYz9). Anything too short to keep both ends, or not
// plain ASCII, becomes "****". Pure; used wherever a log prints a recipient.
#pragma once

#include <string>
#include <string_view>

#include "core/job.h"

namespace huitou {

// "oAbCdEfGhIjKlMnOpQrStUvWxYz9" → "oAbC****xYz9".
std::string mask_openid(std::string_view openid);

// A job's recipient on `channel`: a phone number for SMS, an openid for WeChat.
std::string mask_recipient(Channel channel, std::string_view to);

}  // namespace huitou
