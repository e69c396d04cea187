--- Git discovery as a policy input (docs/threats.md, rows 19, 27, 28).
--
-- Every file read here lies in a directory the agent may write: the `.git`
-- file of a worktree or submodule, `commondir`, the config files and what
-- they include.  A session must not be able to plant a value that the next
-- session turns into a grant, or that the user's own git, run outside any
-- sandbox, obeys.  So:
--   * each pointer is read exactly as git reads it (git strips only
--     trailing "\n" and "\r"); a value nono and git could read differently
--     (other control characters, a malformed `.git` file) is refused;
--   * a git directory or common directory outside the project is granted
--     only if it really is one, is the user's, and is not "/", the home
--     directory, an ancestor of either, or a system directory;
--   * every pointer and every file git reads as config or runs as a hook
--     for this repository is returned as `readonly`, so the profile keeps
--     it read-only inside the session;
--   * the names git would obey if they appeared (`commondir` in the main
--     git directory, a missing `config.worktree` or include) are returned
--     as `absent`: the supervisor checks them when the session ends.
local lfs = require "lfs"
local paths = require "nono.paths"

local M = {}

--- Larger than any real pointer or config file read here.
local MAX_READ = 1024 * 1024

--- Directories of the system: a git directory there is not the user's
-- project, whatever its files say.
M.SYSTEM = { "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/opt",
  "/proc", "/run", "/sbin", "/snap", "/srv", "/sys", "/usr", "/var" }

local function join(a, b)
  return (a == "/" and "" or a) .. "/" .. b
end

local function parent(p)
  local up = paths.parent(p)
  return up == "" and "/" or up
end

local function mode_of(p)
  return lfs.attributes(p, "mode")
end

local function read_all(file)
  local f = io.open(file, "rb")
  if not f then return nil end
  local s = f:read(MAX_READ + 1)
  f:close()
  if s and #s > MAX_READ then return nil end
  return s or ""
end

--- A pointer file's value as git takes it: all of the file but its
-- trailing "\n"/"\r" characters.  Anything git would take literally that
-- a reader could take otherwise (a NUL, an inner newline, any control
-- character) is refused.  Returns the value, or nil and why.
function M.pointer_value(text)
  local v = text:gsub("[\r\n]+$", "")
  if v:find("[%z\1-\31\127]") then
    return nil, "holds a control character, which git would keep in the path"
  end
  if v == "" then return nil, "is empty" end
  return v
end

local function refuse(file, target, why)
  error(string.format("this repository's git metadata points outside it: %s names %s, which %s; "
    .. "nono refuses to grant it (remove or repair %s if you did not write it)",
    file, target, why, file), 0)
end

--- Whether `dir` holds a repository's shared parts (what git checks: a
-- HEAD, objects/ and refs/).
local function is_common_dir(dir)
  return mode_of(join(dir, "HEAD")) ~= nil and mode_of(join(dir, "objects")) == "directory"
    and mode_of(join(dir, "refs")) == "directory"
end

--- Refuse a git or common directory outside the project unless it is
-- plausibly the user's repository.  `ctx`: uid, homes (canonical).
local function check_outside(dir, file, ctx)
  if dir == "/" then refuse(file, dir, "is the root directory") end
  for _, home in ipairs(ctx.homes or {}) do
    if paths.is_beneath(home, dir) then refuse(file, dir, "is the home directory or above it") end
  end
  for _, sys in ipairs(M.SYSTEM) do
    if paths.is_beneath(dir, sys) or paths.is_beneath(sys, dir) then
      refuse(file, dir, "is a system directory")
    end
  end
  local uid = lfs.attributes(dir, "uid")
  if ctx.uid and uid ~= ctx.uid then
    refuse(file, dir, "does not belong to you (uid " .. tostring(uid) .. ")")
  end
end

--- The directory a pointer in `file` names: absolute, or relative to
-- `base`; canonical.  Refused when it cannot be resolved.
local function follow(file, value, base)
  local target = value:sub(1, 1) == "/" and value or join(base, value)
  local real = paths.canonical(paths.clean(target))
  if not real or mode_of(real) ~= "directory" then
    refuse(file, target, "is not a directory")
  end
  return real
end

