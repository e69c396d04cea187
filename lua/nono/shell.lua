--- `nono shell`: the user's shell, sandboxed.  The start-up files it
-- reads are written where the sandbox cannot reach them, and granted to
-- it read-only.
local core = require "nono.core"
local lfs = require "lfs"
local compose = require "nono.compose"
local exits = require "nono.exits"
local paths = require "nono.paths"
local policy = require "nono.policy"
local profile = require "nono.profile"

local EXIT_SETUP = exits.SETUP
local build_policy, profile_ctx = compose.build_policy, compose.profile_ctx
local M = {}

--- Quote a word for sh, bash and zsh.
local function shq(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- The start-up files each shell reads, granted read-only to it ("~" and
-- the shell's own variables expand as the policy expands paths).
local SHELL_FILES = {
  bash = { "/etc/bash.bashrc", "~/.bashrc", "~/.bash_aliases", "~/.inputrc" },
  zsh = { "/etc/zsh", "@ZDOTDIR@/.zshenv", "@ZDOTDIR@/.zshrc" },
  fish = { "/etc/fish", "@XDG@/fish" },
}

-- What fish runs once its configuration has loaded: fish_prompt wrapped.
local FISH_INIT = "if functions -q fish_prompt; functions -c fish_prompt __nono_fish_prompt; "
  .. "else; function __nono_fish_prompt; printf '> '; end; end; "
  .. "function fish_prompt; printf '[nono] '; __nono_fish_prompt; end"

local Shell = {}
Shell.__index = Shell

--- Remove the files nono wrote for the shell (nothing in the sandbox could
-- write where they are, so the names are still nono's).
function Shell:__close()
  if self.dir and not self.dry_run then
    for _, name in ipairs(self.files) do os.remove(self.dir .. "/" .. name) end
    os.remove(self.dir)
  end
end

--- The shell's variables, set over the filtered environment.
function Shell:environ(list)
  for j = #list, 1, -1 do
    local name = list[j]:match("^([^=]*)=")
    if self.env[name] then table.remove(list, j) end
  end
  local names = {}
  for name in pairs(self.env) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do list[#list + 1] = name .. "=" .. self.env[name] end
end

--- A new directory, 0700, beneath `base`, for the shell's start-up files.
local function new_private_dir(base)
  local f = assert(io.open("/dev/urandom", "rb"))
  for _ = 1, 16 do
    local dir = string.format("%s/nono-shell.%s", base, (f:read(6):gsub(".", function(c)
      return string.format("%02x", c:byte())
    end)))
    local ok, msg = lfs.mkdir(dir)
    if ok then
      f:close()
      local cok, cmsg = core.chmod(dir, 448) -- 0700
      local a = lfs.symlinkattributes(dir)
      if not cok or not a or a.mode ~= "directory" or a.uid ~= core.geteuid() or a.permissions ~= "rwx------" then
        os.remove(dir)
        return nil, string.format("%s: not a private directory of this user (%s)", dir, cmsg or "mode")
      end
      return dir
    end
    if not tostring(msg):find("exists") then
      f:close()
      return nil, string.format("cannot create a directory in %s: %s", base, msg)
    end
  end
  f:close()
  return nil, "cannot find a free name in " .. base
end

--- Where the shell's start-up files may go: the candidates in order, each
-- { dir, make = create it when missing }.
local function shell_places(p)
  local out = {}
  local function add(d, make)
    if d and d:sub(1, 1) == "/" then out[#out + 1] = { dir = core.realpath(d) or paths.clean(d), make = make } end
  end
  add(os.getenv("XDG_RUNTIME_DIR"))
  add(os.getenv("TMPDIR"))
  add("/tmp")
  add("/var/tmp")
  add("/dev/shm")
  -- nono's own configuration directory: read-only in every sandbox
  local config = profile.user_dir(profile_ctx(p.cwd, p.abi))
  add(config and config:match("^(.*)/profiles$"), true)
  return out
end

--- Whether, in policy `p`, the sandbox can neither create a name in `dir`
-- nor gain rights on one made there later (a narrowed directory gives
-- each entry listed at the start the grant's rights).
local function out_of_reach(p, dir)
  local answer = p:why(dir .. "/nono-shell.new", "write")
  return answer and answer.verdict == "denied" and not p:narrowed_at(dir)
end

--- `mkdir -p` of what is missing of `dir`.
local function make_dirs(dir)
  local path = ""
  for part in dir:gmatch("[^/]+") do
    path = path .. "/" .. part
    if not lfs.attributes(path) then
      local ok, msg = lfs.mkdir(path)
      if not ok then return nil, "cannot create " .. path .. ": " .. tostring(msg) end
    end
  end
  return true
end

--- Write the shell's start-up files (`texts`: name -> text) where the
-- sandbox the options build cannot write them, and build that sandbox's
-- policy with them granted read-only.  A place is tried only if the
-- sandbox could not create a name there; once the files exist, the policy
-- built with them must deny writing each and creating beside them (the
-- file runs in the shell, and a session granted the place could otherwise
-- plant code in the next shell's).  Sets sh.dir, sh.policy, sh.spec.
-- Returns true, or nil, message, status.
local function place_shell_files(sh, opts, texts, grants)
  local probe, msg, status = build_policy(opts, false)
  if not probe then return nil, msg, status end
  local tried = {}
  for _, c in ipairs(shell_places(probe)) do
    local isdir = lfs.attributes(c.dir, "mode") == "directory"
    if (isdir or c.make) and out_of_reach(probe, c.dir) then
      opts.extra_grants = grants
      local n = #grants + 1
      if opts.dry_run then
        sh.dir = c.dir .. "/nono-shell.XXXXXXXXXXXX"
        grants[n] = { path = sh.dir, kind = "dir", optional = true, source = "nono shell (the start-up file nono writes)" }
        for name in pairs(texts) do sh.files[#sh.files + 1] = name end
        return true
      end
      local ok, err = true, nil
      if not isdir then ok, err = make_dirs(c.dir) end
      local dir
      if ok then dir, err = new_private_dir(c.dir) end
      if not dir then return nil, err, EXIT_SETUP end
      sh.dir, sh.files = dir, {}
      for name, text in pairs(texts) do
        sh.files[#sh.files + 1] = name
        local f, ferr = io.open(dir .. "/" .. name, "w")
        if not f or not f:write(text) or not f:close() then
          sh:__close()
          return nil, "cannot write " .. dir .. "/" .. name .. ": " .. tostring(ferr), EXIT_SETUP
        end
      end
      grants[n] = { path = dir, kind = "dir", source = "nono shell (the start-up file nono writes)" }
      local p, spec, pstatus = build_policy(opts, true)
      if not p then
        sh:__close()
        return nil, spec, pstatus
      end
      local safe = out_of_reach(p, dir)
      for _, name in ipairs(sh.files) do
        local answer = p:why(dir .. "/" .. name, "write")
        safe = safe and answer and answer.verdict == "denied"
      end
      if safe then
        sh.policy, sh.spec = p, spec
        return true
      end
      sh:__close()
      sh.dir, grants[n] = nil, nil
    end
    tried[#tried + 1] = c.dir
  end
  return nil, "no place for the shell's start-up file that this sandbox cannot write (tried "
    .. table.concat(tried, ", ") .. ")\nhint: set XDG_RUNTIME_DIR to a directory outside the grants",
    EXIT_SETUP
end

--- Prepare `nono shell`: which shell, its command line, the files it
-- reads, its environment.  Returns the Shell, or nil, message, status.
local function prepare_shell(opts)
  local given = os.getenv("SHELL")
  local path = given and given:sub(1, 1) == "/" and policy.which(given) and given or "/bin/sh"
  local name = path:match("([^/]*)$")
  local kind = SHELL_FILES[name] and name or "sh"
  local sh = setmetatable({ opts = opts, kind = kind, files = {}, dry_run = opts.dry_run,
    env = { NONO_SANDBOX = "1" } }, Shell)
  local zdotdir = os.getenv("ZDOTDIR")
  zdotdir = zdotdir and zdotdir:sub(1, 1) == "/" and zdotdir or nil
  local xdg = os.getenv("XDG_CONFIG_HOME")
  xdg = xdg and xdg:sub(1, 1) == "/" and xdg or "~/.config"
  local grants = {}
  for _, f in ipairs(SHELL_FILES[kind] or {}) do
    f = f:gsub("@ZDOTDIR@", function() return zdotdir or "~" end):gsub("@XDG@", function() return xdg end)
    grants[#grants + 1] = { path = f, optional = true, source = "nono shell (" .. kind .. "'s start-up files)" }
  end
  opts.extra_grants = grants
  local header = "# Written by nono shell for this session, removed when it ends.\n"
  local texts
  if kind == "bash" then
    texts = { bashrc = header
      .. "if [ -f ~/.bashrc ]; then . ~/.bashrc; fi\n"
      .. "__nono_mark() { case $PS1 in '[nono] '*) ;; *) PS1=\"[nono] $PS1\" ;; esac; }\n"
      .. "PROMPT_COMMAND=\"${PROMPT_COMMAND:+$PROMPT_COMMAND\n}__nono_mark\"\n"
      .. "__nono_mark\n" }
  elseif kind == "zsh" then
    -- zsh reads $ZDOTDIR/.zshenv, then $ZDOTDIR/.zshrc: these source the
    -- user's own (ZDOTDIR as it was, else ~) and put ZDOTDIR back.
    local user = zdotdir and shq(zdotdir) or "$HOME"
    texts = {
      [".zshenv"] = header
        .. "__nono_dir=$ZDOTDIR\nZDOTDIR=" .. user .. "\n"
        .. "[[ -f $ZDOTDIR/.zshenv ]] && . $ZDOTDIR/.zshenv\n"
        .. "__nono_user=$ZDOTDIR\nZDOTDIR=$__nono_dir\n",
      [".zshrc"] = header
        .. "ZDOTDIR=$__nono_user\nunset __nono_dir __nono_user\n"
        .. "[[ -f $ZDOTDIR/.zshrc ]] && . $ZDOTDIR/.zshrc\n"
        .. (zdotdir and "" or "unset ZDOTDIR\n")
        .. "__nono_mark() { [[ $PS1 == '[nono] '* ]] || PS1=\"[nono] $PS1\"; }\n"
        .. "precmd_functions+=(__nono_mark)\n"
        .. "__nono_mark\n",
    }
  end
  local argv = { path, "-i" }
  if texts then
    local ok, msg, status = place_shell_files(sh, opts, texts, grants)
    if not ok then return nil, msg, status end
    table.sort(sh.files)
    if kind == "bash" then
      argv = { path, "--rcfile", sh.dir .. "/bashrc", "-i" }
    else
      sh.env.ZDOTDIR = sh.dir
    end
  elseif kind == "fish" then
    argv = { path, "--init-command", FISH_INIT, "-i" }
  else
    local ps1 = os.getenv("PS1")
    sh.env.PS1 = "[nono] " .. ((ps1 and ps1 ~= "") and ps1 or (core.geteuid() == 0 and "# " or "$ "))
  end
  opts.command = argv
  return sh
end

M.prepare = prepare_shell

return M
