#include "io/template_store.h"

#include <nlohmann/json.hpp>

#include "io/redis_fields.h"
#include "io/redis_keys.h"

namespace huitou {

std::vector<SavedTemplate> TemplateStore::saved(const std::string& store) {
    const auto reply =
        redis_.command({"HGETALL", keys::saved_templates(store)}).expect_ok("HGETALL tpl");
    std::vector<SavedTemplate> out;
    for (const auto& [field, text] : field_map(reply)) {
        if (const auto parsed = parse_saved_template_field(field))
            out.push_back({parsed->first, parsed->second, text});
    }
    return out;
}

std::vector<TemplateVersion> TemplateStore::versions(const std::string& store,
                                                     const std::string& name, Channel channel) {
    const auto reply =
        redis_
            .command({"LRANGE", keys::template_versions(store, saved_template_field(name, channel)),
                      "0", "-1"})
            .expect_ok("LRANGE tpl:log");
    std::vector<TemplateVersion> out;
    for (const auto& item : reply.elements) {
        const auto j = nlohmann::json::parse(item.str, nullptr, false);
        if (!j.is_object()) continue;
        TemplateVersion v;
        v.at = SysSeconds{std::chrono::seconds{j.value("at", 0LL)}};
        v.by = j.value("by", "");
        v.action = j.value("action", "save");
        v.text = j.value("text", "");
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<std::string> TemplateStore::problems(const Config& config, const TemplateSet& base) {
    std::vector<std::string> out;
    for (const auto& [id, store] : config.stores) {
        for (const auto& t : saved(id)) {
            auto found = check_saved_template(config, store, base, t);
            out.insert(out.end(), found.begin(), found.end());
        }
    }
    return out;
}

void TemplateStore::write(const std::string& store, const std::string& field,
                          const RedisCommand& change, const TemplateVersion& version) {
    const std::string log = keys::template_versions(store, field);
    const nlohmann::json entry{{"at", version.at.time_since_epoch().count()},
                               {"by", version.by},
                               {"action", version.action},
                               {"text", version.text}};
    const auto replies =
        redis_.pipeline({{"MULTI"},
                         change,
                         {"LPUSH", log, entry.dump()},
                         {"LTRIM", log, "0", std::to_string(kTemplateVersions - 1)},
                         {"EXEC"}});
    for (const auto& r : replies)
        r.expect_ok("save template");
    if (replies.back().is_nil()) throw RedisReplyError("save template", "EXEC aborted");
}

void TemplateStore::save(const std::string& store, const SavedTemplate& saved,
                         const std::string& by, const std::string& action, SysSeconds at) {
    const std::string field = saved_template_field(saved.name, saved.channel);
    write(store, field, {"HSET", keys::saved_templates(store), field, saved.text},
          {at, by, action, saved.text});
}

void TemplateStore::reset(const std::string& store, const std::string& name, Channel channel,
                          const std::string& by, SysSeconds at) {
    const std::string field = saved_template_field(name, channel);
    write(store, field, {"HDEL", keys::saved_templates(store), field}, {at, by, "reset", ""});
}

}  // namespace huitou
