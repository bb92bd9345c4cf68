// wechat_crypt.h — WeChat's safe mode (安全模式): the message body encrypted.
//
// With an EncodingAESKey set on the account, WeChat sends <xml><ToUserName/>
// <Encrypt>…</Encrypt></xml> and adds msg_signature (hex SHA-1 of Token,
// timestamp, nonce and the Encrypt text, sorted and joined) to the URL. The
// scheme, from WeChat's 消息加解密 document:
//   AESKey  = Base64_Decode(EncodingAESKey + "=")   (43 characters → 32 bytes)
//   Encrypt = Base64(AES-256-CBC(AESKey, IV = AESKey[0..16),
//             PKCS#7 padded to a multiple of 32 bytes,
//             random(16) + msg_len (4 bytes, network order) + msg + appid))
// Decryption checks every step — the base64, the block length, the padding
// (1..32, all bytes equal), the length field, and that the trailing appid is
// ours: a message for another account is refused. OpenSSL's EVP does the
// cipher with its own padding off (its PKCS#7 is for 16-byte blocks).
// Replies are never encrypted here: huitou answers "success", which WeChat
// takes as "no reply" in every mode.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace huitou {

class WechatCrypt {
  public:
    // `encoding_aes_key`: the 43 characters from the account's settings.
    // Throws std::invalid_argument saying what is wrong with it.
    WechatCrypt(std::string_view encoding_aes_key, std::string app_id);

    // The plain message inside `encrypted` (the <Encrypt> text), or nullopt
    // with `error` saying which check failed.
    std::optional<std::string> decrypt(std::string_view encrypted, std::string* error) const;

    const std::string& app_id() const { return app_id_; }

  private:
    std::string key_;  // 32 bytes
    std::string app_id_;
};

// Standard Base64 decoded, or nullopt for anything but whole 4-character
// groups of the standard alphabet with '=' padding only at the end.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace huitou
