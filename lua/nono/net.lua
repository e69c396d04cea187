--- Network egress: the allowed hosts, how a host name is read, and the
-- decision the proxy asks for each connection (docs/threats.md, rows
-- 32–35).  `nono why --host` answers from the same functions.
--
-- Host names are read strictly, one way only, before anything is matched:
--   * ASCII letters, digits, '-' and '.', at most 253 characters, labels of
--     1 to 63 that neither start nor end with '-'; compared in lower case.
--     An internationalised name is accepted only in its punycode form
--     (xn--...): nono does no IDNA mapping, so no two spellings meet.
--   * One trailing dot is dropped ("example.com." is "example.com"), on
--     both sides of every comparison.
--   * IPv4 only as a.b.c.d (decimal, no leading zeros); a name whose last
--     label starts with a digit is refused, so 127.1, 0x7f.1 and 2130706433
--     (which resolvers read as addresses) are never names.  IPv6 only in
--     brackets, written as inet_pton reads it, no zone; compared in the
--     form inet_ntop writes.
--   * Anything else (NUL, CR, LF, spaces, control bytes, '%', '@', '_',
--     '\', non-ASCII) is refused, with the reason.
local core = require "nono.core"

local M = {}

--- Ports an entry without one allows: HTTPS (CONNECT) and HTTP.
M.DEFAULT_PORTS = { 443, 80 }

--- Named groups, `--allow-host @NAME` (and allow_host "@NAME" in a
-- profile).  Each lists the hosts the tool talks to for what the group is
-- named after, no more.
M.groups = {
  npm = { "registry.npmjs.org", "registry.yarnpkg.com" },
  pypi = { "pypi.org", "files.pythonhosted.org" },
  crates = { "crates.io", "index.crates.io", "static.crates.io" },
  golang = { "proxy.golang.org", "sum.golang.org" },
  rubygems = { "rubygems.org", "index.rubygems.org" },
  github = { "github.com", "api.github.com", "codeload.github.com", "objects.githubusercontent.com",
    "raw.githubusercontent.com" },
  gitlab = { "gitlab.com", "registry.gitlab.com" },
  bitbucket = { "bitbucket.org", "api.bitbucket.org" },
}
-- The model APIs multi-provider agents (opencode, OpenClaw) talk to.
M.groups["model-apis"] = { "api.anthropic.com", "api.openai.com", "generativelanguage.googleapis.com",
  "openrouter.ai", "api.mistral.ai", "api.groq.com", "api.deepseek.com", "api.x.ai" }
M.groups["package-registries"] = { "@npm", "@pypi", "@crates", "@golang", "@rubygems" }
M.groups["git-hosting"] = { "@github", "@gitlab", "@bitbucket" }

--- Read a host name or address.  Returns the canonical form and its kind
-- ("name", "ipv4", "ipv6"), or nil and why it is refused.
function M.host(s)
  if type(s) ~= "string" or s == "" then return nil, "an empty host" end
  if #s > 255 then return nil, "a host longer than 253 characters" end
  local inner = s:match("^%[(.*)%]$")
  if inner then
    if not inner:match("^[%x:.]+$") or not inner:find(":", 1, true) then
      return nil, string.format("'%s' is not an IPv6 address in brackets (no zone, no percent-encoding)", s)
    end
    local canon, family = core.inet_canonical(inner)
    if family ~= 6 then return nil, string.format("'%s' is not an IPv6 address", s) end
    return canon, "ipv6"
  end
  local bad = s:match("[^%w%.%-]")
  if bad then
    local what = bad == "\0" and "a NUL byte" or bad == "\r" and "a CR" or bad == "\n" and "an LF"
      or bad == " " and "a space" or bad == "@" and "'@' (user information is not part of a host)"
      or bad == "%" and "'%' (percent-encoding is not read)"
      or bad == ":" and "':' (an IPv6 address goes in brackets)"
      or bad:byte() >= 0x80 and "a non-ASCII byte (write an internationalised name in its punycode "
        .. "form, xn--...)"
      or bad:byte() < 0x20 and string.format("a control byte (0x%02x)", bad:byte())
      or string.format("'%s'", bad)
    return nil, string.format("the host holds %s", what)
  end
  s = s:lower():gsub("%.$", "", 1)
  if #s > 253 or s == "" then return nil, "not a host name" end
  local labels = {}
  for label in (s .. "."):gmatch("([^.]*)%.") do
    if label == "" then return nil, string.format("'%s' has an empty label", s) end
    if #label > 63 then return nil, string.format("'%s' has a label longer than 63", s) end
    if label:match("^%-") or label:match("%-$") then
      return nil, string.format("'%s' has a label that starts or ends with '-'", s)
    end
    labels[#labels + 1] = label
  end
  if labels[#labels]:match("^%d") then
    -- an address: only the four decimal parts everyone reads alike
    local ok = #labels == 4
    for _, l in ipairs(labels) do
      if not l:match("^%d+$") or (#l > 1 and l:match("^0")) or tonumber(l) > 255 then ok = false end
    end
    if not ok then
      return nil, string.format("'%s' is neither a host name nor an address written a.b.c.d", s)
    end
    return s, "ipv4"
  end
  return s, "name"
end

--- Split HOST[:PORT] (or [V6][:PORT]).  Returns the canonical host, its
-- kind and the port (`default` when none is written: nil then means
-- required, false none), or nil and a message.
function M.authority(s, default)
  if type(s) ~= "string" then return nil, "no host" end
  if s:find("@", 1, true) then
    return nil, string.format("'%s' holds user information ('@'): only HOST[:PORT] is read", s)
  end
  local host, port
  if s:sub(1, 1) == "[" then
    host, port = s:match("^(%[[^%]]*%]):(.*)$")
    if not host then host, port = s:match("^(%[[^%]]*%])$"), nil end
    if not host then return nil, string.format("'%s' is not [IPv6]:PORT", s) end
  else
    local n = select(2, s:gsub(":", ""))
    if n > 1 then return nil, string.format("'%s': an IPv6 address goes in brackets", s) end
    host, port = s:match("^([^:]*):(.*)$")
    if not host then host = s end
  end
  local canon, kind = M.host(host)
  if not canon then return nil, kind end
  if port then
    if not port:match("^[1-9]%d*$") or tonumber(port) > 65535 then
      return nil, string.format("'%s' is not a port (1 to 65535)", port)
    end
    port = tonumber(port)
  elseif default == nil then
    return nil, string.format("'%s' has no port", s)
  else
    port = default or nil -- false: none written, none needed
  end
  return canon, kind, port
end

local function entry_text(rule)
  local h = rule.kind == "ipv6" and "[" .. rule.host .. "]" or rule.host
  h = rule.wildcard and "*." .. h or h
  return rule.port and h .. ":" .. rule.port or h
end

--- Parse one allow entry: HOST[:PORT], *.DOMAIN[:PORT], or @GROUP.
-- Returns a list of rules (a group gives several), or nil and a message.
function M.parse_entry(text, source, seen)
  if type(text) ~= "string" then return nil, "expected a host, got " .. type(text) end
  local group = text:match("^@(.*)$")
  if group then
    local members = M.groups[group]
    if not members then
      local names = {}
      for name in pairs(M.groups) do names[#names + 1] = "@" .. name end
      table.sort(names)
      return nil, string.format("no host group '%s' (there are %s)", text, table.concat(names, ", "))
    end
    seen = seen or {}
    if seen[group] then return {} end
    seen[group] = true
    local out = {}
    for _, m in ipairs(members) do
      local rules, msg = M.parse_entry(m, source .. " (" .. text .. ")", seen)
      if not rules then return nil, msg end
      for _, r in ipairs(rules) do out[#out + 1] = r end
    end
    return out
  end
  local wildcard = false
  local rest = text
  if text:sub(1, 2) == "*." then
    wildcard, rest = true, text:sub(3)
  elseif text:find("*", 1, true) then
    return nil, string.format("'%s': a wildcard is only *.DOMAIN (a bare * allows everything: "
      .. "use --net-open for that)", text)
  end
  local host, kind, port = M.authority(rest, false)
  if not host then return nil, kind end
  if wildcard and (kind ~= "name" or not host:find(".", 1, true)) then
    return nil, string.format("'%s': a wildcard needs a domain of at least two labels beneath it "
      .. "(*.example.com, not *.com)", text)
  end
  local rule = { host = host, kind = kind, wildcard = wildcard, port = port or nil, source = source }
  rule.text = entry_text(rule)
  return { rule }
end

--- Add an entry to policy `p` (its `hosts` list).  Returns true, or nil
-- and a message.
function M.allow(p, text, source)
  local rules, msg = M.parse_entry(text, source)
  if not rules then return nil, (source and source .. ": " or "") .. msg end
  p.hosts = p.hosts or {}
  for _, r in ipairs(rules) do p.hosts[#p.hosts + 1] = r end
  return true
end

local function port_ok(rule, port)
  if rule.port then return rule.port == port end
  for _, d in ipairs(rule.ports or M.DEFAULT_PORTS) do
    if d == port then return true end
  end
  return false
end

--- Add a port grant (nono.grants' PORT_FORMS: `right` "connect" or
-- "bind") to policy `p`.  Returns true, or nil and a message.
function M.allow_port(p, right, value, source)
  local port, msg = require("nono.grants").parse_port(value)
  if not port then return nil, (source and source .. ": " or "") .. msg end
  p.ports = p.ports or {}
  for _, r in ipairs(p.ports) do
    if r.port == port and r.right == right then return true end
  end
  p.ports[#p.ports + 1] = { port = port, right = right, source = source }
  return true
end

--- The ports of `p` granted for `right`, in ascending order.
function M.ports(p, right)
  local out = {}
  for _, r in ipairs(p.ports or {}) do
    if r.right == right then out[#out + 1] = r.port end
  end
  table.sort(out)
  return out
end

--- The allow-list the proxy judges by: the hosts of `p`, those without a
-- port of their own taking 443, 80 and every --allow-port (copies).
function M.rules(p)
  local ports = {}
  for _, d in ipairs(M.DEFAULT_PORTS) do ports[#ports + 1] = d end
  for _, n in ipairs(M.ports(p, "connect")) do ports[#ports + 1] = n end
  local out = {}
  for _, rule in ipairs(p.hosts or {}) do
    local r = {}
    for k, v in pairs(rule) do r[k] = v end
    if not r.port then r.ports = ports end
    out[#out + 1] = r
  end
  return out
end

--- Whether the port grants of `p` go with its network mode: they widen an
-- allow-list and mean nothing under --net-block (seccomp leaves no TCP
-- socket).  With no allow-list and no --net-open they would promise a
-- limit that is not there (every port is open), so they are refused
-- rather than ignored.  Returns true, or nil and a message.
function M.check_ports(p)
  local first = (p.ports or {})[1]
  if not first then return true end
  local flag = first.right == "bind" and "--allow-bind" or "--allow-port"
  if p.net_block then
    return nil, string.format("%s: --net-block leaves no TCP socket to use a port with", first.source or flag)
  end
  if M.mode(p) == "open" and not p.net_open then
    return nil, string.format("%s: %s opens a port under an allow-list of hosts (--allow-host, or a "
      .. "profile's); without one the network is open and every port is reachable already",
      first.source or flag, flag)
  end
  return true
end

--- What `nono run` refuses for the port grants of `p` (after
-- check_ports): a bind on the floor, where Landlock's bind rule names no
-- address, so the command would listen on every interface of this machine
-- and anyone who can reach it could talk to the sandbox (row 33), unless
-- --best-effort.  Returns true, or nil and the lines to print.
function M.check_runnable(p)
  local bind = M.ports(p, "bind")
  if #bind == 0 or M.mode(p) ~= "allow-list" or M.namespace(p) or p.best_effort then return true end
  return nil, { string.format("--allow-bind %d: without a network namespace of its own the command "
      .. "would listen on every address of this machine (Landlock's bind rule names a port, not an "
      .. "address), reachable from outside the sandbox", bind[1]),
    "hint: add --best-effort to run so anyway, or enable user namespaces (sysctl "
      .. "kernel.unprivileged_userns_clone=1) for a namespace of loopback only",
    "the command was not run" }
end

local function host_ok(rule, host)
  if rule.wildcard then
    return #host > #rule.host + 1 and host:sub(-(#rule.host + 1)) == "." .. rule.host
  end
  return host == rule.host
end

--- The verdict for `host` (canonical) and `port`: the rule that allows it,
-- or nil and the reason with the flag to add.
function M.match(hosts, host, port, kind)
  for _, rule in ipairs(hosts or {}) do
    if host_ok(rule, host) and port_ok(rule, port) then return rule end
  end
  local shown = kind == "ipv6" and "[" .. host .. "]" or host
  local flag = "--allow-host " .. shown .. ((port == 443 or port == 80) and "" or ":" .. port)
  for _, rule in ipairs(hosts or {}) do
    if not rule.port and host_ok(rule, host) then
      -- the host is allowed, on the default ports
      flag = string.format("--allow-port %d (every allowed host) or %s", port, flag)
      break
    end
  end
  return nil, string.format("%s:%d is not an allowed host", shown, port), "add " .. flag
end

--- The proxy's question: may this request go out?  `ask`: { connect,
-- method, authority, host_header }.  Returns { allowed, host, port,
-- reason } (host and port canonical when they could be read).
function M.decide(hosts, ask)
  local host, kind, port = M.authority(ask.authority, (not ask.connect) and 80 or nil)
  if not host then return { allowed = false, reason = "refused: " .. kind } end
  if not ask.connect then
    -- rows 33, 35: the host the server is told must be the one judged
    if not ask.host_header then
      return { allowed = false, host = host, port = port, reason = "refused: a request without a Host header" }
    end
    local hh, hkind, hport = M.authority(ask.host_header, 80)
    if not hh then return { allowed = false, host = host, port = port, reason = "refused: Host: " .. hkind } end
    if hh ~= host or hport ~= port then
      return { allowed = false, host = host, port = port, reason = string.format(
        "refused: the URL names %s:%d and the Host header %s:%d", host, port, hh, hport) }
    end
    if hkind ~= kind then return { allowed = false, host = host, port = port, reason = "refused: Host differs" } end
  end
  local rule, reason, hint = M.match(hosts, host, port, kind)
  if not rule then
    return { allowed = false, host = host, port = port, reason = reason .. " (" .. hint .. ")" }
  end
  return { allowed = true, host = host, port = port, reason = "allowed by " .. rule.source }
end

--- After DNS (rebinding, row 35): a public address passes; any other class
-- (loopback, private, link-local, CGNAT, unique-local, cloud metadata,
-- reserved) only when that very address is allowed, as an IP literal.
function M.check_address(hosts, host, port, address, class)
  if class == "public" then return true end
  local canon, family = core.inet_canonical(address)
  for _, rule in ipairs(hosts or {}) do
    if not rule.wildcard and rule.kind ~= "name" and rule.host == canon and port_ok(rule, port) then
      return true
    end
  end
  local shown = family == 6 and "[" .. address .. "]" or address
  return false, string.format("%s resolves to %s, a %s address: refused unless that address is allowed "
    .. "(--allow-host %s:%d)", host, address, class, shown, port)
end

--- `nono why --host HOST[:PORT]`: the answer as a table (verdict,
-- host, port, reason, hint, rule), or nil and a usage message.
function M.why(p, text)
  local host, kind, port = M.authority(text, 443)
  if not host then return nil, kind end
  local shown = (kind == "ipv6" and "[" .. host .. "]" or host) .. ":" .. port
  local mode = M.mode(p)
  if mode == "open" then
    return { verdict = "allowed", host = host, port = port, target = shown, mode = mode,
      reason = "the network is open: no --allow-host (or the profile's hosts) limits it",
      hint = "add --allow-host HOST[:PORT] to allow only the hosts named" }
  elseif mode == "blocked" then
    return { verdict = "denied", host = host, port = port, target = shown, mode = mode,
      reason = "--net-block: no network but unix sockets" }
  end
  local rule, reason, hint = M.match(M.rules(p), host, port, kind)
  if not rule then
    return { verdict = "denied", host = host, port = port, target = shown, mode = mode, reason = reason, hint = hint }
  end
  local answer = { verdict = "allowed", host = host, port = port, target = shown, mode = mode,
    rule = rule.text, reason = "allowed by " .. rule.source .. " (" .. rule.text .. ")" }
  if kind == "name" then
    answer.note = "the proxy resolves it and refuses loopback, private, link-local, CGNAT, "
      .. "unique-local and cloud-metadata addresses unless that address is allowed itself"
  end
  return answer
end

--- Whether some allowed host of `p` names no port (takes 443, 80 and
-- --allow-port's).
function M.has_portless(p)
  for _, rule in ipairs(p.hosts or {}) do
    if not rule.port then return true end
  end
  return false
end

--- `nono why --port N` (`right` "connect") and `nono why --bind N`
-- ("bind"): the answer as a table, or nil and a usage message.
function M.why_port(p, right, value)
  local port, msg = require("nono.grants").parse_port(value)
  if not port then return nil, msg end
  local mode = M.mode(p)
  local verb = right == "bind" and "listen on" or "connect to"
  local answer = { verdict = "denied", port = port, right = right, mode = mode,
    target = (right == "bind" and "bind " or "connect ") .. port }
  local granted
  for _, r in ipairs(p.ports or {}) do
    if r.port == port and r.right == right then granted = r end
  end
  if mode == "open" then
    answer.verdict, answer.reason = "allowed", "the network is open: any TCP port"
  elseif mode == "blocked" then
    answer.reason = "--net-block: no network but unix sockets"
  elseif right == "connect" and not M.has_portless(p) then
    answer.reason = "every allowed host names its own port: --allow-port widens none of them"
    answer.hint = string.format("add --allow-host HOST:%d", port)
  elseif right == "connect" and (granted or port == 443 or port == 80) then
    answer.verdict = "allowed"
    answer.reason = string.format("the allowed hosts without a port of their own are reached on %d "
      .. "through nono's proxy (%s); nothing else", port, granted and (granted.source or "--allow-port")
      or "a default port")
  elseif right == "bind" and granted then
    answer.verdict = "allowed"
    answer.reason = string.format("%s: a Landlock bind rule for TCP port %d", granted.source or "--allow-bind", port)
    answer.note = M.namespace(p) and "it listens in the command's own network namespace: reachable from "
      .. "inside the sandbox only" or "on the floor it listens on every address of this machine, and "
      .. "nono run refuses that without --best-effort"
  else
    answer.reason = string.format("the allow-list lets the command %s TCP port %d %s", verb, port,
      right == "bind" and "nowhere" or "of no host without a port of its own")
    answer.hint = string.format("add --allow-%s %d", right == "bind" and "bind" or "port", port)
  end
  return answer
end

--- The network part of the JSON report: mode, hosts, ports.
function M.report_data(p)
  local hosts = {}
  for _, h in ipairs(p.hosts or {}) do hosts[#hosts + 1] = h.text end
  return { mode = M.mode(p), hosts = hosts, connect_ports = M.ports(p, "connect"), bind_ports = M.ports(p, "bind") }
end

--- The network mode of policy `p`: "blocked" (--net-block), "allow-list"
-- (hosts allowed one by one, through the proxy), or "open".
function M.mode(p)
  if p.net_block then return "blocked" end
  if p.net_open then return "open" end
  if p.hosts and #p.hosts > 0 then return "allow-list" end
  return "open"
end

--- The variables that point the command's clients at the proxy.
function M.environment(url)
  local out = {}
  for _, name in ipairs { "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY" } do
    out[#out + 1] = name .. "=" .. url
    out[#out + 1] = name:lower() .. "=" .. url
  end
  -- nothing goes around the proxy (and it could not: the sandbox
  -- reaches no other port)
  out[#out + 1] = "NO_PROXY="
  out[#out + 1] = "no_proxy="
  return out
end

--- The proxy's port in the command's own network namespace (nothing else
-- listens there).
M.NAMESPACE_PORT = 3128

--- Whether the allow-list of `p` gets a network namespace of its own:
-- where the user namespace's every step works (the probe).
function M.namespace(p)
  return M.mode(p) == "allow-list" and p:binds_available(p.cwd) == true
end

--- The report's `network` lines for a policy that is not --net-block
-- (`ll`: the report's landlock table).
function M.report_lines(p, ll)
  if M.mode(p) ~= "allow-list" then
    return { string.format("open (%s)", p.net_open and "--net-open"
      or "--allow-host allows hosts one by one; --net-block closes it") }
  end
  local hosts = {}
  for _, h in ipairs(p.hosts) do hosts[#hosts + 1] = h.text end
  local out = { "allow-list: only through nono's proxy, to " .. table.concat(hosts, " ") }
  local bind = M.ports(p, "bind")
  local binds = #bind == 0 and "no bind" or "bind to TCP port " .. table.concat(bind, ", ")
  if M.namespace(p) then
    out[2] = "own network namespace with loopback only: no interface of this machine is reachable; the "
      .. "proxy's socket is made inside it and served from outside; Landlock allows TCP connect to the "
      .. "proxy's port only, and " .. binds .. "; UDP is refused (seccomp); the proxy also asks for this "
      .. "session's token"
    if #bind > 0 then
      out[#out + 1] = "a server on " .. table.concat(bind, ", ") .. " listens in that namespace: the "
        .. "command may connect to it there (loopback only); it is not reachable from this machine's "
        .. "127.0.0.1 (nothing is forwarded)"
    end
  elseif #ll.handled_net > 0 then
    out[2] = "FLOOR MODE, weaker: Landlock allows TCP connect to the proxy's port only, and " .. binds
      .. "; its rules name ports, not addresses, so that port on any other host is reachable too; UDP is "
      .. "refused (seccomp); the proxy asks for this session's token, so no other local process can use it"
    if #bind > 0 then
      out[#out + 1] = "BEST EFFORT: a server on " .. table.concat(bind, ", ") .. " would listen on every "
        .. "address of this machine, reachable from outside the sandbox (nono run refuses it without "
        .. "--best-effort); the command itself cannot connect to it (a connect rule would name that port "
        .. "on every host)"
    end
  else
    out[2] = string.format("NOT ENFORCED (Landlock ABI %d < 4, --best-effort): any TCP connect goes "
      .. "out; only clients that honour HTTPS_PROXY use the proxy; UDP is refused", ll.abi)
  end
  local connect = M.ports(p, "connect")
  out[#out + 1] = "hosts without a port of their own: ports " .. table.concat(M.DEFAULT_PORTS, ", ")
    .. (#connect > 0 and ", " .. table.concat(connect, ", ") .. " (--allow-port)" or "")
  out[#out + 1] = "the proxy resolves names and refuses loopback, private, link-local, CGNAT, unique-local and "
    .. "cloud-metadata addresses unless that address is allowed itself"
  return out
end

--- Names of the environment variables M.environment sets.
M.variables = { "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
  "NO_PROXY", "no_proxy" }

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

--- `s` in base64 (the Basic credentials the proxy compares).
function M.base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a << 16 | (b or 0) << 8 | (c or 0)
    local chunk = {}
    for k = 1, 4 do
      local v = (n >> (6 * (4 - k))) & 63
      chunk[k] = B64:sub(v + 1, v + 1)
    end
    if not b then chunk[3] = "=" end
    if not c then chunk[4] = "=" end
    out[#out + 1] = table.concat(chunk)
  end
  return table.concat(out)
end

--- Set up the allow-list's proxy for `nono run` (row 33): its socket and
-- port now, for the plan's port rule and the command's environment
-- (`environ`, changed in place); supervisor.run forks it just before the
-- command.  Where namespaces work the socket is made in the command's own
-- network namespace (exec.c) and arrives over a socket pair.  Returns the
-- proxy (for plan:set_netns and supervisor.run), or nil and a message.
function M.prepare(p, environ, verbose)
  local fd, port, send
  if M.namespace(p) then
    send, fd = core.socketpair()
    if not send then return nil, fd end
    port = M.NAMESPACE_PORT
  else
    fd, port = core.proxy_listen(0)
  end
  local token, tmsg = fd and core.random_hex(16)
  if not fd or not token then return nil, fd and tmsg or port end
  p.proxy_port = port
  local names = {}
  for _, name in ipairs(M.variables) do names[name] = true end
  for j = #environ, 1, -1 do
    if names[environ[j]:match("^([^=]*)")] then table.remove(environ, j) end
  end
  for _, e in ipairs(M.environment(string.format("http://nono:%s@127.0.0.1:%d", token, port))) do
    environ[#environ + 1] = e
  end
  return { fd = not send and fd or nil, receive_fd = send and fd or nil, send_fd = send, port = port,
    auth = "Basic " .. M.base64("nono:" .. token), hosts = M.rules(p), verbose = verbose }
end

--- The hooks core.proxy_start calls: decide, check_address, record.
-- `record(fields)` gets each connection's event (host, port, address,
-- allowed, reason, bytes_out, bytes_in).
function M.hooks(hosts, record)
  return function(ask) return M.decide(hosts, ask) end,
    function(host, port, address, class) return M.check_address(hosts, host, port, address, class) end,
    record or function() end
end

return M
