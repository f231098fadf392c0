// Schema of the node's TOML: reads every section into a Config and checks it,
// values first, then the references between sections (ports, sets, names).
// Sections are read in dependency order so a reference can be resolved while
// the referring node (and its position) is at hand.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "config/config.h"
#include "config/reader.h"
#include "config/token_file.h"

namespace sipedge::config {
namespace {

using detail::Diagnostics;
using detail::index_path;
using detail::Position;
using detail::quoted;
using detail::TableReader;
using detail::ValueChecker;

constexpr std::string_view kNameRule =
    "must be 1..63 letters, digits, '-', '_' or '.', starting with a letter or digit";

// Methods RFC 3261 and its extensions define; a limit on anything else is a typo.
constexpr std::string_view kSipMethods[] = {"INVITE",  "ACK",   "BYE",       "CANCEL", "REGISTER",
                                            "OPTIONS", "PRACK", "SUBSCRIBE", "NOTIFY", "PUBLISH",
                                            "INFO",    "REFER", "MESSAGE",   "UPDATE"};
constexpr std::string_view kProbeMethods[] = {"OPTIONS", "INFO"};

constexpr std::uint32_t kMaxCps = 10'000'000;
constexpr std::uint32_t kMinTableSize = 7;

bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// RFC 3261 25.1 token: option tags (Proxy-Require) are tokens.
bool is_option_tag_char(char c) {
  return is_alnum(c) || std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
}
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool is_name(std::string_view text) {
  if (text.empty() || text.size() > 63 || !is_alnum(text.front())) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// [dddd:]bb:dd.f as rte_pci_addr_parse() accepts it.
bool is_pci_address(std::string_view text) {
  if (text.size() == 12) {
    if (text[4] != ':' || !std::all_of(text.begin(), text.begin() + 4, is_hex)) return false;
    text.remove_prefix(5);
  }
  return text.size() == 7 && is_hex(text[0]) && is_hex(text[1]) && text[2] == ':' && is_hex(text[3]) &&
         is_hex(text[4]) && text[5] == '.' && text[6] >= '0' && text[6] <= '7';
}

// net_<driver>[<n>][,key=value...] as --vdev takes it.
bool is_vdev(std::string_view text) {
  const std::size_t comma = text.find(',');
  const std::string_view name = text.substr(0, comma);
  if (name.size() <= 4 || name.substr(0, 4) != "net_") return false;
  if (!std::all_of(name.begin(), name.end(), [](char c) { return is_alnum(c) || c == '_'; })) return false;
  std::string_view args = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  if (comma != std::string_view::npos && args.empty()) return false;
  while (!args.empty()) {
    const std::size_t next = args.find(',');
    const std::string_view arg = args.substr(0, next);
    const std::size_t equals = arg.find('=');
    if (equals == 0 || equals == std::string_view::npos || equals + 1 == arg.size()) return false;
    if (std::any_of(arg.begin(), arg.end(), [](char c) { return c == ' ' || c == '\t'; })) return false;
    if (next != std::string_view::npos && next + 1 == args.size()) return false;
    args = next == std::string_view::npos ? std::string_view{} : args.substr(next + 1);
  }
  return true;
}

bool is_prime(std::uint32_t n) {
  if (n < 2) return false;
  for (std::uint32_t d = 2; d * d <= n; ++d)
    if (n % d == 0) return false;
  return true;
}

// RFC 3261 user: unreserved / escaped / user-unreserved; '%' is allowed as the
// start of an escape.
bool is_uri_user(std::string_view text) {
  constexpr std::string_view kExtra = "-_.!~*'()&=+$,;?/%";
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [&](char c) { return is_alnum(c) || kExtra.find(c) != std::string_view::npos; });
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

bool is_unicast_address(Ipv4 ip) {
  const std::uint32_t first = ip >> 24;
  return first != 0 && first != 127 && first < 224;  // not "this network", loopback, multicast or class E
}

// A MAC that can be a station's address: unicast and not all zeros.
std::optional<std::string> mac_problem(const MacAddress& mac) {
  if (mac[0] & 1) return format_mac(mac) + " is a multicast address";
  if (std::all_of(mac.begin(), mac.end(), [](std::uint8_t b) { return b == 0; })) return "the MAC address is all zeros";
  return std::nullopt;
}

// Linux's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or
// white space (the kernel refuses the rest when the interface is created).
std::optional<std::string> ifname_problem(std::string_view name) {
  if (name.empty() || name.size() > kMaxIfnameBytes)
    return "must be an interface name of 1.." + std::to_string(kMaxIfnameBytes) + " bytes, got " + quoted(name);
  if (name == "." || name == "..") return quoted(name) + " is not an interface name";
  for (const char c : name)
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) || !std::isprint(static_cast<unsigned char>(c)))
      return "an interface name has no '/', ':', white space or control characters, got " + quoted(name);
  return std::nullopt;
}

bool is_lcore_arg(std::string_view arg) {
  for (std::string_view flag : {"--lcores", "--main-lcore", "--master-lcore"})
    if (arg.substr(0, flag.size()) == flag) return true;
  return arg.size() >= 2 && arg[0] == '-' && (arg[1] == 'l' || arg[1] == 'c');
}

// First position at which each name was defined, for duplicate reports.
class FirstSeen {
 public:
  // Records the name; false (and an error) if it was seen before.
  bool add(ValueChecker& check, const toml::node& node, std::string_view path, std::string_view what,
           const std::string& name) {
    const auto line = detail::position_of(node, {}).line;
    const auto [it, inserted] = lines_.try_emplace(name, line);
    if (!inserted)
      check.fail(node, path,
                 "duplicate " + std::string(what) + " " + quoted(name) + " (first at line " +
                     std::to_string(it->second) + ")");
    return inserted;
  }

 private:
  std::map<std::string, std::uint32_t, std::less<>> lines_;
};

template <class F>
void for_each_value(const toml::array* list, const std::string& path, F&& visit) {
  if (!list) return;
  for (std::size_t i = 0; i < list->size(); ++i) visit(*list->get(i), index_path(path, i));
}

class Loader {
 public:
  Loader(Diagnostics& diagnostics, const toml::table& root)
      : diagnostics_(diagnostics), root_(diagnostics, &root, "", Position{}) {}

  Config run(std::string source) {
    config_.source = std::move(source);
    read_node();
    read_eal();
    read_dataplane();
    read_ports();
    read_neighbours();
    read_sets();
    read_routes();
    read_sip();
    read_cps();
    read_nat();
    read_keepalive();
    read_probe();
    read_registrar();
    read_store();
    read_metrics();
    read_cluster();
    read_announce();
    root_.finish();
    return std::move(config_);
  }

 private:
  // The section's table, or null when absent. False when the key exists but is
  // not a table (already reported: the section is then skipped whole).
  bool section(std::string_view key, const toml::table*& table) {
    const bool present = root_.get(key) != nullptr;
    table = root_.table(key);
    return !present || table;
  }

