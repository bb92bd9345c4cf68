#include "io/http_client.h"

#include <curl/curl.h>

#include <mutex>

namespace huitou {
namespace {

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

struct HeaderList {
    curl_slist* list = nullptr;
    ~HeaderList() { curl_slist_free_all(list); }
};

}  // namespace

void HttpClient::Free::operator()(void* handle) const {
    curl_easy_cleanup(static_cast<CURL*>(handle));
}

HttpClient::HttpClient() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    handle_.reset(curl_easy_init());
    if (!handle_) throw HttpError("libcurl: cannot create a handle", false);
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::perform(const OutgoingRequest& request) {
    CURL* curl = static_cast<CURL*>(handle_.get());
    curl_easy_reset(curl);
    HttpResponse response;
    HeaderList headers;
    for (const auto& h : request.headers)
        headers.list = curl_slist_append(headers.list, h.c_str());
    // "Expect: 100-continue" would add a round trip to every POST.
    headers.list = curl_slist_append(headers.list, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<long long>(request.timeout.count(), 5000)));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (request.method == "POST") {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
    } else {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
    const CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        // Whether any of the request went out: nothing written means the
        // server cannot have acted on it.
        long request_size = 0;
        curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_size);
        const bool maybe_sent = request_size > 0 && rc != CURLE_COULDNT_CONNECT &&
                                rc != CURLE_COULDNT_RESOLVE_HOST &&
                                rc != CURLE_COULDNT_RESOLVE_PROXY;
        // The URL may carry a signature or a token: name only the host part.
        std::string where = request.url.substr(0, request.url.find('?'));
        throw HttpError(where + ": " + curl_easy_strerror(rc), maybe_sent);
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (unsigned char c : text) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xF]);
        }
    }
    return out;
}

std::string percent_decode(std::string_view text) {
    const auto value = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out.push_back(' ');
        } else if (text[i] == '%' && i + 2 < text.size() && value(text[i + 1]) >= 0 &&
                   value(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(value(text[i + 1]) * 16 + value(text[i + 2])));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

}  // namespace huitou