--- The repository whose `.git` entry is in `root`, or nil when `root` has
-- none (or a `.git` directory that is not a repository: git walks on).
-- Raises when the entry is a malformed or unsafe pointer.
local function at(root, ctx)
  local dotgit = join(root, ".git")
  local mode = mode_of(dotgit)
  local repo = { root = root, dotgit = dotgit, from = {} }
  if mode == "directory" then
    if not mode_of(join(dotgit, "HEAD")) then return nil end
    repo.gitdir = paths.canonical(dotgit)
  elseif mode == "file" then
    local text = read_all(dotgit)
    if not text then refuse(dotgit, "?", "cannot be read") end
    -- git: the file starts with exactly "gitdir: " or it is not a gitfile
    if text:sub(1, 8) ~= "gitdir: " then
      error(string.format("%s is not a git file (git reads only \"gitdir: PATH\" there); "
        .. "nono refuses to guess what git would do with it", dotgit), 0)
    end
    local value, why = M.pointer_value(text:sub(9))
    if not value then refuse(dotgit, string.format("%q", text:sub(9)), why) end
    repo.gitdir = follow(dotgit, value, root)
    repo.dotgit_file = true
    repo.from.gitdir = dotgit
    if not mode_of(join(repo.gitdir, "HEAD")) then
      refuse(dotgit, repo.gitdir, "is not a git directory (no HEAD)")
    end
  else
    return nil
  end
  repo.common = repo.gitdir
  local cfile = join(repo.gitdir, "commondir")
  if mode_of(cfile) then
    if not repo.dotgit_file then
      -- git writes commondir only in a worktree's private directory; in a
      -- repository's own .git it redirects config and hooks elsewhere.
      error(string.format("%s exists: git never writes it there, and it would make git read "
        .. "config and hooks from where it points; nono refuses to run (remove it if you did "
        .. "not write it)", cfile), 0)
    end
    local text = read_all(cfile)
    if not text then refuse(cfile, "?", "cannot be read") end
    local value, why = M.pointer_value(text)
    if not value then refuse(cfile, string.format("%q", text), why) end
    repo.common = follow(cfile, value, repo.gitdir)
    repo.from.common = cfile
  end
  if not is_common_dir(repo.common) then
    -- a .git directory that is no repository: git walks on, and so do we
    if not repo.dotgit_file and not repo.from.common then return nil end
    refuse(repo.from.common or repo.from.gitdir or dotgit, repo.common,
      "is not a git directory (HEAD, objects/ and refs/)")
  end
  local real_root = paths.canonical(root) or root
  for _, key in ipairs { "gitdir", "common" } do
    local dir = repo[key]
    if not paths.is_beneath(dir, real_root) then
      check_outside(dir, repo.from[key] or repo.from.gitdir or dotgit, ctx)
      repo.outside = repo.outside or {}
      repo.outside[key] = true
    end
  end
  return repo
end

--- Walk up from `start` (absolute) to the first directory holding a
-- repository, as git's discovery does.  Returns the repository table or
-- nil; raises on a pointer nono refuses.
--   repo = { root, gitdir, common, dotgit, dotgit_file, from = { gitdir =
--   FILE, common = FILE }, outside = { gitdir = bool, common = bool } }
function M.find(start, ctx)
  ctx = ctx or {}
  local dir = paths.clean(start)
  while true do
    local repo = at(dir, ctx)
    if repo then return repo end
    if dir == "/" then return nil end
    dir = parent(dir)
  end
end

---------------------------------------------------------------------------
-- Config: what git reads as configuration or runs as a hook