  template <class F>
  void for_each_table(TableReader& parent, std::string_view key, F&& visit) {
    const auto* list = parent.array_of_tables(key);
    if (!list) return;
    for (std::size_t i = 0; i < list->size(); ++i) {
      TableReader reader(diagnostics_, list->get(i)->as_table(), index_path(parent.key_path(key), i),
                         parent.position());
      visit(reader, i);
      reader.finish();
    }
  }

  // A name-like key: validated, and unique within `seen` when given.
  std::optional<std::string> read_name(TableReader& t, std::string_view key, bool required, FirstSeen* seen,
                                       std::string_view what) {
    const auto* node = required ? t.require(key) : t.get(key);
    if (!node) return std::nullopt;
    const auto text = t.check().string(*node, t.key_path(key));
    if (!text) return std::nullopt;
    if (!is_name(*text)) {
      t.fail_at(*node, key, std::string(kNameRule) + ", got " + quoted(*text));
      return std::nullopt;
    }
    std::string name(*text);
    if (seen && !seen->add(t.check(), *node, t.key_path(key), what, name)) return std::nullopt;
    return name;
  }

  // Resolves a set name; records "no [[set]] named ..." when unknown.
  std::optional<std::size_t> read_set_reference(TableReader& t, std::string_view key, bool required,
                                                std::string& name_out) {
    const auto* node = required ? t.require(key) : t.get(key);
    if (!node) return std::nullopt;
    const auto text = t.check().string(*node, t.key_path(key));
    if (!text) return std::nullopt;
    name_out = std::string(*text);
    const auto it = set_index_.find(*text);
    if (it == set_index_.end()) {
      t.fail_at(*node, key, "no [[set]] named " + quoted(*text));
      return std::nullopt;
    }
    return it->second;
  }

  template <class T>
  std::optional<T> read_parsed(TableReader& t, std::string_view key, bool required,
                               Parsed<T> (*parse)(std::string_view)) {
    const auto* node = required ? t.require(key) : t.get(key);
    if (!node) return std::nullopt;
    return t.check().parsed(*node, t.key_path(key), parse);
  }

  // A list of prefixes, none twice.
  std::vector<Ipv4Prefix> read_prefix_list(TableReader& t, std::string_view key) {
    return read_prefix_list(t, key, nullptr);
  }
  // The same list with IPv6 prefixes too, when `v6` takes them; without,
  // an IPv6 prefix is refused by parse_ipv4_prefix.
  std::vector<Ipv4Prefix> read_prefix_list(TableReader& t, std::string_view key, std::vector<Ipv6Prefix>* v6) {
    std::vector<Ipv4Prefix> prefixes;
    FirstSeen seen;
    for_each_value(t.array(key), t.key_path(key), [&](const toml::node& node, const std::string& path) {
      const auto* text = node.as_string();
      if (v6 && text && text->get().find(':') != std::string::npos) {
        const auto prefix = t.check().parsed(node, path, parse_ipv6_prefix);
        if (prefix && seen.add(t.check(), node, path, "prefix", format_prefix(*prefix))) v6->push_back(*prefix);
        return;
      }
      const auto prefix = t.check().parsed(node, path, parse_ipv4_prefix);
      if (prefix && seen.add(t.check(), node, path, "prefix", format_prefix(*prefix))) prefixes.push_back(*prefix);
    });
    return prefixes;
  }

  // NAT test names to bits; nullopt after an error.
  std::optional<std::uint32_t> read_nat_tests(TableReader& t, std::string_view key) {
    const auto* list = t.array(key);
    if (!list) return std::nullopt;
    std::uint32_t tests = 0;
    bool ok = true;
    for_each_value(list, t.key_path(key), [&](const toml::node& node, const std::string& path) {
      const auto text = t.check().string(node, path);
      if (!text) {
        ok = false;
        return;
      }
      const auto* entry = std::find_if(std::begin(kNatTestNames), std::end(kNatTestNames),
                                       [&](const auto& e) { return e.name == *text; });
      if (entry == std::end(kNatTestNames)) {
        t.check().fail(node, path, "unknown NAT test " + quoted(*text) + " (one of " + nat_test_names(~0u) + ")");
        ok = false;
      } else if (tests & entry->value) {
        t.check().fail(node, path, "NAT test " + quoted(*text) + " is listed twice");
        ok = false;
      }
      if (entry != std::end(kNatTestNames)) tests |= entry->value;
    });
    return ok ? std::optional<std::uint32_t>(tests) : std::nullopt;
  }

  void read_node() {
    const toml::table* table = nullptr;
    if (!section("node", table)) return;
    TableReader t(diagnostics_, table, "node", root_.position());
    if (auto name = read_name(t, "name", false, nullptr, "")) config_.node.name = *name;
    if (const auto* node = t.require("id"))
      if (auto id = t.check().integer(*node, t.key_path("id"), 1, kMaxNodeId)) config_.node.id = std::uint32_t(*id);
    t.finish();
  }

  void read_eal() {
    const toml::table* table = nullptr;
    if (!section("eal", table)) return;
    TableReader t(diagnostics_, table, "eal", root_.position());
    for_each_value(t.array("args"), t.key_path("args"), [&](const toml::node& node, const std::string& path) {
      const auto arg = t.check().non_empty_string(node, path);
      if (!arg) return;
      if (is_lcore_arg(*arg))
        t.check().fail(node, path, quoted(*arg) + ": lcores come from eal.main_lcore and dataplane.worker_lcores");
      else
        config_.eal.args.emplace_back(*arg);
    });
    main_lcore_ok_ = t.read("main_lcore", config_.eal.main_lcore, 0, kMaxLcore);
    t.finish();
  }

