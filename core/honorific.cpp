#include "core/honorific.h"

#include <array>

#include "core/utf8.h"

namespace huitou {
namespace {

// Compound surnames (复姓) still in use, from the 百家姓 list.
constexpr std::array<std::string_view, 60> compound_surnames{
    "欧阳", "太史", "端木", "上官", "司马", "东方", "独孤", "南宫", "万俟", "闻人", "夏侯", "诸葛",
    "尉迟", "公羊", "赫连", "澹台", "皇甫", "宗政", "濮阳", "公冶", "太叔", "申屠", "公孙", "慕容",
    "仲孙", "钟离", "长孙", "宇文", "司徒", "鲜于", "司空", "闾丘", "子车", "亓官", "司寇", "巫马",
    "公西", "颛孙", "壤驷", "公良", "漆雕", "乐正", "宰父", "谷梁", "拓跋", "夹谷", "轩辕", "令狐",
    "段干", "百里", "呼延", "东郭", "南门", "羊舌", "微生", "梁丘", "左丘", "西门", "第五", "即墨"};

// The length in bytes of the UTF-8 sequence starting with `lead`.
std::size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    return 4;
}

// CJK Unified Ideographs and Extension A, the blocks names are written in;
// rarer characters (Extension B+) are 4-byte and also accepted.
bool starts_with_cjk(std::string_view s) {
    if (s.size() < 3) return false;
    const auto b0 = static_cast<unsigned char>(s[0]);
    const auto b1 = static_cast<unsigned char>(s[1]);
    if (b0 == 0xE4 && b1 >= 0xB8) return true;     // U+4E00..
    if (b0 >= 0xE5 && b0 <= 0xE9) return true;     // ..U+9FFF
    if (b0 == 0xE3 && b1 >= 0x90) return true;     // U+3400.. (Extension A)
    if (b0 == 0xF0 && s.size() >= 4) return true;  // U+20000.. (Extension B and later)
    return false;
}

}  // namespace

std::string chinese_surname(std::string_view name) {
    name = trim(name);
    if (!starts_with_cjk(name)) return {};
    for (const auto compound : compound_surnames) {
        if (name.starts_with(compound) && name.size() > compound.size())
            return std::string(compound);
    }
    return std::string(name.substr(0, sequence_length(static_cast<unsigned char>(name[0]))));
}

std::string honorific(std::string_view name, Gender gender) {
    name = trim(name);
    if (name.empty()) return {};
    const std::string surname = chinese_surname(name);
    if (surname.empty() || gender == Gender::unknown) return std::string(name);
    return surname + (gender == Gender::female ? "女士" : "先生");
}

}  // namespace huitou
