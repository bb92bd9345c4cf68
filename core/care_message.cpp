#include "core/care_message.h"

#include "core/phone_number.h"
#include "core/send_window.h"

namespace huitou {

std::vector<std::string> care_robot_texts(const std::string& store_name, const CareDay& day,
                                          const CareConfig& config) {
    std::vector<std::string> out;
    if (day.rows.empty()) return out;
    std::vector<std::string> lines;
    int rank = 0;
    for (const auto& r : day.rows) {
        std::string phone = r.phone.empty()           ? "无电话"
                            : config.robot_full_phone ? r.phone
                                                      : mask_phone(r.phone);
        std::string line = std::to_string(++rank) + ". " +
                           (r.name.empty() ? r.entry.member : r.name) + " " + phone + " " +
                           std::string(segment_name(r.entry.segment));
        if (r.last_visit) line += " 上次到店 " + format_date(*r.last_visit);
        if (r.hours != config.hours) line += " 宜在 " + format_time_windows(r.hours) + " 致电";
        lines.push_back(line + "\n");
    }
    const std::string title = "**" + store_name + " 今日回访 " + format_date(day.day) + "**\n" +
                              std::to_string(day.rows.size()) + " 位会员，请在 " +
                              format_time_windows(config.hours) +
                              " 致电，在控制台「回访」记下结果。\n";
    // Cut at line ends; the title (with "(i/n)" added later, ≤ 16 bytes) on each.
    std::vector<std::string> bodies{""};
    for (const auto& line : lines) {
        if (title.size() + 16 + bodies.back().size() + line.size() > kRobotContentMax &&
            !bodies.back().empty())
            bodies.emplace_back();
        bodies.back() += line;
    }
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        std::string head = title;
        if (bodies.size() > 1)
            head.insert(head.find("**\n"),
                        " (" + std::to_string(i + 1) + "/" + std::to_string(bodies.size()) + ")");
        out.push_back(head + bodies[i]);
    }
    return out;
}

}  // namespace huitou