  void read_dataplane() {
    const toml::table* table = nullptr;
    if (!section("dataplane", table)) return;
    TableReader t(diagnostics_, table, "dataplane", root_.position());
    auto& dp = config_.dataplane;
    if (t.require("worker_lcores")) {
      const auto* list = t.array("worker_lcores");
      if (list && list->empty()) t.fail_at(*list, "worker_lcores", "must list at least one lcore");
      for_each_value(list, t.key_path("worker_lcores"), [&](const toml::node& node, const std::string& path) {
        const auto lcore = t.check().integer(node, path, 0, kMaxLcore);
        if (!lcore) return;
        const auto value = std::uint32_t(*lcore);
        if (std::find(dp.worker_lcores.begin(), dp.worker_lcores.end(), value) != dp.worker_lcores.end())
          t.check().fail(node, path, "lcore " + std::to_string(value) + " is listed twice");
        else if (main_lcore_ok_ && value == config_.eal.main_lcore)
          t.check().fail(node, path, "lcore " + std::to_string(value) + " is eal.main_lcore");
        else
          dp.worker_lcores.push_back(value);
      });
    }
    t.read("burst", dp.burst, 1, kMaxBurst);
    const bool mbufs_ok = t.read("mbufs", dp.mbufs, 511, 16777215);
    const bool cache_ok = t.read("mbuf_cache", dp.mbuf_cache, 0, kMaxMbufCache);
    // rte_mempool_create() refuses a cache larger than n / 1.5.
    if (mbufs_ok && cache_ok && std::uint64_t(dp.mbuf_cache) * 3 > std::uint64_t(dp.mbufs) * 2) {
      const auto* node = t.get("mbuf_cache");
      const std::string message = "must be at most mbufs / 1.5 (" + std::to_string(dp.mbufs * 2 / 3) +
                                  " for mbufs = " + std::to_string(dp.mbufs) + "), got " +
                                  std::to_string(dp.mbuf_cache);
      node ? t.fail_at(*node, "mbuf_cache", message) : t.fail("mbuf_cache", message);
    }
    t.read("idle_sleep_us", dp.idle_sleep_us, 0, 100000);
    if (const auto* node = t.get("punt_socket"))
      if (auto path = t.check().non_empty_string(*node, t.key_path("punt_socket"))) {
        if (path->size() > kMaxUnixPathBytes)
          t.fail_at(*node, "punt_socket",
                    "must be at most " + std::to_string(kMaxUnixPathBytes) + " bytes (a Unix socket path)");
        else
          dp.punt_socket = std::string(*path);
      }
    t.read_power_of_two("punt_ring_size", dp.punt_ring_size, 64, 1u << 20);
    t.read_power_of_two("frag_table_size", dp.frag_table_size, 16, 1u << 20);
    t.read("frag_ttl_ms", dp.frag_ttl_ms, 100, 60000);
    t.read("tx_flush_us", dp.tx_flush_us, 0, 10000);
    t.read("exception_pps", dp.exception_pps, 1, kMaxExceptionPps);
    t.finish();
  }

  void read_ports() {
    const auto* node = root_.get("port");
    if (!node) {
      root_.fail("port", "at least one [[port]] is required");
      return;
    }
    const auto* list = root_.array_of_tables("port");
    if (!list) return;
    if (list->empty()) root_.fail_at(*list, "port", "at least one [[port]] is required");
    if (list->size() > kMaxPorts)
      root_.fail_at(*list, "port", "at most " + std::to_string(kMaxPorts) + " ports are supported");
    FirstSeen names;
    FirstSeen devices;
    FirstSeen addresses;
    FirstSeen exceptions;
    bool roles_ok = true;
    for_each_table(root_, "port", [&](TableReader& t, std::size_t) {
      PortConfig port;
      bool address_ok = false;
      if (auto name = read_name(t, "name", true, &names, "port name")) port.name = *name;
      if (const auto* device = t.require("device"))
        if (auto text = t.check().non_empty_string(*device, t.key_path("device"))) {
          if (is_pci_address(*text))
            port.device_kind = DeviceKind::kPci;
          else if (is_vdev(*text))
            port.device_kind = DeviceKind::kVdev;
          else
            t.fail_at(*device, "device",
                      quoted(*text) +
                          " is neither a PCI address (0000:03:00.0) nor a vdev "
                          "(net_<driver><n>[,key=value...])");
          port.device = std::string(*text);
          devices.add(t.check(), *device, t.key_path("device"), "device", port.device);
        }
      roles_ok = t.read("role", port.role, kPortRoleNames) && roles_ok;
      if (auto address = read_parsed(t, "address", true, parse_ipv4_interface)) {
        port.address = address->address;
        port.subnet = address->subnet;
        address_ok = addresses.add(t.check(), *t.get("address"), t.key_path("address"), "port address",
                                   format_ipv4(port.address));
      }
      if (auto gateway = read_parsed(t, "gateway", false, parse_ipv4)) {
        port.gateway = *gateway;
        if (address_ok && !port.subnet.contains(*gateway))
          t.fail_at(*t.get("gateway"), "gateway",
                    format_ipv4(*gateway) + " is not inside the port's subnet " + format_prefix(port.subnet));
        else if (address_ok && *gateway == port.address)
          t.fail_at(*t.get("gateway"), "gateway", format_ipv4(*gateway) + " is the port's own address");
      }
      t.read("mtu", port.mtu, kMinMtu, kMaxMtu);
      if (auto mac = read_parsed(t, "mac", false, parse_mac)) {
        if (auto problem = mac_problem(*mac))
          t.fail_at(*t.get("mac"), "mac", *problem);
        else
          port.mac = *mac;
      }
      t.read("rx_desc", port.rx_desc, kMinDesc, kMaxDesc);
      t.read("tx_desc", port.tx_desc, kMinDesc, kMaxDesc);
      t.read("rss", port.rss);
      if (const auto* iface = t.get("exception"))
        if (auto text = t.check().string(*iface, t.key_path("exception"))) {
          if (auto problem = ifname_problem(*text))
            t.fail_at(*iface, "exception", *problem);
          else if (exceptions.add(t.check(), *iface, t.key_path("exception"), "exception interface", std::string(*text))) {
            port.exception = std::string(*text);
            exception_keys_.push_back({config_.ports.size(), iface, t.key_path("exception")});
          }
        }
      read_port_v6_and_vlan(t, port, addresses);
      if (!port.name.empty()) port_index_.try_emplace(port.name, config_.ports.size());
      port_address_ok_.push_back(address_ok);
      config_.ports.push_back(std::move(port));
    });
    if (!roles_ok || config_.ports.empty()) return;
    const auto serves = [&](PortRole side) {
      return std::any_of(config_.ports.begin(), config_.ports.end(),
                         [&](const PortConfig& p) { return p.role == side || p.role == PortRole::kBoth; });
    };
    if (!serves(PortRole::kOutside))
      root_.fail_at(*list, "port", "no port has role = \"outside\" or \"both\": nothing faces the UACs");
    if (!serves(PortRole::kInside))
      root_.fail_at(*list, "port", "no port has role = \"inside\" or \"both\": nothing reaches the servers");
  }

  void read_port_v6_and_vlan(TableReader& t, PortConfig& port, FirstSeen& addresses) {
    if (auto address6 = read_parsed(t, "address6", false, parse_ipv6_interface)) {
      if (addresses.add(t.check(), *t.get("address6"), t.key_path("address6"), "port address",
                        format_ipv6(address6->address)))
        port.address6 = *address6;
    }
    if (auto gateway6 = read_parsed(t, "gateway6", false, parse_ipv6)) {
      const auto* where = t.get("gateway6");
      const bool link_local = (*gateway6)[0] == 0xfe && ((*gateway6)[1] & 0xc0) == 0x80;
      if (!t.get("address6"))
        t.fail_at(*where, "gateway6", "needs address6 on the same port");
      else if (!is_ipv6_unicast(*gateway6))
        t.fail_at(*where, "gateway6", format_ipv6(*gateway6) + " is not a unicast address");
      else if (port.address6 && *gateway6 == port.address6->address)
        t.fail_at(*where, "gateway6", format_ipv6(*gateway6) + " is the port's own address");
      else if (port.address6 && !link_local && !port.address6->subnet.contains(*gateway6))
        t.fail_at(*where, "gateway6",
                  format_ipv6(*gateway6) + " is not inside the port's subnet " + format_prefix(port.address6->subnet));
      else
        port.gateway6 = *gateway6;
    }
    std::uint32_t vlan = 0;
    if (t.get("vlan") && t.read("vlan", vlan, kMinVlan, kMaxVlan)) port.vlan = static_cast<std::uint16_t>(vlan);
  }

