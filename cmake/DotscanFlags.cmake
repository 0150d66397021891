# Interface targets that carry compiler and linker flags. Nothing here touches global flags:
# a target opts in by linking dotscan_build_flags.

add_library(dotscan_warnings INTERFACE)
target_compile_options(dotscan_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wdouble-promotion
  -Wformat=2 -Wimplicit-fallthrough)
if(DOTSCAN_WERROR)
  target_compile_options(dotscan_warnings INTERFACE -Werror)
endif()

add_library(dotscan_hardening INTERFACE)
target_compile_options(dotscan_hardening INTERFACE
  -fstack-protector-strong -fstack-clash-protection -fPIE
  $<$<NOT:$<CONFIG:Debug>>:-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2>)
target_link_options(dotscan_hardening INTERFACE -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)

add_library(dotscan_sanitizers INTERFACE)
if(DOTSCAN_SANITIZE)
  target_compile_options(dotscan_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(dotscan_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# libFuzzer instrumentation for the libraries under test; the fuzz executables add
# -fsanitize=fuzzer themselves (tests/fuzz/CMakeLists.txt).
add_library(dotscan_fuzzing INTERFACE)
if(DOTSCAN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "DOTSCAN_FUZZ needs clang (CXX=clang++)")
  endif()
  target_compile_options(dotscan_fuzzing INTERFACE -fsanitize=fuzzer-no-link,address,undefined)
  # The macro OSS-Fuzz and libFuzzer users agree on: code may lower its resource caps (see
  # include/dotscan/targets/spec.hpp) so that an input reaching them costs milliseconds, not
  # seconds under ASan. Release and test builds keep the real caps, and replay the corpus with them.
  target_compile_definitions(dotscan_fuzzing INTERFACE FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
  target_link_options(dotscan_fuzzing INTERFACE -fsanitize=address,undefined)
endif()

add_library(dotscan_build_flags INTERFACE)
target_link_libraries(dotscan_build_flags INTERFACE
  dotscan_warnings dotscan_hardening dotscan_sanitizers dotscan_fuzzing)

# dotscan_module(NAME SOURCES... DEPENDS deps...) declares one module library.
function(dotscan_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(dotscan_${name} STATIC ${ARG_SOURCES})
  target_include_directories(dotscan_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(dotscan_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE dotscan_build_flags ${ARG_PRIVATE_DEPS})
endfunction()
