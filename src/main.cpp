// dotscan — a scanner for DNS over TLS (RFC 7858). Everything lives in the module libraries.
#include "dotscan/cli/run.hpp"

int main(int argc, char** argv) {
  return dotscan::cli::run(argc, argv);
}
