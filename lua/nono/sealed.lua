--- The sealed policy: what `why` needs of a resolved policy, written as
-- text and read back (nono.policy's Policy:export and import).
local json = require "nono.json"

local M = {}

--- What `why` needs of a resolved policy, as text: handed to the command
-- sealed (`nono why --self` answers from it inside the sandbox with the
-- same `why`, without resolving anything again).  A JSON line (the
-- narrowed directories, the bypassed protections, the network: its mode,
-- hosts and ports, and whether the namespaces were used), then a line per
-- grant, per rule and per protection in force, as there may be ten
-- thousand grants and rules and there are some seventy protections on
-- every run (as JSON they were most of the export's time): tab-separated
-- fields with "\", tab and newline escaped, an empty field for none,
--   g ISDIR TTL EXPIRES_AT ACCESS SOURCE CANONICAL
--   r MASK ISDIR GRANT PATH        (GRANT: the number of its g line)
--   p MODE BIND GUARDED NLINK CANONICAL WHY SOURCE GIVEN NAME [NAMES...]
local ESCAPES = { ["\\"] = "\\\\", ["\t"] = "\\t", ["\n"] = "\\n" }
local UNESCAPES = { ["\\\\"] = "\\", ["\\t"] = "\t", ["\\n"] = "\n" }

-- (three plain searches: a pattern with a set costs more per byte, and
-- there is a line per grant and per rule)
local find = string.find
local function plain(s)
  return not (find(s, "\\", 1, true) or find(s, "\t", 1, true) or find(s, "\n", 1, true))
end

-- A field as it is, for a line whose text fields were all found plain
-- at once (`plain` of their concatenation).
local function raw(s)
  if type(s) == "string" then return s end -- (tostring of a string looks up __tostring)
  return tostring(s or "")
end

local function esc(s)
  s = raw(s)
  return plain(s) and s or (s:gsub("[\\\t\n]", ESCAPES))
end

local function unesc(s)
  return s:find("\\", 1, true) and (s:gsub("\\[\\tn]", UNESCAPES)) or s
end

function M.export(self)
  assert(self.resolved, "policy: resolve() first")
  local index, lines, narrowed, bypassed = {}, {}, {}, {}
  local fmt, ngrants = string.format, 0
  local function grant_of(g)
    if not index[g] then
      ngrants = ngrants + 1
      index[g] = ngrants
      local e = plain(raw(g.access) .. raw(g.source) .. raw(g.canonical)) and raw or esc
      lines[#lines + 1] = "g\t" .. (g.isdir and "1" or "0") .. "\t" .. raw(g.ttl) .. "\t"
        .. (g.expires_at and fmt("%.3f", g.expires_at) or "") .. "\t" .. e(g.access) .. "\t"
        .. e(g.source) .. "\t" .. e(g.canonical)
    end
    return index[g]
  end
  for _, g in ipairs(self.grants) do grant_of(g) end
  for _, r in ipairs(self:rules()) do
    local gi = grant_of(r.grant)
    lines[#lines + 1] = "r\t" .. math.tointeger(r.mask) .. "\t" .. (r.isdir and "1" or "0") .. "\t" .. gi .. "\t"
      .. esc(r.path)
  end
  for _, p in ipairs(self.active) do
    local e = plain(raw(p.mode) .. raw(p.canonical) .. raw(p.why) .. raw(p.source) .. raw(p.given)
      .. raw(p.name) .. table.concat(p.names or {})) and raw or esc
    local names = ""
    for _, n in ipairs(p.names or {}) do names = names .. "\t" .. e(n) end
    lines[#lines + 1] = "p\t" .. e(p.mode) .. "\t" .. (p.bind and "1" or "") .. "\t" .. (p.guarded and "1" or "")
      .. "\t" .. (p.nlink or "") .. "\t" .. e(p.canonical) .. "\t" .. e(p.why) .. "\t" .. e(p.source)
      .. "\t" .. e(p.given) .. "\t" .. e(p.name) .. names
  end
  for i, n in ipairs(self.narrowed) do
    narrowed[i] = { path = n.path, mask = n.mask, grant = grant_of(n.grant),
      protection = { canonical = n.protections[1].canonical } }
  end
  for _, p in ipairs(self.all_protections) do
    if p.bypassed then
      bypassed[#bypassed + 1] = { canonical = p.canonical, bypassed = p.bypassed, why = p.why, source = p.source }
    end
  end
  local hosts = {}
  for i, h in ipairs(self.hosts or {}) do
    hosts[i] = { host = h.host, kind = h.kind, wildcard = h.wildcard, port = h.port, source = h.source,
      text = h.text }
  end
  local ports = {}
  for i, r in ipairs(self.ports or {}) do ports[i] = { port = r.port, right = r.right, source = r.source } end
  return json.encode { version = 3, abi = self.abi, home = self.home, cwd = self.cwd,
    binds = self:binds_available(self.cwd) == true,
    net = { block = self.net_block == true, open = self.net_open == true, hosts = json.array(hosts),
      ports = json.array(ports) },
    narrowed = json.array(narrowed), bypassed = json.array(bypassed) }
    .. "\n" .. table.concat(lines, "\n")
end

--- The network of an exported head `t`, each field checked (anyone
-- inside may hand a sealed file of their own), or nil.
local function net_of(t)
  local n = t.net
  if type(n) ~= "table" or type(n.hosts) ~= "table" or type(n.ports) ~= "table" then return nil end
  local function str(v) return type(v) == "string" end
  local function int(v) return math.type(v) == "integer" end
  for _, h in ipairs(n.hosts) do
    if type(h) ~= "table" or not (str(h.host) and str(h.kind) and str(h.text) and str(h.source))
        or type(h.wildcard) ~= "boolean" or (h.port ~= nil and not int(h.port)) then
      return nil
    end
  end
  for _, r in ipairs(n.ports) do
    if type(r) ~= "table" or not int(r.port) or (r.right ~= "connect" and r.right ~= "bind") then return nil end
  end
  return { block = n.block == true, open = n.open == true, hosts = n.hosts, ports = n.ports }
end

--- A policy rebuilt from `export()`'s text: it can answer `why` (and
-- nothing else: it holds no grants to resolve).  Returns it, or nil and a
-- message.
function M.import(text, Policy)
  local head, body = text:match("^([^\n]*)\n?(.*)$")
  local t = json.decode(head)
  if type(t) ~= "table" or t.version ~= 3 then return nil, "not a nono policy (version 3)" end
  local net = net_of(t)
  if not net then return nil, "not a nono policy (bad network)" end
  local all, active = {}, {}
  local self = setmetatable({ abi = t.abi, home = t.home, cwd = t.cwd, grants = all, active = active,
    narrowed = {}, all_protections = t.bypassed, _rules = {}, resolved = true, binds = t.binds == true,
    net_block = net.block, net_open = net.open, hosts = net.hosts, ports = net.ports }, Policy)
  for line in body:gmatch("[^\n]+") do
    if line:find("^p\t") then
      local f, k = {}, 0
      for field in (line:sub(3) .. "\t"):gmatch("([^\t]*)\t") do
        k = k + 1
        f[k] = field ~= "" and unesc(field) or nil
      end
      if not (f[1] and f[5]) or (f[4] and not math.tointeger(tonumber(f[4]))) then
        return nil, "not a nono policy (bad line)"
      end
      local names = {}
      for j = 10, k do names[#names + 1] = f[j] end
      active[#active + 1] = { mode = f[1], bind = f[2] == "1" or nil, guarded = f[3] == "1" or nil,
        nlink = math.tointeger(tonumber(f[4])), canonical = f[5], why = f[6], source = f[7], given = f[8],
        name = f[9], names = #names > 0 and names or nil }
      goto next
    end
    local kind, a, b, c, d, e, f = line:match("^([gr])\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t?([^\t]*)\t?([^\t]*)$")
    if kind == "g" then
      all[#all + 1] = { isdir = a == "1", ttl = math.tointeger(tonumber(b)), expires_at = tonumber(c),
        access = unesc(d), source = unesc(e), canonical = unesc(f) }
    elseif kind == "r" and all[tonumber(c)] then
      self._rules[#self._rules + 1] = { mask = math.tointeger(tonumber(a)), isdir = b == "1",
        grant = all[tonumber(c)], path = unesc(d) }
    else
      return nil, "not a nono policy (bad line)"
    end
    ::next::
  end
  for i, n in ipairs(t.narrowed) do
    self.narrowed[i] = { path = n.path, mask = n.mask, grant = all[n.grant], protections = { n.protection } }
  end
  return self
end

return M
