// Must NOT compile with the core's include root: the core sees no os header.
#include "gracepack/os/files.hpp"
int main() {}
