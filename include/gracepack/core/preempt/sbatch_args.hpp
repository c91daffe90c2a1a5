// What the user gave sbatch about requeueing and environment export, read the way sbatch reads
// it: options up to the script's name (what follows belongs to the script), `#SBATCH`/`#SLURM`
// lines up to the script's first command, and SBATCH_* variables; the command line wins over the
// environment, which wins over the script.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gracepack/core/base/env.hpp"

namespace gracepack {

struct SbatchOptions {
  std::optional<bool> requeue;         // --requeue / --no-requeue; nullopt: not given
  std::optional<std::string> export_;  // --export's value
  std::optional<std::string> signal;   // --signal's value ([{R|B}:]SIG[@TIME])
  std::optional<std::string> script;   // the script's path, when one is named (not --wrap, stdin)
  bool wrap = false;                   // --wrap: no script file
};

// Options from an argv (without the program name), stopping where sbatch stops.
SbatchOptions sbatch_command_line(const std::vector<std::string>& args);
// Options from a batch script's text.
SbatchOptions sbatch_script_directives(const std::string& script);
// All three sources, with sbatch's precedence.
SbatchOptions sbatch_options(const std::vector<std::string>& args,
                             const std::optional<std::string>& script_text, const Getenv& env);

// --export=NONE (alone or with variables): the batch step starts with no submitted variables.
bool exports_none(const SbatchOptions& o);

// A --signal value that sends the warning to the batch shell alone ("B:", "RB:", "BR:").
bool signals_batch_only(std::string_view signal);

}  // namespace gracepack
