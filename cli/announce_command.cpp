#include "cli/announce_command.h"

#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/policy_commands.h"
#include "io/announcement_store.h"
#include "scheduler/day_preview.h"

namespace huitou {

void AnnounceCommand::add_to(CLI::App& app) {
    command_ = app.add_subcommand(
        "announce", "Announcements: a one-off message to the members whose tags match");
    command_->require_subcommand(1);
    auto store = [&](CLI::App* c) { c->add_option("--store", store_, "The store")->required(); };
    create_ = command_->add_subcommand("create", "Schedule an announcement on a date");
    store(create_);
    create_->add_option("--tags", request_.tags, "The tags it is about: 历史小说;乐高")->required();
    create_->add_option("--match", request_.match, "any (default): one of the tags; all: every one")
        ->check(CLI::IsMember({"any", "all"}));
    create_->add_option("--segments", request_.segments,
                        "Only members of these value segments: 重要价值|重要保持");
    create_->add_option("--template", request_.template_name,
                        "The template (announcement.<name>): new_arrivals (default), event");
    create_->add_option("--date", request_.date, "The day it goes: YYYY-MM-DD, after today")
        ->required();
    create_->add_option("--id", request_.id, "Its id (a-z 0-9 _ -); default: made from the date");
    create_->add_option("--by", by_, "Who asks (recorded)");
    list_ = command_->add_subcommand("list", "A store's announcements by date");
    store(list_);
    preview_ = command_->add_subcommand(
        "preview", "Who gets an announcement on its date, and why the others do not");
    store(preview_);
    preview_->add_option("--id", id_, "The announcement")->required();
    cancel_ = command_->add_subcommand("cancel", "Cancel an announcement and its planned messages");
    store(cancel_);
    cancel_->add_option("--id", id_, "The announcement")->required();
    cancel_->add_option("--by", by_, "Who asks (recorded)");
    for (CLI::App* c : {create_, list_, preview_, cancel_})
        c->add_flag("--json", json_, "JSON");
}

std::optional<int> AnnounceCommand::run(const Runtime& rt, std::ostream& out, std::ostream& err) {
    if (!command_ || !*command_) return std::nullopt;
    const StoreConfig* store = rt.config.find_store(store_);
    if (!store) {
        err << "huitou announce: --store " << store_ << ": not a store of the config\n";
        return 2;
    }
    const SysSeconds now = rt.clock->now();
    const Date today = local_date(now, store->zone);
    RedisConnection redis(rt.redis);
    AnnouncementStore announcements(redis);

    if (*create_) {
        auto checked = check_announcement(request_, store->id, today, by_, now);
        if (!checked.announcement) {
            err << "huitou announce create: " << checked.error << "\n";
            return 2;
        }
        const auto id = announcements.create(*checked.announcement);
        if (!id) {
            err << "huitou announce create: id: " << request_.id << " exists already at "
                << store->id << "\n";
            return 3;
        }
        const auto a = announcements.get(store->id, *id);
        if (json_) {
            out << announcement_json(*a, today, store->zone).dump(2) << "\n";
        } else {
            out << store->id << ": announcement " << *id << " on " << format_date(a->date)
                << " to members with " << to_string(a->match) << " of " << join_tags(a->tags)
                << " (template " << announcement_template(a->template_name) << ")\n";
        }
        return 0;
    }
    if (*list_) {
        const auto all = announcements.list(store->id);
        if (json_) {
            auto list = nlohmann::json::array();
            for (const auto& a : all)
                list.push_back(announcement_json(a, today, store->zone));
            out << nlohmann::json{{"store", store->id}, {"announcements", list}}.dump(2) << "\n";
            return 0;
        }
        out << store->id << ": " << all.size() << " announcements\n";
        for (const auto& a : all) {
            out << "  " << a.id << "  " << format_date(a.date) << "  "
                << to_string(state_on(a, today)) << "  " << to_string(a.match) << ":"
                << join_tags(a.tags) << "  " << announcement_template(a.template_name) << "  by "
                << a.created_by << "\n";
        }
        return 0;
    }
    const auto a = announcements.get(store->id, id_);
    if (!a) {
        err << "huitou announce: no announcement " << id_ << " at " << store->id << "\n";
        return 3;
    }
    if (*preview_) {
        const TemplateSet templates = load_templates(rt.config);
        auto previews = preview_day(redis, rt.config, templates, a->date, store->id, now);
        for (auto& p : previews)
            p = only_announcement(std::move(p), *a);
        if (a->cancelled && !json_) out << a->id << " is cancelled: nothing is planned for it\n";
        print_preview(previews, rt.config, json_, out);
        return 0;
    }
    // cancel
    const auto c = announcements.cancel(rt.config, store->id, id_, by_, now);
    if (json_) {
        out << nlohmann::json{{"store", store->id},
                              {"id", id_},
                              {"state", "cancelled"},
                              {"was_cancelled", c.was_cancelled},
                              {"jobs_cancelled", c.jobs_cancelled},
                              {"jobs_left", c.jobs_gone}}
                   .dump(2)
            << "\n";
    } else {
        out << store->id << ": announcement " << id_
            << (c.was_cancelled ? " was cancelled already" : " cancelled") << "; "
            << c.jobs_cancelled << " planned messages cancelled";
        if (c.jobs_gone) out << ", " << c.jobs_gone << " gone already (left as they are)";
        out << "\n";
    }
    return 0;
}

}  // namespace huitou
