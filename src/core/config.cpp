#include "gracepack/config.hpp"

#include <functional>
#include <map>
#include <set>
#include <string_view>

#include "gracepack/text.hpp"

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

// The one table of keys: adding a key means adding a row here, a field in Config and a line in
// the admin documentation.
const std::map<std::string, Setter, std::less<>>& keys() {
  static const std::map<std::string, Setter, std::less<>> table = {
      {"pack_gpus", bool_field(&Config::pack_gpus)},
      {"preempt_requeue", bool_field(&Config::preempt_requeue)},
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
      return fail("plugstack.conf argument '" + arg + "': expected key=value (known keys: " +
                  known_keys() + ")");
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
  return config;
}

std::string describe(const Config& c) {
  auto onoff = [](bool b) { return b ? "on" : "off"; };
  return std::string("pack_gpus=") + onoff(c.pack_gpus) +
         " preempt_requeue=" + onoff(c.preempt_requeue);
}

}  // namespace gracepack