  // "address" of a [[neighbour]]: IPv4, or IPv6 when written with colons.
  void read_neighbour_address6(TableReader& t, NeighbourConfig& neighbour, FirstSeen& seen) {
    const auto* node = t.get("address");
    if (!node || !node->is_string() || node->value<std::string>()->find(':') == std::string::npos) return;
    const auto ip = read_parsed(t, "address", true, parse_ipv6);
    if (!ip) return;
    if (!is_ipv6_unicast(*ip)) {
      t.fail_at(*node, "address", format_ipv6(*ip) + " is not a unicast address");
      return;
    }
    neighbour.address6 = *ip;
    const auto it = port_index_.find(neighbour.port);
    if (it == port_index_.end()) return;
    const auto& port = config_.ports[it->second];
    const bool link_local = (*ip)[0] == 0xfe && ((*ip)[1] & 0xc0) == 0x80;
    if (!port.address6)
      t.fail_at(*node, "address", "port " + quoted(port.name) + " has no address6 for an IPv6 neighbour");
    else if (*ip == port.address6->address)
      t.fail_at(*node, "address", format_ipv6(*ip) + " is port " + quoted(port.name) + "'s own address");
    else if (!link_local && !port.address6->subnet.contains(*ip))
      t.fail_at(*node, "address",
                format_ipv6(*ip) + " is not inside port " + quoted(port.name) + "'s subnet " +
                    format_prefix(port.address6->subnet));
    else
      seen.add(t.check(), *node, t.key_path("address"), "neighbour", port.name + " " + format_ipv6(*ip));
  }

  void read_neighbours() {
    FirstSeen seen;
    for_each_table(root_, "neighbour", [&](TableReader& t, std::size_t) {
      NeighbourConfig neighbour;
      if (const auto* a = t.get("address"); a && a->is_string() && a->value<std::string>()->find(':') != std::string::npos) {
        if (const auto* p = t.get("port"); p && p->is_string()) neighbour.port = *p->value<std::string>();
        if (auto mac = read_parsed(t, "mac", true, parse_mac)) {
          if (auto problem = mac_problem(*mac))
            t.fail_at(*t.get("mac"), "mac", *problem);
          else
            neighbour.mac = *mac;
        }
        if (const auto* node = t.require("port")) {
          if (auto name = t.check().string(*node, t.key_path("port"))) {
            const auto it = port_index_.find(*name);
            if (it == port_index_.end())
              t.fail_at(*node, "port", "no [[port]] named " + quoted(*name));
            else
              neighbour.port_index = it->second;
          }
        }
        read_neighbour_address6(t, neighbour, seen);
        config_.neighbours.push_back(std::move(neighbour));
        return;
      }
      const auto address = read_parsed(t, "address", true, parse_ipv4);
      if (address) neighbour.address = *address;
      if (auto mac = read_parsed(t, "mac", true, parse_mac)) {
        if (auto problem = mac_problem(*mac))
          t.fail_at(*t.get("mac"), "mac", *problem);
        else
          neighbour.mac = *mac;
      }
      if (const auto* node = t.require("port")) {
        if (auto name = t.check().string(*node, t.key_path("port"))) {
          neighbour.port = std::string(*name);
          const auto it = port_index_.find(*name);
          if (it == port_index_.end()) {
            t.fail_at(*node, "port", "no [[port]] named " + quoted(*name));
          } else {
            neighbour.port_index = it->second;
            const auto& port = config_.ports[it->second];
            if (address && port_address_ok_[it->second]) {
              const auto* where = t.get("address");
              if (!port.subnet.contains(*address))
                t.fail_at(*where, "address",
                          format_ipv4(*address) + " is not inside port " + quoted(port.name) + "'s subnet " +
                              format_prefix(port.subnet));
              else if (*address == port.address)
                t.fail_at(*where, "address",
                          format_ipv4(*address) + " is port " + quoted(port.name) + "'s own address");
              else
                seen.add(t.check(), *where, t.key_path("address"), "neighbour",
                         port.name + " " + format_ipv4(*address));
            }
          }
        }
      }
      config_.neighbours.push_back(std::move(neighbour));
    });
  }

  void read_sets() {
    FirstSeen names;
    std::map<std::uint32_t, std::uint32_t> id_lines;
    if (const auto* list = root_.get("set"); list && list->as_array() && !list->as_array()->empty())
      sets_declared_ = true;
    for_each_table(root_, "set", [&](TableReader& t, std::size_t) {
      SetConfig set;
      const auto name = read_name(t, "name", true, &names, "set name");
      if (name) set.name = *name;
      if (const auto* node = t.require("id"))
        if (auto id = t.check().integer(*node, t.key_path("id"), 1, kMaxSetId)) {
          set.id = std::uint32_t(*id);
          const auto line = detail::position_of(*node, {}).line;
          const auto [it, inserted] = id_lines.try_emplace(set.id, line);
          if (!inserted)
            t.fail_at(
                *node, "id",
                "duplicate set id " + std::to_string(set.id) + " (first at line " + std::to_string(it->second) + ")");
        }
      t.read("algorithm", set.algorithm, kAlgorithmNames);
      bool table_size_ok = true;
      if (const auto* node = t.get("table_size")) {
        const auto size = t.check().integer(*node, t.key_path("table_size"), kMinTableSize, kMaxTableSize);
        table_size_ok = size && is_prime(std::uint32_t(*size));
        if (size && !table_size_ok)
          t.fail_at(*node, "table_size", "must be a prime number (the Maglev table), got " + std::to_string(*size));
        if (table_size_ok) set.table_size = std::uint32_t(*size);
      }
      if (!t.get("destination")) {
        t.fail("destination", "at least one [[set.destination]] is required");
      } else if (const auto* destinations = t.array_of_tables("destination"); destinations && destinations->empty()) {
        t.fail_at(*destinations, "destination", "at least one [[set.destination]] is required");
      }
      std::map<std::pair<std::string, std::uint16_t>, std::string> endpoints;
      for_each_table(t, "destination", [&](TableReader& d, std::size_t) {
        DestinationConfig destination;
        if (const auto* node = d.require("uri"))
          if (auto uri = d.check().parsed(
                  *node, d.key_path("uri"),
                  +[](std::string_view text) { return parse_destination(text, kDefaultSipPort); })) {
            destination.uri = std::string(node->as_string()->get());
            destination.address = uri->address;
            destination.address6 = uri->address6;
            destination.port = uri->port;
            if (uri->address6 && !first_v6_destination_) {
              first_v6_destination_ = node;
              first_v6_destination_path_ = d.key_path("uri");
            }
            const std::string host = uri->address6 ? "[" + format_ipv6(*uri->address6) + "]" : format_ipv4(uri->address);
            const auto [it, inserted] = endpoints.try_emplace({host, uri->port}, d.path());
            if (!inserted) d.fail_at(*node, "uri", host + ":" + std::to_string(uri->port) + " is already " + it->second);
          }
        d.read("weight", destination.weight, 1, 65535);
        d.read("priority", destination.priority, 0, 255);
        d.read("enabled", destination.enabled);
        d.read("description", destination.description);
        set.destinations.push_back(std::move(destination));
      });
      if (table_size_ok && set.destinations.size() >= set.table_size) {
        const std::string message =
            "must be larger than the number of destinations (" + std::to_string(set.destinations.size()) + ")";
        const auto* node = t.get("table_size");
        node ? t.fail_at(*node, "table_size", message) : t.fail("table_size", message);
      }
      if (name) set_index_.try_emplace(*name, config_.sets.size());
      config_.sets.push_back(std::move(set));
    });
  }

