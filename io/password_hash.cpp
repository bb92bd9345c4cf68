#include "io/password_hash.h"

#include <sodium.h>

#include <stdexcept>

#include "io/random_bytes.h"

namespace huitou {
namespace {

constexpr auto kOps = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr auto kMem = crypto_pwhash_MEMLIMIT_INTERACTIVE;

void start_sodium() {
    // sodium_init is safe to call from several threads and more than once;
    // the static makes it once.
    static const int started = sodium_init();
    if (started < 0) throw std::runtime_error("libsodium could not start (sodium_init)");
}

}  // namespace

std::string hash_password(std::string_view password) {
    start_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), kOps, kMem) != 0)
        throw std::runtime_error("cannot hash a password: out of memory (Argon2id, 64 MiB)");
    return out;
}

bool verify_password(std::string_view stored, std::string_view password) {
    start_sodium();
    // crypto_pwhash_str_verify reads a NUL-terminated string.
    if (stored.empty() || stored.size() >= crypto_pwhash_STRBYTES) return false;
    const std::string text(stored);
    return crypto_pwhash_str_verify(text.c_str(), password.data(), password.size()) == 0;
}

bool password_needs_rehash(std::string_view stored) {
    start_sodium();
    const std::string text(stored);
    return crypto_pwhash_str_needs_rehash(text.c_str(), kOps, kMem) != 0;
}

void spend_password_check(std::string_view password) {
    // A hash of a random password no one knows, made once per process.
    static const std::string dummy = hash_password(random_bytes(32, "a dummy password"));
    (void)verify_password(dummy, password);
}

}  // namespace huitou
