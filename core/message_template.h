// message_template.h — the words of every message, as Mustache templates.
//
// Templates live under templates/<locale>/ (zh-CN): "<name>.mustache", with
// optional per-channel ("birthday.wechat.mustache") and per-store
// ("<store>/birthday.mustache") variants; the most specific wins. A name is a
// kind ("birthday", "festival") or a kind and a variant ("festival.mid_autumn",
// named by a festival in holidays.toml). A configured directory overrides the
// embedded defaults file by file.
//
// Rendering is kainjow's Mustache with HTML escaping turned off (an SMS is
// not HTML) — and values are only ever data: a member called "{{store}}" is
// greeted as "{{store}}". Templates are checked when loaded: a tag that names
// no known variable, a partial, or an optional variable used outside its own
// section ({{#age}}…{{age}}…{{/age}}), or a variable of another kind
// ({{festival}} in a card_expiry template) is a ConfigError naming the file.
// Merge templates ("birthday+festival.mustache": one message for two
// occasions, core/delivery_policy.h) may use the variables of both kinds; a
// channel whose provider sends registered templates (Aliyun, Tencent, the
// WeChat official account) only has the merge templates registered with it.
// Every non-optional variable has a fallback (尊敬的会员), so a rendered
// message never has an empty hole or a raw tag.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/job.h"

namespace huitou {

struct TemplateVariable {
    std::string_view name;
    bool optional;              // may be absent: usable only inside {{#name}}…{{/name}}
    std::string_view fallback;  // for non-optional variables without a value
    std::vector<Kind> kinds;    // the kinds whose templates may use it; empty: all
};

// Every variable a template may use, with its fallback.
const std::vector<TemplateVariable>& template_variables();

using TemplateValues = std::map<std::string, std::string, std::less<>>;

class TemplateSet {
  public:
    // Reads a template file by its path relative to the template root
    // ("zh-CN/birthday.mustache"); nullopt if there is no such file.
    using FileReader = std::function<std::optional<std::string>(const std::string& path)>;

    // Loads and checks every template the configured stores can use. Files
    // come from `read_configured` (the configured directory; may be null) and
    // then from the embedded defaults. Throws ConfigError.
    static TemplateSet load(const Config& config, const FileReader& read_configured);

    // The template names `store` can use on `channel`, in load's order: the
    // kinds, the festivals it greets ("festival.mid_autumn"), and the merge
    // templates its provider for the channel sends.
    static std::vector<std::string> names_for(const Config& config, const StoreConfig& store,
                                              Channel channel);

    // Puts `text` as (store, name, channel), the most specific template,
    // after the checks load runs on a file; `source` names it in messages.
    // Throws ConfigError "<source>: <problem>", leaving the set unchanged.
    void put(std::string_view store, std::string_view name, Channel channel, std::string_view text,
             std::string source);

    // A copy holding only `store`'s templates (they are shared, not copied).
    TemplateSet for_store(std::string_view store) const;

    // Checks one template's text, as a template of `kind` when given (of
    // several kinds: a merge template may use the variables of each);
    // returns the problem, or empty if it is fine.
    static std::string check(std::string_view text, std::optional<Kind> kind = std::nullopt);
    static std::string check(std::string_view text, const std::vector<Kind>& kinds);

    // The kind a template name belongs to ("festival.mid_autumn" → festival).
    static std::optional<Kind> kind_of(std::string_view name);
    // The kinds of a name, a merge template's too ("birthday+festival" →
    // birthday, festival); empty when it names none.
    static std::vector<Kind> kinds_of(std::string_view name);

    // True when `store` has a template for `kind` (its general template).
    bool has(std::string_view store, Kind kind, Channel channel) const;
    bool has(std::string_view store, std::string_view name, Channel channel) const;

    // The message for (store, template, channel) with `values`; nullopt when
    // no template exists. Missing non-optional values take their fallback.
    std::optional<std::string> render(std::string_view store, Kind kind, Channel channel,
                                      const TemplateValues& values) const;
    std::optional<std::string> render(std::string_view store, std::string_view name,
                                      Channel channel, const TemplateValues& values) const;

    // The template's text as written, or empty when there is none.
    std::string text(std::string_view store, std::string_view name, Channel channel) const;

    // The template's source name (for messages), or empty.
    std::string source(std::string_view store, Kind kind, Channel channel) const;
    std::string source(std::string_view store, std::string_view name, Channel channel) const;

  private:
    struct Compiled;
    const Compiled* find(std::string_view store, std::string_view name, Channel channel) const;

    // key: "<store>|<name>|<channel>"
    std::map<std::string, std::shared_ptr<Compiled>, std::less<>> templates_;
};

}  // namespace huitou