  void read_routes() {
    for_each_table(root_, "route", [&](TableReader& t, std::size_t) {
      RouteConfig route;
      if (auto index = read_set_reference(t, "set", true, route.set)) route.set_index = *index;
      const auto* domain = t.get("domain");
      if (domain)
        if (auto text = t.check().string(*domain, t.key_path("domain"))) {
          if (is_dns_name(*text))
            route.domain = lower(*text);
          else
            t.fail_at(*domain, "domain", quoted(*text) + " is not a domain name or IPv4 address");
        }
      const auto* user_prefix = t.get("user_prefix");
      if (user_prefix)
        if (auto text = t.check().string(*user_prefix, t.key_path("user_prefix"))) {
          if (is_uri_user(*text))
            route.user_prefix = std::string(*text);
          else
            t.fail_at(*user_prefix, "user_prefix", quoted(*text) + " is not a SIP URI user part");
        }
      const auto* source = t.get("source");
      if (source) route.source = t.check().parsed(*source, t.key_path("source"), parse_ipv4_prefix);
      if (!domain && !user_prefix && !source)
        t.fail_here("needs at least one of domain, user_prefix, source (sip.default_set catches the rest)");
      config_.routes.push_back(std::move(route));
    });
  }

  void read_sip() {
    const toml::table* table = nullptr;
    if (!section("sip", table)) return;
    TableReader t(diagnostics_, table, "sip", root_.position());
    auto& sip = config_.sip;
    if (t.require("vips")) {
      const auto* list = t.array("vips");
      if (list && list->empty()) t.fail_at(*list, "vips", "must list at least one address");
      FirstSeen seen;
      for_each_value(list, t.key_path("vips"), [&](const toml::node& node, const std::string& path) {
        // An IPv6 VIP is written as its literal in the same list.
        if (const auto* text = node.as_string(); text && text->get().find(':') != std::string::npos) {
          const auto ip = t.check().parsed(node, path, parse_ipv6);
          if (!ip) return;
          if (!is_ipv6_unicast(*ip))
            t.check().fail(node, path, format_ipv6(*ip) + " is not a unicast address");
          else if (seen.add(t.check(), node, path, "VIP", format_ipv6(*ip)))
            sip.vips6.push_back(*ip);
          return;
        }
        const auto ip = t.check().parsed(node, path, parse_ipv4);
        if (!ip) return;
        if (!is_unicast_address(*ip))
          t.check().fail(node, path, format_ipv4(*ip) + " is not a unicast address");
        else if (seen.add(t.check(), node, path, "VIP", format_ipv4(*ip)))
          sip.vips.push_back(*ip);
      });
    }
    // The node's own traffic (punt TX, keepalives, probes, the control
    // plane's idea of "the VIP") still leaves from an IPv4 VIP: an
    // IPv6-only node is not supported yet.
    if (const auto* list = t.get("vips"); list && sip.vips.empty() && !sip.vips6.empty())
      t.fail_at(*list, "vips", "needs an IPv4 VIP as well: IPv6-only VIPs are not supported yet");
    // An IPv6 server is sent to from an IPv6 address of ours: an IPv6 VIP
    // or an inside port's address6 (proxy::Snapshot::address_towards).
    if (first_v6_destination_ && sip.vips6.empty() &&
        std::none_of(config_.ports.begin(), config_.ports.end(), [](const PortConfig& p) { return p.address6.has_value(); }))
      t.check().fail(*first_v6_destination_, first_v6_destination_path_,
                     "an IPv6 destination needs an IPv6 address to send from: an IPv6 sip.vips entry or a port's address6");
    // The kernel interface holds the port's own address; a VIP there would
    // hand the VIP's host traffic to the kernel.
    for (const auto& key : exception_keys_) {
      const Ipv4 address = config_.ports[key.port].address;
      if (std::find(sip.vips.begin(), sip.vips.end(), address) != sip.vips.end())
        t.check().fail(*key.node, key.path,
                       "the port's address " + format_ipv4(address) +
                           " is a VIP: the exception interface carries the node's own, non-VIP address");
    }
    if (const auto* list = t.array("ports")) {
      sip.ports.clear();
      if (list->empty()) t.fail_at(*list, "ports", "must list at least one UDP port");
      for_each_value(list, t.key_path("ports"), [&](const toml::node& node, const std::string& path) {
        const auto port = t.check().integer(node, path, 1, 65535);
        if (!port) return;
        if (std::find(sip.ports.begin(), sip.ports.end(), *port) != sip.ports.end())
          t.check().fail(node, path, "port " + std::to_string(*port) + " is listed twice");
        else
          sip.ports.push_back(std::uint16_t(*port));
      });
    }
    sip.inside_prefixes = read_prefix_list(t, "inside_prefixes", &sip.inside_prefixes6);
    t.read("record_route", sip.record_route);
    t.read("max_forwards", sip.max_forwards, 1, 255);
    auto& limits = sip.limits;
    const bool message_ok = t.read("max_message_bytes", limits.max_message_bytes, 1024, kMaxMessageBytes);
    t.read("max_headers", limits.max_headers, 8, 1024);
    const bool line_ok = t.read("max_line_bytes", limits.max_line_bytes, 128, kMaxMessageBytes);
    const bool uri_ok = t.read("max_uri_bytes", limits.max_uri_bytes, 64, kMaxMessageBytes);
    const auto fail_limit = [&](std::string_view key, std::string_view message) {
      const auto* node = t.get(key);
      node ? t.fail_at(*node, key, message) : t.fail(key, message);
    };
    if (message_ok && line_ok && limits.max_line_bytes > limits.max_message_bytes)
      fail_limit("max_line_bytes",
                 "must not exceed max_message_bytes (" + std::to_string(limits.max_message_bytes) + ")");
    if (line_ok && uri_ok && limits.max_uri_bytes > limits.max_line_bytes)
      fail_limit("max_uri_bytes", "must not exceed max_line_bytes (" + std::to_string(limits.max_line_bytes) + ")");
    {
      TableReader answer(diagnostics_, t.table("keepalive_answer"), t.key_path("keepalive_answer"), t.position());
      answer.read("crlf", sip.keepalive_answer.crlf);
      answer.read("stun", sip.keepalive_answer.stun);
      answer.finish();
    }
    t.read("relay_reject", sip.relay_reject, kRelayRejectNames);
    t.read("punt_fallback", sip.punt_fallback, kPuntFallbackNames);
    t.read("compact_headers_over_mtu", sip.compact_headers_over_mtu);
    {
      FirstSeen tags;
      for_each_value(t.array("proxy_require_supported"), t.key_path("proxy_require_supported"),
                     [&](const toml::node& node, const std::string& path) {
                       const auto tag = t.check().string(node, path);
                       if (!tag) return;
                       if (tag->empty() || !std::all_of(tag->begin(), tag->end(), is_option_tag_char))
                         t.check().fail(node, path, quoted(*tag) + " is not a SIP option tag (RFC 3261 token)");
                       else if (tags.add(t.check(), node, path, "option tag", lower(*tag)))
                         sip.proxy_require_supported.push_back(lower(*tag));
                     });
    }
    if (t.get("default_set")) {
      if (auto index = read_set_reference(t, "default_set", false, sip.default_set)) sip.default_set_index = *index;
    } else if (sets_declared_) {
      t.fail("default_set", "is required when [[set]] exists");
    }
    t.finish();
  }

