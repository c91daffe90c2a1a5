#include "gracepack/core/base/config.hpp"

#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <string_view>

#include "gracepack/core/base/cpuset.hpp"
#include "gracepack/core/base/text.hpp"

namespace gracepack {
namespace {

Result<bool> parse_bool(std::string_view key, std::string_view v) {
  if (v == "on" || v == "yes" || v == "true" || v == "1") return true;
  if (v == "off" || v == "no" || v == "false" || v == "0") return false;
  return fail(std::string(key) + "=" + std::string(v) + ": expected on or off");
}

using Setter = std::function<Status(Config&, std::string_view key, std::string_view value)>;

Setter bool_field(bool Config::*field) {
  return [field](Config& c, std::string_view key, std::string_view value) -> Status {
    auto b = parse_bool(key, value);
    if (!b) return b.error();
    c.*field = *b;
    return Ok{};
  };
}

Status set_min_task_mem(Config& c, std::string_view key, std::string_view v) {
  auto size = text::parse_size(v);
  if (!size)
    return fail(std::string(key) + "=" + std::string(v) + ": expected a size such as 512M or 2G");
  c.min_task_memory = *size;
  return Ok{};
}

// gpu_cpus=0:0-15,32-47;1:16-31,48-63  (GPU id as in gres.conf/SLURM_STEP_GPUS : CPU list)
Status set_gpu_cpus(Config& c, std::string_view key, std::string_view v) {
  const std::string shown = std::string(key) + "=" + std::string(v);
  for (auto entry : text::split(v, ';')) {
    const auto colon = entry.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return fail(shown + ": expected GPU:CPULIST entries separated by ';', e.g. 0:0-15;1:16-31");
    }
    auto cpus = parse_cpu_list(entry.substr(colon + 1));
    if (!cpus || cpus->empty()) {
      return fail(shown + ": '" + std::string(entry.substr(colon + 1)) + "' is not a CPU list");
    }
    if (!c.gpu_cpus.emplace(std::string(entry.substr(0, colon)), *cpus).second) {
      return fail(shown + ": GPU " + std::string(entry.substr(0, colon)) + " is listed twice");
    }
  }
  return Ok{};
}

Setter uint_field(unsigned Config::*field, unsigned min, unsigned max) {
  return [=](Config& c, std::string_view key, std::string_view v) -> Status {
    auto n = text::parse_int(v, min, max);
    if (!n) {
      return fail(std::string(key) + "=" + std::string(v) + ": expected a whole number from " +
                  std::to_string(min) + " to " + std::to_string(max));
    }
    c.*field = static_cast<unsigned>(*n);
    return Ok{};
  };
}

// An absolute path, or "" where the key allows none.
Setter path_field(std::string Config::*field, bool may_be_empty) {
  return [=](Config& c, std::string_view key, std::string_view v) -> Status {
    if ((v.empty() && !may_be_empty) || (!v.empty() && v.front() != '/') ||
        v.find("/../") != std::string_view::npos) {
      return fail(std::string(key) + "=" + std::string(v) + ": expected an absolute path" +
                  (may_be_empty ? " (or nothing, to switch it off)" : ""));
    }
    c.*field = std::string(v);
    return Ok{};
  };
}

// A program root's context starts (as the job's user): an absolute path, or a bare name only
// where the admin writes one, which is then looked up in the job's PATH.
Setter program_field(std::string Config::*field) {
  return [field](Config& c, std::string_view key, std::string_view v) -> Status {
    const bool path = v.find('/') != std::string_view::npos;
    if (v.empty() || v.find_first_of(" \t") != std::string_view::npos ||
        (path && (v.front() != '/' || v.find("/../") != std::string_view::npos)) || v == "." ||
        v == "..") {
      return fail(std::string(key) + "=" + std::string(v) +
                  ": expected an absolute path (or a bare name, to look it up in the job's PATH)");
    }
    c.*field = std::string(v);
    return Ok{};
  };
}

Status set_qos_name(Config& c, std::string_view key, std::string_view v) {
  if (!is_qos_name(v)) {
    return fail(std::string(key) + "=" + text::printable(v) +
                ": expected a QOS name (letters, digits, '_', '-', '.')");
  }
  c.protect_qos = std::string(v);
  return Ok{};
}

// The one table of keys: adding a key means adding a row here, a field in Config and a line in
// the admin documentation.
const std::map<std::string, Setter, std::less<>>& keys() {
  static const std::map<std::string, Setter, std::less<>> table = {
      {"audit_log", path_field(&Config::audit_log, true)},
      {"ctld_wait", uint_field(&Config::ctld_wait, 0, 3600)},
      {"gpu_cpus", set_gpu_cpus},
      {"max_requeue", uint_field(&Config::max_requeue, 0, 1000)},
      {"max_other_requeue", uint_field(&Config::max_other_requeue, 0, 1000)},
      {"protect_after", uint_field(&Config::protect_after, 1, 1000)},
      {"protect_qos", set_qos_name},
      {"notify_shell", bool_field(&Config::notify_shell)},
      {"poll_interval", uint_field(&Config::poll_interval, 1, 3600)},
      {"state_dir", path_field(&Config::state_dir, false)},
      {"min_task_mem", set_min_task_mem},
      {"mps", bool_field(&Config::mps)},
      {"mps_control", program_field(&Config::mps_control)},
      {"nvidia_smi", program_field(&Config::nvidia_smi)},
      {"pack_gpus", bool_field(&Config::pack_gpus)},
      {"preempt_requeue", bool_field(&Config::preempt_requeue)},
      {"return_grace", bool_field(&Config::return_grace)},
  };
  return table;
}

std::string known_keys() {
  std::vector<std::string> names;
  for (const auto& [name, setter] : keys()) names.push_back(name);
  return text::join(names, ", ");
}

}  // namespace

