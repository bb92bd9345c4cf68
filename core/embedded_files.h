// embedded_files.h — the data compiled into every binary.
//
// The default config (config/huitou.toml), the default templates
// (templates/**) and the Lua scripts (scripts/*.lua) are embedded at build
// time (cmake/HuitouEmbed.cmake), so `huitou-scheduler` with no --config runs
// on sane defaults from any directory. Paths are the repository-relative paths
// of the source files. A configured template directory overrides the embedded
// templates file by file; the scripts are never read from disk.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace huitou {

struct EmbeddedFile {
    std::string_view path;     // e.g. "templates/zh-CN/birthday.mustache"
    std::string_view content;  // the file's bytes; static storage
};

// Every embedded file, in the order CMake listed them.
const std::vector<EmbeddedFile>& embedded_files();

// The content of the embedded file at `path`, or nullopt.
std::optional<std::string_view> embedded_file(std::string_view path);

}  // namespace huitou
