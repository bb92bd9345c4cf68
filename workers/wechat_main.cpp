// huitou-wechat — sends WeChat jobs through the configured provider.
#include "workers/worker_main.h"

int main(int argc, char** argv) {
    return huitou::worker_main(huitou::Channel::wechat, argc, argv);
}
