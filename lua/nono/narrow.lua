--- Protections meet grants, a part of the policy model (nono.policy
-- installs these methods on its Policy): which protections are kept by
-- mounts and which narrow the grants around them, and the Landlock rules
-- that come of it.
local core = require "nono.core"
local lfs = require "lfs"
local paths = require "nono.paths"
local access = require "nono.access"

local A = core.access
local M = {}
local Policy = {}
M.methods = Policy

--- What a protection leaves of a grant's rights.  Landlock rights flow down
-- a hierarchy, so this also bounds every directory above the protected
-- entry up to the grant: `deny` leaves nothing, `readonly` leaves reading
-- (so no directory on the way can be removed or renamed either),
-- `noexec` (a blocked command) everything but executing.
local function allowed_under(mode)
  if mode == "deny" then return 0 end
  if mode == "readonly" then return access.classes.read end
  return ~A.execute
end

--- Every directory above `path` (canonical), nearest first, up to "/".
-- Protections and grants meet through these lookups, so the cost grows
-- with the depth of a path, not with the number of grants (10,000 rules).
local function ancestors(path)
  return function(_, p)
    if p == "/" then return nil end
    return paths.parent(p)
  end, nil, path
end

--- The grants by canonical path.
function Policy:grants_by_path()
  local by = {}
  for _, g in ipairs(self.grants) do by[g.canonical] = g end
  return by
end

--- What a failed namespace step most likely means, for the report.
local ns_causes = {
  unshare = "unprivileged user namespaces are turned off, or a seccomp filter refuses unshare, "
    .. "as Docker's default profile and an outer nono do",
  uid_map = "e.g. AppArmor's restriction of unprivileged user namespaces, Ubuntu 23.10 and later",
  mount = "mounting is refused in the new namespace, by a seccomp filter or a security module",
  ["mount /proc"] = "a /proc with parts hidden by other mounts (a container's) cannot be mounted again "
    .. "for a new pid namespace",
}
ns_causes.setgroups, ns_causes.gid_map = ns_causes.uid_map, ns_causes.uid_map
for _, call in ipairs { "open_tree", "mount_setattr", "move_mount" } do
  ns_causes[call], ns_causes[call .. " (no-exec)"] = ns_causes.mount, ns_causes.mount
end

--- Whether read-only bind mounts in a private user namespace work here.
-- The probe does in a short-lived child what the command's child will do:
-- unshare, the id maps, every mount private, then `path` (what is about to
-- be bound, if given) bound read-only and no-exec.  unshare alone is not
-- enough: under Ubuntu's AppArmor rule it succeeds and the namespace has no
-- capability, so uid_map and every mount fail, and the command would never
-- start.  When a step fails, self.ns_unavailable keeps which and why
-- ({ step, error = "EPERM", errno, cause }), and the protections fall back
-- to Landlock narrowing.  opts.binds of M.new overrides the probe (tests,
-- and apply: a running process cannot enter the namespace).
function Policy:binds_available(path)
  if self.binds == nil then self:take_probe(core.ns_available(path)) end
  return self.binds
end

--- Keep what the probe answered (core.ns_available's values: true; false,
-- step, errno name, errno; nil, message, errno).
function Policy:take_probe(ok, step, name, errno)
  self.binds = ok == true
  if ok == false then
    local cause = ns_causes[step]
    if step == "unshare" and name == "ENOSPC" then
      cause = "no more user namespaces may be created: sysctl user.max_user_namespaces"
    end
    self.ns_unavailable = { step = step, error = name, errno = errno, cause = cause }
  elseif ok == nil then
    -- the probe itself could not run (fork, wait): `step` is the message
    self.ns_unavailable = { step = "probe", error = step, errno = name }
  end
end

--- Whether the command gets a network namespace of its own with loopback
-- only (ns_net_loopback): today with --net-block where namespaces work, on
-- top of seccomp's and Landlock's rules.
function Policy:net_namespace()
  return self.net_block and self:binds_available() or false
end

