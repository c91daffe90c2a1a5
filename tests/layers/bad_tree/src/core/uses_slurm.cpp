// A core file that includes Slurm's header: cmake/check_layers.cmake must refuse it.
#include <slurm/slurm.h>
