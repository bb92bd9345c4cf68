# Every dependency as an imported target, from Debian packages only.
# Packages that ship a CMake config are found with find_package; the others
# (hiredis 0.14, libphonenumber, cpp-httplib, kainjow mustache) get a small
# imported target here, so the rest of the build never sees a raw path.

find_package(Threads REQUIRED)
find_package(cppzmq REQUIRED)                 # cppzmq-dev (brings libzmq)
find_package(nlohmann_json 3.10 REQUIRED)     # nlohmann-json3-dev
find_package(tomlplusplus REQUIRED)           # libtomlplusplus-dev
find_package(CLI11 REQUIRED)                  # libcli11-dev
find_package(spdlog REQUIRED)                 # libspdlog-dev
find_package(date REQUIRED)                   # libhowardhinnant-date-dev
find_package(ICU REQUIRED COMPONENTS uc i18n) # libicu-dev
find_package(OpenSSL REQUIRED)                # libssl-dev
find_package(CURL REQUIRED)                   # libcurl4-openssl-dev
find_package(EXPAT REQUIRED)                  # libexpat1-dev (WeChat's XML events)

# hiredis 0.14 ships a config that only sets variables.
find_path(HIREDIS_INCLUDE_DIR hiredis/hiredis.h REQUIRED)
find_library(HIREDIS_LIBRARY NAMES hiredis REQUIRED)
add_library(hiredis::hiredis UNKNOWN IMPORTED)
set_target_properties(hiredis::hiredis PROPERTIES
  IMPORTED_LOCATION ${HIREDIS_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${HIREDIS_INCLUDE_DIR})

# libphonenumber-dev: no CMake config in Debian 12.
find_path(PHONENUMBER_INCLUDE_DIR phonenumbers/phonenumberutil.h REQUIRED)
find_library(PHONENUMBER_LIBRARY NAMES phonenumber REQUIRED)
add_library(phonenumber::phonenumber UNKNOWN IMPORTED)
set_target_properties(phonenumber::phonenumber PROPERTIES
  IMPORTED_LOCATION ${PHONENUMBER_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${PHONENUMBER_INCLUDE_DIR})

# libkainjow-mustache-dev: header only.
find_path(MUSTACHE_INCLUDE_DIR kainjow/mustache.hpp REQUIRED)
add_library(kainjow::mustache INTERFACE IMPORTED)
set_target_properties(kainjow::mustache PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES ${MUSTACHE_INCLUDE_DIR})

# libsodium-dev: no CMake config; Argon2id for the console's passwords.
find_path(SODIUM_INCLUDE_DIR sodium.h REQUIRED)
find_library(SODIUM_LIBRARY NAMES sodium REQUIRED)
add_library(sodium::sodium UNKNOWN IMPORTED)
set_target_properties(sodium::sodium PROPERTIES
  IMPORTED_LOCATION ${SODIUM_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${SODIUM_INCLUDE_DIR})

# libcpp-httplib-dev: a compiled library with a pkg-config file only.
find_path(HTTPLIB_INCLUDE_DIR httplib.h REQUIRED)
find_library(HTTPLIB_LIBRARY NAMES cpp-httplib REQUIRED)
add_library(httplib::httplib UNKNOWN IMPORTED)
set_target_properties(httplib::httplib PROPERTIES
  IMPORTED_LOCATION ${HTTPLIB_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${HTTPLIB_INCLUDE_DIR}
  INTERFACE_COMPILE_DEFINITIONS "CPPHTTPLIB_OPENSSL_SUPPORT;CPPHTTPLIB_ZLIB_SUPPORT;CPPHTTPLIB_BROTLI_SUPPORT"
  INTERFACE_LINK_LIBRARIES "OpenSSL::SSL;OpenSSL::Crypto;Threads::Threads")

if(HUITOU_TESTS)
  find_package(Catch2 2 REQUIRED)             # catch2 (v2)
endif()
