// template_store.h — a store's templates saved in the console, in Redis.
//
// The current text of each saved template is a field of one hash per store
// (hu:{S}:tpl, "<name>.<channel>" → text), so planning reads them all with
// one HGETALL. Every save also pushes a version — when, by whom, what, and
// the text — onto the template's list (hu:{S}:tpl:log:<name>.<channel>),
// newest first, trimmed to the last kTemplateVersions: the text replaced is
// the previous version's, so nothing saved is lost until 50 saves later.
// Hash and list change in one MULTI/EXEC. A reset takes the field away (the
// file's template is used again) and is a version too, with no text.
// Checking is the caller's (core/saved_templates.h): this stores what it is
// given. Two people saving at once: the last one wins, both are versions.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/saved_templates.h"
#include "io/redis_connection.h"

namespace huitou {

inline constexpr std::size_t kTemplateVersions = 50;

struct TemplateVersion {
    SysSeconds at{};
    std::string by;  // the account (or "admin")
    std::string
        action;        // "save", "restore" (an older text saved again), "reset" (back to the file)
    std::string text;  // the text saved; empty for a reset
};

class TemplateStore {
  public:
    explicit TemplateStore(RedisConnection& redis) : redis_(redis) {}

    // The store's saved templates (fields that name no channel are skipped).
    // Throws RedisError.
    std::vector<SavedTemplate> saved(const std::string& store);

    // The versions of (store, name, channel), newest first. A version that
    // is not JSON (written by hand) is skipped. Throws RedisError.
    std::vector<TemplateVersion> versions(const std::string& store, const std::string& name,
                                          Channel channel);

    // Makes `saved` the store's template and records the version (`action`
    // "save" or "restore"). Throws RedisError, RedisReplyError.
    void save(const std::string& store, const SavedTemplate& saved, const std::string& by,
              const std::string& action, SysSeconds at);

    // Takes the saved template away (the files' is used again), recording a
    // "reset" version. Throws RedisError, RedisReplyError.
    void reset(const std::string& store, const std::string& name, Channel channel,
               const std::string& by, SysSeconds at);

    // Every problem of every store's saved templates over `base`, one line
    // each (check_saved_template's): what `huitou check-config` reports.
    // Throws RedisError.
    std::vector<std::string> problems(const Config& config, const TemplateSet& base);

  private:
    void write(const std::string& store, const std::string& field, const RedisCommand& change,
               const TemplateVersion& version);

    RedisConnection& redis_;
};

}  // namespace huitou
