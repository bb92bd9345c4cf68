// config_error.h — the one exception a bad configuration raises.
//
// Its own header so the pieces of the loader (core/toml_walker.h and the
// readers of each table) can throw it without including the whole Config;
// core/config.h includes it, so callers catch it as before. The message is
// one line naming the file and the key; the programs print it and exit.
#pragma once

#include <stdexcept>

namespace huitou {

class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace huitou
