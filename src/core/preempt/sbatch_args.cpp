#include "gracepack/core/preempt/sbatch_args.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "gracepack/core/base/text.hpp"

namespace gracepack {
namespace {

enum class Arg { None, Required, Optional };
struct LongOption {
  const char* name;
  Arg arg;
};

// sbatch's long options, Slurm 22.05 to 26.05 (src/common/slurm_opt.c), and gracepack's own.
// Only whether an option takes a value matters here: that decides where the script's name is.
constexpr LongOption kLong[] = {
    {"account", Arg::Required},
    {"acctg-freq", Arg::Required},
    {"array", Arg::Required},
    {"autocomplete", Arg::Required},
    {"batch", Arg::Required},
    {"bb", Arg::Required},
    {"bbf", Arg::Required},
    {"begin", Arg::Required},
    {"chdir", Arg::Required},
    {"cluster", Arg::Required},
    {"cluster-constraint", Arg::Required},
    {"clusters", Arg::Required},
    {"comment", Arg::Required},
    {"consolidate-segments", Arg::None},
    {"constraint", Arg::Required},
    {"container", Arg::Required},
    {"container-id", Arg::Required},
    {"container-type", Arg::Required},
    {"context", Arg::Required},
    {"contiguous", Arg::None},
    {"core-spec", Arg::Required},
    {"cores-per-socket", Arg::Required},
    {"cpu-freq", Arg::Required},
    {"cpus-per-gpu", Arg::Required},
    {"cpus-per-task", Arg::Required},
    {"deadline", Arg::Required},
    {"delay-boot", Arg::Required},
    {"dependency", Arg::Required},
    {"distribution", Arg::Required},
    {"error", Arg::Required},
    {"exclude", Arg::Required},
    {"exclusive", Arg::Optional},
    {"export", Arg::Required},
    {"export-file", Arg::Required},
    {"external", Arg::None},
    {"extra", Arg::Required},
    {"extra-node-info", Arg::Required},
    {"get-user-env", Arg::Optional},
    {"gid", Arg::Required},
    {"gpu-bind", Arg::Required},
    {"gpu-freq", Arg::Required},
    {"gpus", Arg::Required},
    {"gpus-per-node", Arg::Required},
    {"gpus-per-socket", Arg::Required},
    {"gpus-per-task", Arg::Required},
    {"gres", Arg::Required},
    {"gres-flags", Arg::Required},
    {"help", Arg::None},
    {"hint", Arg::Required},
    {"hold", Arg::None},
    {"ignore-pbs", Arg::None},
    {"input", Arg::Required},
    {"job-name", Arg::Required},
    {"kill-on-invalid-dep", Arg::Required},
    {"licenses", Arg::Required},
    {"mail-type", Arg::Required},
    {"mail-user", Arg::Required},
    {"mcs-label", Arg::Required},
    {"mem", Arg::Required},
    {"mem-bind", Arg::Required},
    {"mem-per-cpu", Arg::Required},
    {"mem-per-gpu", Arg::Required},
    {"mem-update", Arg::Required},
    {"mincpus", Arg::Required},
    {"network", Arg::Required},
    {"nice", Arg::Optional},
    {"no-kill", Arg::Optional},
    {"no-requeue", Arg::None},
    {"nodefile", Arg::Required},
    {"nodelist", Arg::Required},
    {"nodes", Arg::Required},
    {"ntasks", Arg::Required},
    {"ntasks-per-core", Arg::Required},
    {"ntasks-per-gpu", Arg::Required},
    {"ntasks-per-node", Arg::Required},
    {"ntasks-per-socket", Arg::Required},
    {"ntasks-per-tres", Arg::Required},
    {"oom-kill-step", Arg::Optional},
    {"open-mode", Arg::Required},
    {"output", Arg::Required},
    {"overcommit", Arg::None},
    {"oversubscribe", Arg::None},
    {"pack-gpus", Arg::Optional},
    {"parsable", Arg::None},
    {"partition", Arg::Required},
    {"power", Arg::Required},
    {"preempt-requeue", Arg::Optional},
    {"prefer", Arg::Required},
    {"priority", Arg::Required},
    {"profile", Arg::Required},
    {"propagate", Arg::Optional},
    {"qos", Arg::Required},
    {"quiet", Arg::None},
    {"reboot", Arg::None},
    {"requeue", Arg::Optional},
    {"reservation", Arg::Required},
    {"resources", Arg::Required},
    {"resv-ports", Arg::Optional},
    {"segment", Arg::Required},
    {"signal", Arg::Required},
    {"sockets-per-node", Arg::Required},
    {"spread-job", Arg::None},
    {"spread-segments", Arg::None},
    {"stepmgr", Arg::None},
    {"switches", Arg::Required},
    {"tasks-per-node", Arg::Required},
    {"test-only", Arg::None},
    {"thread-spec", Arg::Required},
    {"threads-per-core", Arg::Required},
    {"time", Arg::Required},
    {"time-min", Arg::Required},
    {"tmp", Arg::Required},
    {"tres-bind", Arg::Required},
    {"tres-per-task", Arg::Required},
    {"uid", Arg::Required},
    {"usage", Arg::None},
    {"use-min-nodes", Arg::None},
    {"verbose", Arg::None},
    {"version", Arg::None},
    {"wait", Arg::None},
    {"wait-all-nodes", Arg::Required},
    {"wckey", Arg::Required},
    {"wrap", Arg::Required},
};

// sbatch's short options that take a value (required; 'k' takes an optional attached one).
constexpr std::string_view kShortRequired = "ABCDFGJLMNSabcdeimnopqtwx";

// getopt_long's rule: an exact name, else an unambiguous prefix.
const LongOption* find_long(std::string_view name) {
  const LongOption* prefix = nullptr;
  int matches = 0;
  for (const LongOption& o : kLong) {
    if (name == o.name) return &o;
    if (!name.empty() && std::string_view(o.name).substr(0, name.size()) == name) {
      prefix = &o;
      ++matches;
    }
  }
  return matches == 1 ? prefix : nullptr;
}

void apply(SbatchOptions& o, std::string_view name, const std::optional<std::string>& value) {
  if (name == "requeue") o.requeue = true;
  if (name == "no-requeue") o.requeue = false;
  if (name == "export" && value) o.export_ = *value;
  if (name == "signal" && value) o.signal = *value;
  if (name == "wrap") o.wrap = true;
}

// Parses getopt_long style words; returns the index of the first word that is not an option.
std::size_t parse_words(const std::vector<std::string>& w, SbatchOptions& o) {
  std::size_t i = 0;
  for (; i < w.size(); ++i) {
    const std::string& a = w[i];
    if (a == "--") return i + 1;
    if (a.size() < 2 || a[0] != '-') return i;  // "+" mode: the first non-option ends options
    if (a[1] == '-') {
      const auto eq = a.find('=');
      const std::string_view name =
          std::string_view(a).substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const LongOption* opt = find_long(name);
      std::optional<std::string> value;
      if (eq != std::string::npos) value = a.substr(eq + 1);
      if (opt && opt->arg == Arg::Required && !value && i + 1 < w.size()) value = w[++i];
      if (opt) apply(o, opt->name, value);
      continue;
    }
    // A cluster of short options: the first that takes a value takes the rest of the word, or
    // the next word.
    for (std::size_t k = 1; k < a.size(); ++k) {
      const char c = a[k];
      if (kShortRequired.find(c) != std::string_view::npos) {
        if (k + 1 == a.size() && i + 1 < w.size()) ++i;
        break;
      }
      if (c == 'k') break;  // --no-kill's optional value is attached
    }
  }
  return i;
}

// sbatch's get_argument: words split on blanks, quotes group, backslash escapes, '#' ends.
std::vector<std::string> directive_words(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false, escape = false;
  char quote = 0;
  for (char c : line) {
    if (escape) {
      cur += c;
      escape = false;
      in_word = true;
      continue;
    }
    if (c == '\\') {
      escape = in_word = true;
      continue;
    }
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        cur += c;
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
      continue;
    }
    if (c == '#') break;
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) out.push_back(cur), cur.clear(), in_word = false;
      continue;
    }
    cur += c;
    in_word = true;
  }
  if (in_word) out.push_back(cur);
  return out;
}

}  // namespace

