#include "plugin_state.hpp"

#include "options.hpp"

namespace gracepack::spank {

PluginState& state() {
  static PluginState s;
  return s;
}

Status configure(const Spank& sp, const std::vector<std::string>& args) {
  PluginState& st = state();
  auto config = parse_config(args);
  // Options are registered even with a bad configuration, so that scripts that use them still
  // parse and run where the admin chose `optional`.
  register_options(sp, config ? *config : Config{});
  if (!config) {
    st.mode = Disabled{config.error().message};
    return fail(config.error().message + "; gracepack is disabled");
  }
  st.mode = Enabled{*config};
  log_debug(std::string("loaded in context ") + to_string(sp.context()) + ": " + describe(*config));
  return Ok{};
}

}  // namespace gracepack::spank
