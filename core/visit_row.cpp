#include "core/visit_row.h"

#include <algorithm>
#include <array>

#include "core/utf8.h"

namespace huitou {

VisitRowParser::VisitRowParser(std::string default_store)
    : default_store_(std::move(default_store)) {}

std::optional<VisitRowParser::Column> VisitRowParser::column_named(std::string_view raw) {
    struct Alias {
        std::string_view name;
        Column column;
    };
    static constexpr std::array aliases{
        Alias{"member_id", Column::member_id},   Alias{"id", Column::member_id},
        Alias{"会员号", Column::member_id},      Alias{"会员编号", Column::member_id},
        Alias{"store", Column::store},           Alias{"门店", Column::store},
        Alias{"visited_at", Column::visited_at}, Alias{"time", Column::visited_at},
        Alias{"到店时间", Column::visited_at},   Alias{"消费时间", Column::visited_at},
        Alias{"amount", Column::amount},         Alias{"金额", Column::amount},
        Alias{"消费金额", Column::amount},       Alias{"visit_id", Column::visit_id},
        Alias{"单号", Column::visit_id},         Alias{"流水号", Column::visit_id},
    };
    std::string name(trim(raw));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& a : aliases) {
        if (a.name == name) return a.column;
    }
    return std::nullopt;
}

std::string VisitRowParser::set_header(const std::vector<std::string>& names) {
    header_.clear();
    ignored_.clear();
    std::vector<Column> seen;
    for (const auto& raw : names) {
        const auto column = column_named(raw);
        if (!column) {
            ignored_.emplace_back(trim(raw));
            header_.push_back(Column::ignored);
            continue;
        }
        if (std::find(seen.begin(), seen.end(), *column) != seen.end()) {
            return "the header names column \"" + std::string(trim(raw)) + "\" twice";
        }
        seen.push_back(*column);
        header_.push_back(*column);
    }
    for (const auto& [column, name] :
         {std::pair{Column::member_id, "member_id"}, std::pair{Column::visited_at, "visited_at"}}) {
        if (std::find(seen.begin(), seen.end(), column) == seen.end()) {
            return std::string("the header has no ") + name +
                   " column (columns: member_id, store, visited_at, amount, visit_id)";
        }
    }
    return {};
}

VisitCheck VisitRowParser::parse(const std::vector<std::string>& fields, const Config& config,
                                 SysSeconds now) const {
    if (fields.size() > header_.size()) {
        return {std::nullopt, "the row has " + std::to_string(fields.size()) +
                                  " fields but the header has " + std::to_string(header_.size())};
    }
    VisitInput in;
    in.store = default_store_;
    for (std::size_t i = 0; i < header_.size() && i < fields.size(); ++i) {
        const auto& v = fields[i];
        if (header_[i] == Column::ignored) continue;
        if (!is_valid_utf8(v)) {
            return {std::nullopt, "not valid UTF-8 (is the file saved as GBK? save it as UTF-8)"};
        }
        switch (header_[i]) {
            case Column::member_id:
                in.member_id = v;
                break;
            case Column::store:
                if (!trim(v).empty()) in.store = v;
                break;
            case Column::visited_at:
                in.visited_at = v;
                if (trim(v).empty()) return {std::nullopt, "visited_at is empty"};
                break;
            case Column::amount:
                in.amount = v;
                break;
            case Column::visit_id:
                in.visit_id = v;
                break;
            case Column::ignored:
                break;
        }
    }
    if (trim(in.visited_at).empty()) return {std::nullopt, "visited_at is empty"};
    if (trim(in.store).empty())
        return {std::nullopt, "store is missing (add a store column or --store)"};
    return make_visit(in, config, now);
}

}  // namespace huitou