SbatchOptions sbatch_command_line(const std::vector<std::string>& args) {
  SbatchOptions o;
  const std::size_t end = parse_words(args, o);
  if (end < args.size() && !o.wrap) o.script = args[end];
  return o;
}

SbatchOptions sbatch_script_directives(const std::string& script) {
  SbatchOptions o;
  std::vector<std::string> words;
  for (auto line : text::split(script, '\n')) {
    std::string_view rest;
    if (line.rfind("#SBATCH", 0) == 0) {
      rest = line.substr(7);
    } else if (line.rfind("#SLURM", 0) == 0) {
      rest = line.substr(6);
    } else {
      // The first line that is not blank and not a comment is the first command: sbatch stops.
      const auto first = line.find_first_not_of(" \t\r\v\f");
      if (first != std::string_view::npos && line[first] != '#') break;
      continue;
    }
    for (auto& w : directive_words(rest)) words.push_back(std::move(w));
  }
  parse_words(words, o);
  return o;
}

SbatchOptions sbatch_options(const std::vector<std::string>& args,
                             const std::optional<std::string>& script_text, const Getenv& env) {
  SbatchOptions out;
  if (script_text) out = sbatch_script_directives(*script_text);
  if (env("SBATCH_REQUEUE")) out.requeue = true;
  if (env("SBATCH_NO_REQUEUE")) out.requeue = false;
  if (auto e = env("SBATCH_EXPORT")) out.export_ = *e;
  if (auto e = env("SBATCH_SIGNAL")) out.signal = *e;
  const SbatchOptions cli = sbatch_command_line(args);
  if (cli.requeue) out.requeue = cli.requeue;
  if (cli.export_) out.export_ = cli.export_;
  if (cli.signal) out.signal = cli.signal;
  out.script = cli.script;
  out.wrap = cli.wrap;
  return out;
}

bool exports_none(const SbatchOptions& o) {
  if (!o.export_) return false;
  const std::string& v = *o.export_;
  return v == "NONE" || v.rfind("NONE,", 0) == 0;
}

bool signals_batch_only(std::string_view signal) {
  const auto colon = signal.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view flags = signal.substr(0, colon);
  return flags.find_first_not_of("RBrb") == std::string_view::npos &&
         flags.find_first_of("Bb") != std::string_view::npos;
}

}  // namespace gracepack