Result<Config> parse_config(const std::vector<std::string>& args) {
  Config config;
  std::set<std::string, std::less<>> seen;
  for (const std::string& arg : args) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail("plugstack.conf argument '" + arg +
                  "': expected key=value (known keys: " + known_keys() + ")");
    }
    const std::string_view key = std::string_view(arg).substr(0, eq);
    const std::string_view value = std::string_view(arg).substr(eq + 1);
    const auto it = keys().find(key);
    if (it == keys().end()) {
      return fail("plugstack.conf: unknown key '" + std::string(key) +
                  "' (known keys: " + known_keys() + ")");
    }
    if (!seen.insert(std::string(key)).second) {
      return fail("plugstack.conf: key '" + std::string(key) + "' given twice");
    }
    if (auto st = it->second(config, key, value); !st) {
      return fail("plugstack.conf: " + st.error().message);
    }
  }
  if ((config.protect_after == 0) != config.protect_qos.empty()) {
    return fail(
        "plugstack.conf: protect_after and protect_qos go together (at the "
        "protect_after-th preemption a job is requeued into the QOS protect_qos)");
  }
  return config;
}

bool is_qos_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (unsigned char c : name) ok = ok && (std::isalnum(c) || c == '_' || c == '-' || c == '.');
  return ok;
}

std::string node_state_dir(const Config& config, std::string_view node) {
  const bool safe = !node.empty() &&
                    node.find_first_not_of(
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789._-") == std::string_view::npos &&
                    node != "." && node != "..";
  const std::string name = safe ? std::string(node) : "unknown";
  std::string out;
  const std::string& s = config.state_dir;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 1 < s.size() && s[i + 1] == 'n') {
      out += name;
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string describe(const Config& c) {
  auto onoff = [](bool b) { return b ? "on" : "off"; };
  std::string map;
  for (const auto& [gpu, cpus] : c.gpu_cpus) {
    map += (map.empty() ? "" : ";") + gpu + ":" + format_cpu_list(cpus);
  }
  return std::string("max_requeue=") + std::to_string(c.max_requeue) +
         " max_other_requeue=" + std::to_string(c.max_other_requeue) +
         (c.protect_after ? " protect_after=" + std::to_string(c.protect_after) +
                                " protect_qos=" + c.protect_qos
                          : std::string()) +
         " audit_log=" + c.audit_log + " poll_interval=" + std::to_string(c.poll_interval) +
         " ctld_wait=" + std::to_string(c.ctld_wait) + " notify_shell=" + onoff(c.notify_shell) +
         " return_grace=" + onoff(c.return_grace) + " state_dir=" + c.state_dir + " " +
         "pack_gpus=" + onoff(c.pack_gpus) + " preempt_requeue=" + onoff(c.preempt_requeue) +
         " min_task_mem=" + text::format_size(c.min_task_memory) + " mps=" + onoff(c.mps) +
         " mps_control=" + c.mps_control + " nvidia_smi=" + c.nvidia_smi +
         (map.empty() ? "" : " gpu_cpus=" + map);
}

}  // namespace gracepack