  void read_cps() {
    const toml::table* table = nullptr;
    if (!section("cps", table)) return;
    TableReader t(diagnostics_, table, "cps", root_.position());
    auto& cps = config_.cps;
    if (const auto* list = t.array("methods")) {
      cps.methods.clear();
      for_each_value(list, t.key_path("methods"), [&](const toml::node& node, const std::string& path) {
        const auto method = t.check().string(node, path);
        if (!method) return;
        if (*method == "ACK" || *method == "CANCEL")
          t.check().fail(node, path, quoted(*method) + " cannot be limited: it belongs to an INVITE transaction");
        else if (std::find(std::begin(kSipMethods), std::end(kSipMethods), *method) == std::end(kSipMethods))
          t.check().fail(node, path,
                         quoted(*method) + " is not a SIP method (methods are upper case, e.g. \"INVITE\")");
        else if (std::find(cps.methods.begin(), cps.methods.end(), *method) != cps.methods.end())
          t.check().fail(node, path, quoted(*method) + " is listed twice");
        else
          cps.methods.emplace_back(*method);
      });
    }
    t.read("global", cps.global, 0, kMaxCps);
    t.read("per_source", cps.per_source, 0, kMaxCps);
    t.read("burst", cps.burst, 1, 60);
    t.read("breach_action", cps.breach_action, kBreachActionNames);
    t.read("retry_after", cps.retry_after, 0, 3600);
    FirstSeen prefixes;
    for_each_table(t, "rule", [&](TableReader& r, std::size_t) {
      CpsRule rule;
      if (auto prefix = read_parsed(r, "prefix", true, parse_ipv4_prefix)) {
        rule.prefix = *prefix;
        prefixes.add(r.check(), *r.get("prefix"), r.key_path("prefix"), "prefix", format_prefix(*prefix));
      }
      const bool has_cps = r.get("cps") != nullptr;
      r.read("cps", rule.cps, 1, kMaxCps);
      r.read("exempt", rule.exempt);
      if (has_cps && rule.exempt)
        r.fail_here("give either cps or exempt = true, not both");
      else if (!has_cps && !rule.exempt)
        r.fail_here("needs cps = N or exempt = true");
      cps.rules.push_back(rule);
    });
    t.finish();
  }

  void read_nat() {
    const toml::table* table = nullptr;
    if (!section("nat", table)) return;
    TableReader t(diagnostics_, table, "nat", root_.position());
    if (auto tests = read_nat_tests(t, "tests")) config_.nat.tests = *tests;
    t.read("fix", config_.nat.fix);
    FirstSeen prefixes;
    for_each_table(t, "rule", [&](TableReader& r, std::size_t) {
      NatRule rule;
      if (auto prefix = read_parsed(r, "prefix", true, parse_ipv4_prefix)) {
        rule.prefix = *prefix;
        prefixes.add(r.check(), *r.get("prefix"), r.key_path("prefix"), "prefix", format_prefix(*prefix));
      }
      const auto* tests_node = r.get("tests");
      if (auto tests = read_nat_tests(r, "tests")) {
        rule.tests = *tests;
        if (*tests == 0) r.fail_at(*tests_node, "tests", "must list at least one test (never = true exempts a prefix)");
      }
      bool force = false;
      bool never = false;
      r.read("force", force);
      r.read("never", never);
      const int actions = int(tests_node != nullptr) + int(force) + int(never);
      if (actions != 1) r.fail_here("needs exactly one of tests = [...], force = true, never = true");
      rule.action = force ? NatRuleAction::kForce : never ? NatRuleAction::kNever : NatRuleAction::kTests;
      config_.nat.rules.push_back(rule);
    });
    t.finish();
  }

  void read_keepalive() {
    const toml::table* table = nullptr;
    if (!section("keepalive", table)) return;
    TableReader t(diagnostics_, table, "keepalive", root_.position());
    auto& keepalive = config_.keepalive;
    t.read("method", keepalive.method, kKeepaliveMethodNames);
    t.read("interval", keepalive.interval_s, 5, 3600);
    t.read("failures", keepalive.failures, 1, 100);
    if (const auto* node = t.get("from_user"))
      if (auto user = t.check().string(*node, t.key_path("from_user"))) {
        if (!is_uri_user(*user) || user->size() > 64)
          t.fail_at(*node, "from_user", quoted(*user) + " is not a SIP URI user part (1..64 characters)");
        else
          keepalive.from_user = std::string(*user);
      }
    t.finish();
  }

  void read_probe() {
    const toml::table* table = nullptr;
    if (!section("probe", table)) return;
    TableReader t(diagnostics_, table, "probe", root_.position());
    auto& probe = config_.probe;
    t.read("enabled", probe.enabled);
    const bool interval_ok = t.read("interval", probe.interval_s, 1, 3600);
    const bool timeout_ok = t.read("timeout_ms", probe.timeout_ms, 100, 60000);
    if (interval_ok && timeout_ok && probe.timeout_ms >= probe.interval_s * 1000) {
      const std::string message = "must be shorter than the interval (" + std::to_string(probe.interval_s) + " s)";
      const auto* node = t.get("timeout_ms");
      node ? t.fail_at(*node, "timeout_ms", message) : t.fail("timeout_ms", message);
    }
    t.read("failures_down", probe.failures_down, 1, 100);
    t.read("successes_up", probe.successes_up, 1, 100);
    if (const auto* node = t.get("method"))
      if (auto method = t.check().string(*node, t.key_path("method"))) {
        if (std::find(std::begin(kProbeMethods), std::end(kProbeMethods), *method) == std::end(kProbeMethods))
          t.fail_at(*node, "method", "must be one of \"OPTIONS\", \"INFO\", got " + quoted(*method));
        else
          probe.method = std::string(*method);
      }
    t.finish();
  }