--- Where user namespaces work, a protection of an existing path inside a
-- grant that gives what it takes away is kept by a bind mount instead of
-- narrowing the grant:
--   * readonly: a read-only bind.  A mount point cannot be written, renamed
--     or replaced, and the grant around it keeps its rights (git keeps
--     creating its lock files next to .git/config);
--   * noexec (a blocked command): a read-only, no-exec bind.  /usr then
--     stays one rule instead of a rule per entry of /usr/bin, and a no-exec
--     mount also stops `ld.so /usr/bin/rm`, which Landlock's execute right
--     does not.
-- Elsewhere the grant is narrowed as for every protection.
function Policy:choose_binds(grants)
  self.ro_binds, self.noexec_binds, self.guards = {}, {}, {}
  local takes = { readonly = ~access.classes.read, noexec = A.execute }
  local lists = { readonly = self.ro_binds, noexec = self.noexec_binds }
  for _, p in ipairs(self.active) do
    -- (chosen afresh on every resolve: a model re-planned without mounts
    -- must not keep binds it once chose)
    p.bind, p.guarded = nil, nil
    if takes[p.mode] and p.exists then
      for dir in ancestors(p.canonical) do
        local g = grants[dir]
        if g and g.isdir and self:mask(g) & takes[p.mode] ~= 0 and self:binds_available(p.canonical) then
          p.bind = true
        end
      end
      if p.bind then
        local list = lists[p.mode]
        list[#list + 1] = p.canonical
      elseif p.guard and p.mode == "readonly" and not self:binds_available(p.canonical) then
        -- No mounts here: rather than narrow the directory it is in (the
        -- project root, an agent's state directory), the supervisor keeps a
        -- copy and undoes any change when the session ends.
        for dir in ancestors(p.canonical) do
          local g = grants[dir]
          if g and g.isdir and self:mask(g) & takes.readonly ~= 0 then p.guarded = true end
        end
        if p.guarded then self.guards[#self.guards + 1] = { path = p.canonical, why = p.why } end
      end
    end
  end
end


--- A read-only bind keeps a file from being written, renamed or removed,
-- but not the directories above it: where a write grant gives remove_dir
-- there, `mv .git .git.old && mkdir .git` would put a .git/config the
-- sandbox wrote where git looks for it.  So each directory above a
-- read-only bind that could be renamed (its parent has remove_dir) keeps
-- its place: pinned, a bind of itself (a mount point cannot be renamed or
-- removed, and stays as writable as it was); without mounts, guarded.
-- Narrowed read-only protections need neither: the directories on their
-- way keep reading only.
function Policy:keep_places(grants)
  self.pin_binds, self.place_guards = {}, {}
  local bound, seen = {}, {}
  for _, path in ipairs(self.ro_binds) do bound[path] = true end
  local function up(path)
    local parent = paths.parent(path)
    return parent == "" and "/" or parent
  end
  -- Whether some grant gives remove_dir at `dir` (a grant above it does too).
  local function removable(dir)
    while true do
      local g = grants[dir]
      if g and g.isdir and self:mask(g) & A.remove_dir ~= 0 then return true end
      if dir == "/" then return false end
      dir = up(dir)
    end
  end
  for _, p in ipairs(self.active) do
    if p.bind and p.mode == "readonly" or p.guarded then
      local dir = up(p.canonical)
      -- (if no grant gives it at a parent, none gives it further up)
      while dir ~= "/" and removable(up(dir)) do
        if not bound[dir] and not seen[dir] then
          seen[dir] = true
          if p.guarded then
            -- no mounts (the floor): the supervisor holds the directory and
            -- moves it back when the session ends if it was moved away
            self.place_guards[#self.place_guards + 1] = dir
          else
            self.pin_binds[#self.pin_binds + 1] = dir
          end
        end
        dir = up(dir)
      end
    end
  end
  table.sort(self.pin_binds)
  table.sort(self.place_guards)
end

--- The option that lifts protection `p`: --bypass, or for a blocked
-- command --allow-command for every name that reaches its file.
local function lift_of(p)
  if p.mode ~= "noexec" then return "--bypass " .. p.given end
  local words = {}
  for i, name in ipairs(p.names or { p.name }) do words[i] = "--allow-command " .. name end
  return table.concat(words, " ")
end

--- Canonicalise protections and bypasses; refuse a grant that would give a
-- protected path more than its protection leaves.
function Policy:resolve_protections()
  local all = {}
  for _, p in ipairs(self.protections) do all[#all + 1] = p end
  -- (one resolution per existing directory: the protections' parents; the
  -- blocked commands' files are canonical as found, core.resolve's or a
  -- regular file in a canonical directory)
  local seen = {}
  for _, p in ipairs(self:command_protections()) do
    all[#all + 1] = p
    seen[p.path] = p.path
  end
  for _, p in ipairs(all) do
    local real, exists = paths.canonical(p.path, seen)
    p.canonical, p.exists = real or p.path, real and exists or false
  end
  for _, b in ipairs(self.bypasses) do
    local real = paths.canonical(b.path) or b.path
    local hit = false
    for _, p in ipairs(all) do
      if p.canonical == real then p.bypassed, hit = b.source, true end
    end
    if not hit then
      return nil, string.format("%s: %s is not protected (nono why --path %s explains a verdict)",
        b.source, b.path, b.path)
    end
  end
  self.active = {}
  for _, p in ipairs(all) do
    if not p.bypassed then self.active[#self.active + 1] = p end
  end
  -- A mount or a Landlock rule keeps a path; a second name of the same
  -- file (~/bashrc.bak hard-linked to ~/.bashrc) inside a grant reaches
  -- the file all the same.  nono cannot find the other names, so it
  -- refuses unless told to run anyway, and says so in the report and why.
  self.hard_links = {}
  for _, p in ipairs(self.active) do
    if p.exists and (p.mode == "readonly" or p.mode == "deny") then
      local a = lfs.attributes(p.canonical)
      if a and a.mode == "file" and a.nlink > 1 then
        p.nlink = a.nlink
        if not self.accept_links then
          return nil, string.format("%s (%s) has %d hard links: nono keeps this path %s, but another "
            .. "name of the same file in a grant would reach it (find them: find / -xdev -samefile %s); "
            .. "remove the other names, or add --accept-hard-links to run anyway",
            p.canonical, p.why or p.source, a.nlink, p.mode == "deny" and "out of reach" or "read-only",
            p.canonical)
        end
        self.hard_links[#self.hard_links + 1] = { path = p.canonical, nlink = a.nlink }
      end
    end
  end
  self.all_protections = all
  local by_path = self:grants_by_path()
  self:choose_binds(by_path)
  self:keep_places(by_path)
  local active_at = {}
  for _, p in ipairs(self.active) do
    active_at[p.canonical] = active_at[p.canonical] or {}
    table.insert(active_at[p.canonical], p)
  end
  -- The active protections at a directory and at every directory above
  -- it, nearest first: worked out once per directory, so grants side by
  -- side (10,000 of them) share their parent's walk up to "/".
  local none, upward = {}, {}
  local function at_and_above(dir)
    local list = upward[dir]
    if list then return list end
    local here = active_at[dir]
    local above = dir ~= "/" and at_and_above(paths.parent(dir)) or none
    if not here then
      list = above
    elseif #above == 0 then
      list = here
    else
      list = table.move(above, 1, #above, #here + 1, table.move(here, 1, #here, 1, {}))
    end
    upward[dir] = list
    return list
  end
  local function refused(g, list)
    for _, p in ipairs(list) do
      if self:mask(g) & ~allowed_under(p.mode) ~= 0 then
        local lift = lift_of(p)
        return string.format("%s: %s is protected (%s; nono keeps it %s); add %s to grant it anyway",
          g.source, p.canonical, p.why or p.source, p.mode, lift)
      end
    end
  end
  for _, g in ipairs(self.grants) do
    local at = g.canonical
    local msg = refused(g, active_at[at] or none)
      or at ~= "/" and refused(g, at_and_above(paths.parent(at)))
    if msg then return nil, msg end
  end
  return true
end

--- Add the rule for `path` to `out`, masked to what the kernel handles and,
-- for a non-directory, to file rights.  Rules with no right are dropped.
-- Two grants can reach one path (the system set's /usr and /bin, which is
-- /usr/bin, both narrowed entry by entry): one rule, rights merged, as the
-- kernel would merge them.  An entry found by listing a narrowed directory
-- is `listed` and keeps that directory and its name (`dir`, `name`): plan()
-- adds such entries beneath the directory, opened once.
function Policy:add_rule(out, path, mask, isdir, g, by, listed, dir, name)
  local m = mask & (self._handled or self:handled())
  if not isdir then m = m & (self._file_rights or core.fs_file_rights()) end
  if m == 0 then return end
  local same = self._rule_at[path]
  if same then
    same.mask = same.mask | m
    same.listed = same.listed and listed
  else
    local rule = { path = path, mask = m, grant = g, isdir = isdir, protection = by, listed = listed,
      dir = dir, name = name }
    self._rule_at[path] = rule
    out[#out + 1] = rule
  end
end

--- Row 3: Landlock can only allow, and a right on a directory holds for
-- everything beneath it.  So a grant whose tree holds a protected entry is
-- replaced by rules on the entries beside the way down to it: each
-- directory on the way keeps only what every protection beneath it leaves,
-- each sibling gets the grant's full rights.  Names created later directly
-- in such a directory are covered by that narrowed rule only (the cost).
function Policy:narrow(g, dir, mask, prots, out)
  local own = mask
  for _, p in ipairs(prots) do own = own & allowed_under(p.mode) end
  self:add_rule(out, dir, own, true, g, prots[1])
  self.narrowed[#self.narrowed + 1] = { path = dir, grant = g, mask = own, protections = prots }
  -- The entries sorted by name, and their kinds (core.list_dir: C), listed
  -- once per build: two grants reach /usr/bin (/usr and /bin).  A symlink
  -- gets no rule (opening through it is decided at its target), so the
  -- listing leaves symlinks out.
  local listings = self._listings or {}
  local listing = listings[dir]
  if not listing then
    local names, kinds = core.list_dir(dir, true)
    if not names then
      error(string.format("%s: cannot list %s to keep %s protected: %s", g.source, dir,
        prots[1].canonical, kinds), 0)
    end
    listing = { names = names, kinds = kinds }
    listings[dir] = listing
  end
  local names, kinds = listing.names, listing.kinds
  -- Sort the protections by the entry of `dir` they lie in.
  local exact, under = {}, {}
  local prefix = #(dir == "/" and "" or dir) + 2
  for _, p in ipairs(prots) do
    local name, rest = p.canonical:match("^([^/]+)(.*)$", prefix)
    if rest == "" then
      -- (a directory may keep its place and be protected too: the stricter wins)
      if not exact[name] or allowed_under(p.mode) & ~allowed_under(exact[name].mode) == 0 then exact[name] = p end
    else
      under[name] = under[name] or {}
      table.insert(under[name], p)
    end
  end
  local base = dir == "/" and "/" or dir .. "/"
  for i = 1, #names do
    local name, kind = names[i], kinds[i]
    if kind ~= "link" then
      local isdir = kind == "directory"
      local p = exact[name]
      local m = p and mask & allowed_under(p.mode) or mask
      if isdir and under[name] then
        self:narrow(g, base .. name, m, under[name], out)
      else
        self:add_rule(out, base .. name, m, isdir, g, p, true, dir, name)
      end
    end
  end
end

--- Build the Landlock rules from the grants and protections, once.
function Policy:build_rules()
  local out, grants, beneath = {}, self:grants_by_path(), {}
  self.narrowed, self._rule_at = {}, {}
  self._handled, self._file_rights, self._listings = self:handled(), core.fs_file_rights(), {}
  -- The protections strictly beneath each directory grant that take away
  -- some of its rights.
  local narrowing = {}
  for _, p in ipairs(self.active) do
    if not p.bind and not p.guarded then narrowing[#narrowing + 1] = p end
  end
  for _, p in ipairs(narrowing) do
    for dir in ancestors(p.canonical) do
      local g = grants[dir]
      if g and g.isdir and self:mask(g) & ~allowed_under(p.mode) ~= 0 then
        beneath[g] = beneath[g] or {}
        table.insert(beneath[g], p)
      end
    end
  end
  for _, g in ipairs(self.grants) do
    local prots = beneath[g]
    if prots then
      self:narrow(g, g.canonical, g.mask, prots, out)
    else
      self:add_rule(out, g.canonical, g.mask, g.isdir, g)
    end
  end
  self._handled, self._file_rights, self._listings = nil, nil, nil
  self._rules = out
end

--- The active protection covering `canonical`, if any.
function Policy:protection_of(canonical)
  for _, p in ipairs(self.active or {}) do
    if canonical == p.canonical or paths.is_beneath(canonical, p.canonical) then return p end
  end
end

--- The directory narrowed for a protection at exactly `dir`, if any.
function Policy:narrowed_at(dir)
  for _, n in ipairs(self.narrowed or {}) do
    if n.path == dir then return n end
  end
end

--- Whether grant `g` (resolved) reaches `canonical`: its own path, or
-- beneath it for a directory.
function M.covers(g, canonical)
  return g.canonical == canonical or g.isdir and paths.is_beneath(canonical, g.canonical) or false
end

M.lift_of = lift_of

return M
