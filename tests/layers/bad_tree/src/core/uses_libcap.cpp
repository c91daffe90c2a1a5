// Must be refused by cmake/check_layers.cmake: libcap is an os concern.
#include <sys/capability.h>