  void read_registrar() {
    const toml::table* table = nullptr;
    if (!section("registrar", table)) return;
    TableReader t(diagnostics_, table, "registrar", root_.position());
    auto& registrar = config_.registrar;
    const bool mode_ok = t.read("mode", registrar.mode, kRegistrarModeNames);
    FirstSeen domains;
    for_each_value(t.array("domains"), t.key_path("domains"), [&](const toml::node& node, const std::string& path) {
      const auto domain = t.check().string(node, path);
      if (!domain) return;
      if (!is_dns_name(*domain))
        t.check().fail(node, path, quoted(*domain) + " is not a domain name");
      else if (domains.add(t.check(), node, path, "domain", lower(*domain)))
        registrar.domains.push_back(lower(*domain));
    });
    const bool min_ok = t.read("min_expires", registrar.min_expires, 1, kMaxExpires);
    const bool max_ok = t.read("max_expires", registrar.max_expires, 1, kMaxExpires);
    const bool default_ok = t.read("default_expires", registrar.default_expires, 1, kMaxExpires);
    const auto fail_key = [&](std::string_view key, std::string_view message) {
      const auto* node = t.get(key);
      node ? t.fail_at(*node, key, message) : t.fail(key, message);
    };
    if (min_ok && max_ok && registrar.min_expires > registrar.max_expires)
      fail_key("min_expires", "must not exceed max_expires (" + std::to_string(registrar.max_expires) + ")");
    else if (min_ok && max_ok && default_ok &&
             (registrar.default_expires < registrar.min_expires || registrar.default_expires > registrar.max_expires))
      fail_key("default_expires", "must be within min_expires..max_expires (" + std::to_string(registrar.min_expires) +
                                      ".." + std::to_string(registrar.max_expires) + ")");
    t.read("auth", registrar.auth);
    if (const auto* node = t.get("realm"))
      if (auto realm = t.check().string(*node, t.key_path("realm"))) {
        if (std::any_of(realm->begin(), realm->end(), [](char c) { return c == '"' || c == '\\' || c < ' '; }))
          t.fail_at(*node, "realm", "must not contain quotes, backslashes or control characters");
        else
          registrar.realm = std::string(*realm);
      }
    if (registrar.auth && registrar.realm.empty()) {
      if (!registrar.domains.empty())
        registrar.realm = registrar.domains.front();
      else if (!t.get("realm"))
        t.fail("realm", "is required when auth = true and no domains are listed");
    }
    const bool has_set = t.get("set") != nullptr;
    if (mode_ok && registrar.mode == RegistrarMode::kProxy) {
      if (!has_set)
        t.fail("set", "is required when mode = \"proxy\" (the registrar servers)");
      else
        registrar.set_index = read_set_reference(t, "set", true, registrar.set);
    } else if (mode_ok && has_set) {
      t.fail_at(*t.get("set"), "set", "is only used with mode = \"proxy\"");
    }
    t.read("absorb_refreshes", registrar.absorb_refreshes);
    t.read("flood_rate", registrar.flood_rate, 0, kMaxRegisterFloodRate);
    t.finish();
  }