--- git-config's value syntax: surrounding blanks dropped, "..." quoting,
-- the escapes \\ \" \n \t \b, and a comment (# or ;) outside quotes ending
-- the value.  Returns the value.
local function config_value(raw)
  -- (most values have no quote, escape or comment: then only the blanks
  -- around them go, and the walk below would give the same)
  if not raw:find('[\\"#;]') then return (raw:match("^[ \t]*(.-)[ \t]*$")) end
  local out, quoted, i, n = {}, false, 1, #raw
  local pending_space = ""
  while i <= n do
    local c = raw:sub(i, i)
    if c == "\\" then
      local e = raw:sub(i + 1, i + 1)
      local map = { ["\\"] = "\\", ['"'] = '"', n = "\n", t = "\t", b = "\b" }
      out[#out + 1] = pending_space .. (map[e] or "")
      pending_space = ""
      i = i + 2
    elseif c == '"' then
      out[#out + 1] = pending_space
      pending_space = ""
      quoted = not quoted
      i = i + 1
    elseif not quoted and (c == "#" or c == ";") then
      break
    elseif not quoted and (c == " " or c == "\t") then
      if #out > 0 then pending_space = pending_space .. c end
      i = i + 1
    else
      out[#out + 1] = pending_space .. c
      pending_space = ""
      i = i + 1
    end
  end
  return table.concat(out)
end

--- The entries of a git config file: a list of { section, subsection, key,
-- value } with section and key lower-cased, as git compares them.  Lines
-- ending in a backslash continue.  A line nono cannot parse ends the
-- parse (git refuses such a file, and then obeys none of it).
function M.parse_config(text)
  local entries, section, subsection = {}, nil, nil
  text = text:gsub("\\\r?\n", "")
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    line = line:gsub("\r$", "")
    local s = line:match("^%s*(.-)$")
    if s == "" or s:match("^[#;]") then
      -- blank or comment
    elseif s:sub(1, 1) == "[" then
      local name, sub, rest = s:match('^%[%s*([%w%.%-]+)%s+"(.-)"%]()')
      if not name then
        name, rest = s:match("^%[%s*([%w%.%-]+)%s*%]()")
        sub = nil
        if name and name:find(".", 1, true) then
          name, sub = name:match("^([^%.]+)%.(.*)$")
          sub = sub and sub:lower()
        end
      end
      if not name then break end
      section, subsection = name:lower(), sub
      s = s:sub(rest)
      s = s:match("^%s*(.-)$")
      if s ~= "" and not s:match("^[#;]") then
        local key, raw = s:match("^([%a][%w%-]*)%s*=%s*(.*)$")
        if key then entries[#entries + 1] = { section = section, subsection = subsection,
          key = key:lower(), value = config_value(raw) } end
      end
    else
      local key, raw = s:match("^([%a][%w%-]*)%s*=%s*(.*)$")
      if not key then
        key = s:match("^([%a][%w%-]*)%s*$") or s:match("^([%a][%w%-]*)%s*[#;]")
        raw = nil
      end
      if not key or not section then break end
      entries[#entries + 1] = { section = section, subsection = subsection, key = key:lower(),
        value = raw and config_value(raw) or true }
    end
  end
  return entries
end

--- A path written in a config file: `~/` is the home directory, a
-- relative one is relative to `base`.
local function config_path(v, base, home)
  if type(v) ~= "string" or v == "" then return nil end
  if v:sub(1, 2) == "~/" then
    if not home then return nil end
    v = home .. v:sub(2)
  elseif v:sub(1, 1) ~= "/" then
    v = join(base, v)
  end
  return paths.clean(v)
end

--- Read config `file` and the files it includes (include.path and every
-- includeIf.*.path: which conditions hold is not decided here, so all
-- are kept).  Adds each file to `files`; returns the hooksPath set last
-- (and the file that set it) and whether worktreeConfig is on.
local function scan_config(file, home, files, seen, depth, state)
  if seen[file] or depth > 10 then return end
  seen[file] = true
  files[#files + 1] = file
  local text = mode_of(file) == "file" and read_all(file)
  if not text then return end
  for _, e in ipairs(M.parse_config(text)) do
    if e.key == "path" and (e.section == "include" or e.section == "includeif") then
      local inc = config_path(e.value, parent(file), home)
      if inc then scan_config(inc, home, files, seen, depth + 1, state) end
    elseif e.section == "core" and e.key == "hookspath" and type(e.value) == "string" then
      state.hooks_path, state.hooks_from = e.value, file
    elseif e.section == "extensions" and e.key == "worktreeconfig" then
      state.worktree_config = e.value == true or tostring(e.value):lower():match("^[ty1o]") ~= nil
    end
  end
end

--- What git reads as config or runs for `repo`, and what it would obey
-- if it appeared.  `ctx`: home ($HOME as git sees it), xdg_config_home.
-- Returns {
--   readonly = { {path, why} } files and directories to keep read-only:
--     those that exist, and the hook and info directories of the repository
--     that do not (to be made empty before the sandbox: missing = "create"),
--   absent = { {path, why} } names that must not appear during the session }
function M.protected(repo, ctx)
  ctx = ctx or {}
  local home = ctx.home
  local out = { readonly = {}, absent = {} }
  local seen_out = {}
  local function ro(p, why)
    if seen_out[p] then return end
    seen_out[p] = true
    if mode_of(p) then
      out.readonly[#out.readonly + 1] = { path = p, why = why }
    else
      out.absent[#out.absent + 1] = { path = p, why = why }
    end
  end
  local files, seen, state = {}, {}, {}
  -- Global config first, then the repository's: a later hooksPath wins.
  local globals = {}
  if home then globals[#globals + 1] = join(home, ".gitconfig") end
  local xdg = ctx.xdg_config_home
  if xdg and xdg:sub(1, 1) == "/" then globals[#globals + 1] = join(xdg, "git/config")
  elseif home then globals[#globals + 1] = join(home, ".config/git/config") end
  for _, g in ipairs(globals) do scan_config(g, home, files, seen, 0, state) end
  scan_config(join(repo.common, "config"), home, files, seen, 0, state)
  if state.worktree_config then
    scan_config(join(repo.gitdir, "config.worktree"), home, files, seen, 0, state)
  end
  -- (the global files themselves are nono's default protections)
  local global = {}
  for _, g in ipairs(globals) do global[g] = true end
  for _, f in ipairs(files) do
    if not global[f] then ro(f, "git config") end
  end
  -- config.worktree is read only when worktreeConfig is on, which the
  -- (read-only) config decides; where it exists, keep it anyway.
  for _, dir in ipairs(repo.common ~= repo.gitdir and { repo.gitdir, repo.common } or { repo.gitdir }) do
    local f = join(dir, "config.worktree")
    if mode_of(f) then ro(f, "git config") end
  end
  -- Hooks: core.hooksPath (relative to the work tree) or the common
  -- directory's hooks/.  A missing hooks directory is made empty (git
  -- takes that as "no hooks") so that nothing can be planted in it.
  local hooks = join(repo.common, "hooks")
  if state.hooks_path then
    hooks = config_path(state.hooks_path, repo.root, home) or hooks
  end
  local function keep_dir(dir, why)
    -- made empty when missing where the repository lives: git takes an
    -- empty hooks directory as "no hooks" and an empty info/ as nothing
    if not mode_of(dir) and (paths.is_beneath(dir, repo.common)
        or ctx.project and paths.is_beneath(dir, ctx.project)) then
      out.readonly[#out.readonly + 1] = { path = dir, why = why }
      seen_out[dir] = true
    else
      ro(dir, why)
    end
  end
  keep_dir(hooks, "git hooks")
  if hooks ~= join(repo.common, "hooks") and mode_of(join(repo.common, "hooks")) then
    ro(join(repo.common, "hooks"), "git hooks")
  end
  -- info/: exclude can hide planted files from `git status`, attributes
  -- choose filter drivers.
  keep_dir(join(repo.common, "info"), "git info (exclude, attributes)")
  -- The pointers themselves, so no session can plant them for the next.
  if repo.dotgit_file then ro(repo.dotgit, "git pointer (gitdir:)") end
  if repo.gitdir ~= repo.common then
    ro(join(repo.gitdir, "commondir"), "git pointer (commondir)")
    ro(join(repo.gitdir, "gitdir"), "git pointer (worktree back-link)")
  else
    local cd = join(repo.gitdir, "commondir")
    out.absent[#out.absent + 1] = { path = cd, why = "git pointer (commondir)" }
  end
  -- Other worktrees of this repository and its submodules' git
  -- directories: their pointers, config and hooks.
  local function each_dir(d, fn)
    if mode_of(d) ~= "directory" then return end
    local ok, iter, st = pcall(lfs.dir, d)
    if not ok then return end
    local names = {}
    for name in iter, st do
      if name ~= "." and name ~= ".." then names[#names + 1] = name end
    end
    table.sort(names)
    for _, name in ipairs(names) do
      if mode_of(join(d, name)) == "directory" then fn(join(d, name)) end
    end
  end
  each_dir(join(repo.common, "worktrees"), function(wt)
    for _, f in ipairs { "gitdir", "commondir", "config.worktree" } do
      if mode_of(join(wt, f)) then ro(join(wt, f), "git pointer of a worktree") end
    end
  end)
  -- modules/NAME, where NAME may hold slashes (a submodule at a/b is
  -- modules/a/b); a submodule's own git directory may hold modules/ too.
  local function submodules(dir, depth)
    if depth > 8 then return end
    each_dir(dir, function(sub)
      if mode_of(join(sub, "HEAD")) then
        for _, f in ipairs { "config", "hooks", "info", "commondir" } do
          if mode_of(join(sub, f)) then ro(join(sub, f), "git config or hooks of a submodule") end
        end
        submodules(join(sub, "modules"), depth + 1)
      else
        submodules(sub, depth + 1)
      end
    end)
  end
  submodules(join(repo.common, "modules"), 0)
  return out
end

return M
