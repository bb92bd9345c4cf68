#include "cli/keygen_command.h"

#include "io/curve.h"

namespace huitou {

int run_keygen(std::string_view role, std::ostream& out, std::ostream& err) {
    CurveKeyPair pair;
    try {
        pair = generate_curve_key_pair();
    } catch (const std::exception& e) {
        err << "huitou keygen: " << e.what() << "\n";
        return 1;
    }
    const bool server = role == "scheduler";
    out << "# [curve] in every process's config:\n";
    if (server) {
        out << "server_public_key = \"" << pair.public_key << "\"\n";
        out << "# the scheduler's secret key: the last line alone, into the file\n"
               "# curve.server_secret_key_file names (mode 0600), or its _env variable:\n";
    } else {
        out << "# add to the scheduler's curve.allowed_clients, and in this worker's config:\n";
        out << "client_public_key = \"" << pair.public_key << "\"\n";
        out << "# this worker's secret key: the last line alone, into the file\n"
               "# curve.client_secret_key_file names (mode 0600), or its _env variable:\n";
    }
    out << pair.secret_key << "\n";
    return 0;
}

}  // namespace huitou