  void read_store() {
    const toml::table* table = nullptr;
    if (!section("store", table)) return;
    TableReader t(diagnostics_, table, "store", root_.position());
    auto& store = config_.store;
    t.read("backend", store.backend, kStoreBackendNames);
    {
      TableReader sqlite(diagnostics_, t.table("sqlite"), t.key_path("sqlite"), t.position());
      if (const auto* node = sqlite.get("path"))
        if (auto path = sqlite.check().non_empty_string(*node, sqlite.key_path("path")))
          store.sqlite.path = std::string(*path);
      sqlite.finish();
    }
    {
      TableReader redis(diagnostics_, t.table("redis"), t.key_path("redis"), t.position());
      if (auto address = read_parsed(redis, "address", false, parse_host_port)) store.redis.address = *address;
      FirstSeen sentinels;
      for_each_value(redis.array("sentinels"), redis.key_path("sentinels"),
                     [&](const toml::node& node, const std::string& path) {
                       auto sentinel = redis.check().parsed(node, path, parse_host_port);
                       if (sentinel && sentinels.add(redis.check(), node, path, "sentinel",
                                                     sentinel->host + ":" + std::to_string(sentinel->port)))
                         store.redis.sentinels.push_back(std::move(*sentinel));
                     });
      redis.read("master_name", store.redis.master_name);
      redis.read("password", store.redis.password);
      redis.read("db", store.redis.db, 0, 65535);
      if (redis.read("key_prefix", store.redis.key_prefix)) {
        const std::string& prefix = store.redis.key_prefix;
        const bool bad_char = std::any_of(prefix.begin(), prefix.end(), [](char ch) {
          return !(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.');
        });
        if (prefix.empty() || prefix.size() > 32 || bad_char)
          redis.check().fail(*redis.get("key_prefix"), redis.key_path("key_prefix"),
                             "must be 1..32 letters, digits, '_', '-' or '.' (it is part of a SCAN pattern)");
      }
      redis.read("wait_replicas", store.redis.wait_replicas, 0, kMaxRedisWaitReplicas);
      redis.read("wait_timeout_ms", store.redis.wait_timeout_ms, 1, kMaxRedisWaitTimeoutMs);
      if (!store.redis.sentinels.empty() && store.redis.master_name.empty())
        redis.fail("master_name", "is required when sentinels are listed");
      redis.finish();
    }
    t.finish();
  }

  void read_metrics() {
    const toml::table* table = nullptr;
    if (!section("metrics", table)) return;
    TableReader t(diagnostics_, table, "metrics", root_.position());
    auto& metrics = config_.metrics;
    if (auto listen = read_parsed(t, "listen", false, parse_listen_address)) metrics.listen = *listen;
    t.read("dashboard", metrics.dashboard);
    if (const auto* node = t.get("token_file"))
      if (auto path = t.check().non_empty_string(*node, t.key_path("token_file"))) {
        metrics.token_file = std::string(*path);
        if (const std::string problem = read_token_file(metrics.token_file, metrics.token); !problem.empty())
          t.fail_at(*node, "token_file", problem);
      }
    metrics.allow = read_prefix_list(t, "allow");
    // allow holds IPv4 prefixes: every client of a v6 listener would get 403.
    if (const auto* allow = t.get("allow"); allow && metrics.listen.v6 && !metrics.allow.empty())
      t.fail_at(*allow, "allow",
                "lists IPv4 prefixes, which no client of the IPv6 listen address " +
                    format_listen_host(metrics.listen) + " is in: leave it empty ([]) with an IPv6 listen");
    // The API can unregister users, reload and take destinations out: off
    // loopback (127/8 or ::1), only with a token. 0.0.0.0 or [::] turns HTTP off.
    if (const auto* listen = t.get("listen");
        listen && !metrics.listen.off() && !metrics.listen.is_loopback() && !t.get("token_file"))
      t.fail_at(*listen, "listen",
                format_listen_host(metrics.listen) +
                    " is not a loopback address: set metrics.token_file too (the API can unregister users, reload "
                    "and change destination state)");
    t.finish();
  }

  void read_cluster() {
    const toml::table* table = nullptr;
    if (!section("cluster", table)) return;
    TableReader t(diagnostics_, table, "cluster", root_.position());
    auto& cluster = config_.cluster;
    const bool mode_ok = t.read("mode", cluster.mode, kClusterModeNames);
    if (mode_ok && cluster.mode != ClusterMode::kOff && config_.store.backend != StoreBackend::kRedis) {
      const std::string message = "mode = " + quoted(enum_name(kClusterModeNames, cluster.mode)) +
                                  " needs store.backend = \"redis\" (registrations are shared through it)";
      const auto* node = t.get("mode");
      node ? t.fail_at(*node, "mode", message) : t.fail("mode", message);
    }
    const auto* list = t.array("share_with");
    FirstSeen peers;
    for_each_value(list, t.key_path("share_with"), [&](const toml::node& node, const std::string& path) {
      const auto peer = t.check().string(node, path);
      if (!peer) return;
      if (!is_name(*peer))
        t.check().fail(node, path, std::string(kNameRule) + ", got " + quoted(*peer));
      else if (*peer == config_.node.name)
        t.check().fail(node, path, quoted(*peer) + " is this node (node.name)");
      else if (peers.add(t.check(), node, path, "peer", std::string(*peer)))
        cluster.share_with.emplace_back(*peer);
    });
    if (mode_ok && cluster.mode == ClusterMode::kArray && list && list->empty())
      t.fail_at(*list, "share_with", "must name at least one peer node when mode = \"array\"");
    else if (mode_ok && cluster.mode == ClusterMode::kArray && !list)
      t.fail("share_with", "is required when mode = \"array\"");
    else if (mode_ok && cluster.mode != ClusterMode::kArray && list && !list->empty())
      t.fail_at(*list, "share_with", "is only used with mode = \"array\"");
    t.finish();
  }

  void read_announce() {
    const toml::table* table = nullptr;
    if (!section("announce", table)) return;
    TableReader t(diagnostics_, table, "announce", root_.position());
    auto& announce = config_.announce;
    t.read("enabled", announce.enabled);
    if (const auto* node = t.get("bird_socket"))
      if (auto path = t.check().non_empty_string(*node, t.key_path("bird_socket"))) {
        if (path->size() > kMaxUnixPathBytes)
          t.fail_at(*node, "bird_socket",
                    "must be at most " + std::to_string(kMaxUnixPathBytes) + " bytes (a Unix socket path)");
        else
          announce.bird_socket = std::string(*path);
      }
    if (const auto* node = t.get("protocol"))
      if (auto name = t.check().string(*node, t.key_path("protocol"))) {
        // A BIRD symbol: it goes into "enable NAME" on the control socket.
        const bool symbol = !name->empty() && name->size() <= 64 && !std::isdigit(static_cast<unsigned char>((*name)[0])) &&
                            std::all_of(name->begin(), name->end(), [](char c) {
                              return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                            });
        if (!symbol)
          t.fail_at(*node, "protocol", "must be a BIRD protocol name ([A-Za-z_][A-Za-z0-9_]*, up to 64), got " + quoted(*name));
        else
          announce.protocol = std::string(*name);
      }
    FirstSeen sets;
    for_each_value(t.array("sets"), t.key_path("sets"), [&](const toml::node& node, const std::string& path) {
      const auto name = t.check().string(node, path);
      if (!name) return;
      const auto it = set_index_.find(*name);
      if (it == set_index_.end())
        t.check().fail(node, path, "no [[set]] named " + quoted(*name));
      else if (sets.add(t.check(), node, path, "set", std::string(*name))) {
        announce.sets.emplace_back(*name);
        announce.set_indexes.push_back(it->second);
      }
    });
    t.read("min_up", announce.min_up, 0, 100000);
    t.read("hold_down", announce.hold_down_s, 0, 3600);
    t.read("heartbeat_timeout_ms", announce.heartbeat_timeout_ms, 1500, 60000);
    t.read("guard_timeout_ms", announce.guard_timeout_ms, 100, 10000);
    t.read("drain_grace", announce.drain_grace_s, 0, 86400);
    t.finish();
  }

  Diagnostics& diagnostics_;
  TableReader root_;
  Config config_;
  // The first destination written with an IPv6 host, for read_sip()'s check.
  const toml::node* first_v6_destination_ = nullptr;
  std::string first_v6_destination_path_;
  bool main_lcore_ok_ = true;
  bool sets_declared_ = false;
  std::vector<bool> port_address_ok_;
  // Where each port's `exception` was given, for the checks against the VIPs.
  struct ExceptionKey {
    std::size_t port;
    const toml::node* node;
    std::string path;
  };
  std::vector<ExceptionKey> exception_keys_;
  std::map<std::string, std::size_t, std::less<>> port_index_;
  std::map<std::string, std::size_t, std::less<>> set_index_;
};

}  // namespace

LoadResult load_string(std::string_view toml_text, std::string_view name) {
  Diagnostics diagnostics{std::string(name)};
  LoadResult result;
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string(name));
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    diagnostics.add({std::max(begin.line, 1u), std::max(begin.column, 1u)}, "", error.description());
    result.errors = diagnostics.take_sorted();
    return result;
  }
  Config config = Loader(diagnostics, root).run(std::string(name));
  if (diagnostics.empty())
    result.config = std::move(config);
  else
    result.errors = diagnostics.take_sorted();
  return result;
}

LoadResult load_file(const std::string& path) {
  // stdio rather than ifstream: it reports why a read failed (EISDIR, EACCES).
  std::string text;
  int error = 0;
  if (std::FILE* file = std::fopen(path.c_str(), "rb")) {
    char buffer[65536];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
    if (std::ferror(file)) error = errno ? errno : EIO;
    std::fclose(file);
  } else {
    error = errno ? errno : EIO;
  }
  if (error != 0) {
    LoadResult result;
    result.errors.push_back(Error{path, 0, 0, std::string("cannot read: ") + std::strerror(error)});
    return result;
  }
  return load_string(text, path);
}

}  // namespace sipedge::config
