/* Test helper: allocates and touches N MiB, holds them for S seconds, prints "done". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  size_t mib = strtoul(argv[1], NULL, 10);
  unsigned secs = (unsigned)strtoul(argv[2], NULL, 10);
  for (size_t i = 0; i < mib; ++i) {
    char* p = malloc(1 << 20);
    if (!p) {
      fprintf(stderr, "malloc failed after %zu MiB\n", i);
      return 3;
    }
    memset(p, 1, 1 << 20);
  }
  sleep(secs);
  printf("done\n");
  return 0;
}
