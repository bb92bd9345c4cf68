// saved_templates.h — a store's templates as saved in the console, over the files.
//
// The console lets an owner rewrite a store's template (io/template_store.h
// keeps it in Redis, versioned). A saved text is the most specific template
// of its store: it wins over "<store>/<name>.mustache", which wins over the
// locale's file and the embedded default. Before it is saved, and again each
// time planning or check-config applies it, it passes exactly what a file
// passes at load (TemplateSet::put: tags, optional sections, variables of
// another kind; messages "<source>: <problem>" as load's ConfigError), plus
// a name the store uses on that channel, plus — by SMS — the store's
// sms_max_parts with its signature and unsubscribe text, and the provider's
// banned words (core/sms_template_check.h). Pure: the caller reads Redis.
// A saved template that fails (put into Redis by hand, or the config changed
// under it) is left out when applied — the file's template stays — and its
// problems are returned for the log and for check-config.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/job.h"
#include "core/message_template.h"

namespace huitou {

struct SavedTemplate {
    std::string name;  // "birthday", "festival.mid_autumn", "birthday+festival"
    Channel channel = Channel::sms;
    std::string text;

    friend bool operator==(const SavedTemplate&, const SavedTemplate&) = default;
};

// "birthday.sms": the hash field a saved template is kept under.
std::string saved_template_field(std::string_view name, Channel channel);
// "birthday.sms" → ("birthday", sms); nullopt when it ends in no channel.
std::optional<std::pair<std::string, Channel>> parse_saved_template_field(std::string_view field);

// How messages name a saved template: "console template toyland/birthday.sms".
std::string saved_template_source(std::string_view store, std::string_view name, Channel channel);

// Every problem `saved` has as a template of `store` over `base` (the
// templates loaded from files), one line each; empty when it may be saved.
std::vector<std::string> check_saved_template(const Config& config, const StoreConfig& store,
                                              const TemplateSet& base, const SavedTemplate& saved);

struct AppliedTemplates {
    TemplateSet templates;              // `store`'s templates only (TemplateSet::for_store)
    std::vector<std::string> problems;  // of the saved templates left out
};

// `store`'s templates: `base`'s, with each of `saved` that passes
// check_saved_template over them.
AppliedTemplates apply_saved_templates(const Config& config, const StoreConfig& store,
                                       const TemplateSet& base,
                                       const std::vector<SavedTemplate>& saved);

}  // namespace huitou
