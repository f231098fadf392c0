#include "dp/options.h"

#include <charconv>

namespace sipedge::dp {
namespace {

std::optional<std::uint32_t> parse_u32(const std::string& text) {
  std::uint32_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

bool chooses_devices(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--no-pci" || a == "-a" || a == "-b" || a.starts_with("--allow") || a.starts_with("--block"))
      return true;
  return false;
}

}  // namespace

std::string usage() {
  return "usage: sipedge-dp --config FILE [--exit-idle-ms N] [--stats-ms N] [-- EAL args...]\n"
         "  --config FILE      the node's TOML (see conf/sipedge.toml)\n"
         "  --exit-idle-ms N   exit once no port has received anything for N ms\n"
         "  --stats-ms N       period of the cps/breaches log line (default 1000, 0 = off)\n"
         "  -- ...             extra EAL arguments, appended after the ones the config gives\n";
}

ParsedOptions parse_options(const std::vector<std::string>& args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      (void)name;
      return args[++i];
    };
    if (a == "--") {
      o.eal_extra.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (a == "--config") {
      auto v = value("--config");
      if (!v || v->empty()) return {std::nullopt, "--config needs a file"};
      o.config_path = *v;
    } else if (a == "--exit-idle-ms" || a == "--stats-ms") {
      auto v = value(a.c_str());
      auto n = v ? parse_u32(*v) : std::nullopt;
      if (!n) {
        std::string error = a;
        error.append(" needs a number of milliseconds");
        return {std::nullopt, error};
      }
      (a == "--exit-idle-ms" ? o.exit_idle_ms : o.stats_ms) = *n;
    } else {
      std::string error = "unknown argument '";
      error.append(a).append("'");
      return {std::nullopt, error};
    }
  }
  if (!o.help && o.config_path.empty()) return {std::nullopt, "--config FILE is required"};
  return {o, {}};
}

std::string device_name(const config::PortConfig& port) {
  if (port.device_kind == config::DeviceKind::kVdev) return port.device.substr(0, port.device.find(','));
  return port.device;
}

std::vector<std::string> eal_arguments(const config::Config& config, const std::vector<std::string>& extra) {
  std::vector<std::string> argv{"sipedge-dp"};
  argv.insert(argv.end(), config.eal.args.begin(), config.eal.args.end());
  std::string lcores = std::to_string(config.eal.main_lcore);
  for (auto w : config.dataplane.worker_lcores) lcores.append(",").append(std::to_string(w));
  argv.insert(argv.end(), {"-l", lcores, "--main-lcore", std::to_string(config.eal.main_lcore)});
  const bool devices_chosen = chooses_devices(config.eal.args) || chooses_devices(extra);
  for (const auto& port : config.ports) {
    if (port.device_kind == config::DeviceKind::kVdev) {
      std::string vdev = "--vdev=";
      vdev.append(port.device);
      argv.push_back(std::move(vdev));
    } else if (!devices_chosen) {
      argv.insert(argv.end(), {"-a", port.device});
    }
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

}  // namespace sipedge::dp
