// keygen_command.h — `huitou keygen`: a new CURVE key pair for the config.
//
// Prints the public key as a config line and the secret key alone on the
// line after a comment, so an operator can paste the first into huitou.toml
// and send the output through `tail -n1 > key.secret` for the secret file.
// Needs no config and no Redis. The secret goes to stdout only: never to a
// log.
#pragma once

#include <ostream>
#include <string_view>

namespace huitou {

// `role` is "scheduler" or "worker" (which config keys the lines name).
// Returns the exit status: 0, or 1 when libzmq has no CURVE.
int run_keygen(std::string_view role, std::ostream& out, std::ostream& err);

}  // namespace huitou
