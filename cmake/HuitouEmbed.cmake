# huitou_embed(OUTPUT <cpp> FILES <paths relative to the source root>...)
#
# Compiles data files (the default config, the templates, the Lua scripts) into
# the binaries, so every program runs on its embedded defaults from anywhere.
# The generated source defines huitou::embedded_files() (see core/embedded_files.h);
# it is regenerated whenever one of the files changes.
function(huitou_embed)
  cmake_parse_arguments(E "" "OUTPUT" "FILES" ${ARGN})
  set(deps)
  foreach(f IN LISTS E_FILES)
    list(APPEND deps ${CMAKE_SOURCE_DIR}/${f})
  endforeach()
  string(REPLACE ";" "|" files_arg "${E_FILES}")
  add_custom_command(
    OUTPUT ${E_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DROOT=${CMAKE_SOURCE_DIR} -DOUT=${E_OUTPUT}
            "-DFILES=${files_arg}" -P ${CMAKE_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${deps} ${CMAKE_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding default config, templates and scripts"
    VERBATIM)
endfunction()
