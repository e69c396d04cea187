-- Threat rows 19, 27 and 28 (docs/threats.md): nothing a session writes may
-- widen the next session's policy or run outside later.  Every attack runs
-- across two sessions: session 1 (under an agent profile) plants, then
-- session 2, or the user's own git or shell outside any sandbox, must show
-- no widening and run nothing planted.  Each has a control that shows the
-- same plant works without nono.  As root and as uid 65534.
local H = require "spec.helper"

local SHELL = "/bin/sh"

local function must(cmdline)
  local out, err, code = H.sh(cmdline)
  assert(code == 0, cmdline .. " failed (" .. tostring(code) .. "): " .. err .. out)
  return out
end

--- The world for these specs: a home and project the user owns (git
-- refuses repositories of other users), the project a git repository with
-- one commit, and a script that leaves a marker in outside/ when anything
-- runs it.
local function setup(w, user)
  local owner = user == "nobody" and "65534:65534" or "0:0"
  w.marker = w.outside .. "/MARKER"
  w.evil = w.outside .. "/evil.sh"
  must(table.concat({
    "set -e",
    "printf '#!/bin/sh\\ntouch %s\\nexit 1\\n' > " .. H.q(w.evil),
    "chmod 0755 " .. H.q(w.evil),
    "chown -R " .. owner .. " " .. H.q(w.project) .. " " .. H.q(w.home),
    "chmod 0755 " .. H.q(w.home),
  }, "\n"):format(w.marker))
  w.git = function(args)
    return must(string.format("cd %s && %s", H.q(w.project), H.as(user,
      "env HOME=" .. H.q(w.home) .. " git -c user.name=t -c user.email=t@t " .. args)))
  end
  w.git("init -q -b main .")
  w.git("commit -q --allow-empty -m init")
end

--- Run `sh -c SCRIPT` under `nono run --profile PROFILE` in the project.
local function session(w, user, profile, script, extra)
  local args = H.args({ "run", "--profile", profile }, extra or {}, { "--", SHELL, "-c", script })
  return H.nono(w, user, args)
end

--- The user's own `git status` (and a commit) outside any sandbox.
local function git_outside(w, user)
  return H.sh(string.format("cd %s && %s", H.q(w.project), H.as(user,
    "env HOME=" .. H.q(w.home) .. " git -c user.name=t -c user.email=t@t status")))
end

local function exists(path)
  return H.sh("test -e " .. H.q(path) .. " || test -L " .. H.q(path) .. " && echo yes") == "yes\n"
end

--- A refusal of a write the kernel answers: EACCES (Landlock narrowing) or
-- EROFS (a read-only mount), shell-reported as "Permission denied" or
-- "Read-only file system".
local function refused_write(err)
  return err:find("Permission denied", 1, true) or err:find("Read-only file system", 1, true)
end

for _, user in ipairs(H.users) do
  describe("what a session writes, for the next one, as " .. user .. " #landlock #persistence", function()
    local w = H.each_world(function(w) setup(w, user) end)

    --- A common directory that git outside would obey: a copy of the
    -- repository whose config runs evil.sh as core.fsmonitor.
    local function evil_common()
      local dir = w.outside .. "/common"
      must("cp -a " .. H.q(w.project .. "/.git") .. " " .. H.q(dir))
      must("git config -f " .. H.q(dir .. "/config") .. " core.fsmonitor " .. H.q(w.evil))
      must("chown -R " .. (user == "nobody" and "65534:65534" or "0:0") .. " " .. H.q(dir))
      return dir
    end

    it("a commondir planted in session 1 is moved aside: session 2 and git outside obey nothing", function()
      H.ready(user)
      local common = evil_common()
      -- control: planted without nono, the user's next `git status` runs the fsmonitor
      must(H.as(user, "sh -c " .. H.q("printf '%s\\n' " .. H.q(common) .. " > "
        .. H.q(w.project .. "/.git/commondir"))))
      git_outside(w, user)
      assert.is_true(exists(w.marker), "control: the planted commondir was not obeyed")
      os.remove(w.marker)
      os.remove(w.project .. "/.git/commondir")
      -- session 1 plants the same line (and the form git reads differently)
      local _, err, code = session(w, user, "claude-code",
        "printf '%s\\n' " .. H.q(common) .. " > .git/commondir")
      assert.equal(0, code, err)
      assert.matches("commondir appeared during the session", err, 1, true)
      assert.is_false(exists(w.project .. "/.git/commondir"))
      git_outside(w, user)
      assert.is_false(exists(w.marker), "git outside ran the planted fsmonitor")
      -- session 2 runs as before and gets no grant on what was named
      -- (the fixture lives in /tmp, which agent profiles grant: what matters
      -- is that no grant is derived from the planted line)
      local out, err2, code2 = H.nono(w, user, { "run", "--dry-run", "--profile", "claude-code", "--", "true" })
      assert.equal(0, code2, err2)
      assert.is_nil(out:find(common, 1, true), out)
      assert.is_nil(out:find("named by", 1, true), out)
      for _, line in ipairs { "/\n", "\n/", "/" } do
        _, err, code = session(w, user, "claude-code", "printf " .. H.q(line) .. " > .git/commondir")
        assert.equal(0, code, err)
        assert.is_false(exists(w.project .. "/.git/commondir"))
      end
    end)

    it("refuses to run where a commondir is already planted, in either form", function()
      H.ready(user)
      for _, line in ipairs { "/\n", "\n/", "../../..\n" } do
        local f = assert(io.open(w.project .. "/.git/commondir", "w"))
        f:write(line)
        f:close()
        local out, err, code = session(w, user, "claude-code", "echo RAN")
        assert.equal(126, code, err)
        assert.equal("", out)
        assert.matches(w.project .. "/.git/commondir exists: git never writes it there", err, 1, true)
        -- --dry-run refuses the same way
        _, err, code = H.nono(w, user, { "run", "--dry-run", "--profile", "claude-code", "--", "true" })
        assert.equal(126, code, err)
        os.remove(w.project .. "/.git/commondir")
      end
    end)

    it("keeps config, its includes, hooks, info and .git itself from being changed", function()
      H.ready(user)
      -- an include in the project: a file git reads as config
      must(H.as(user, "sh -c " .. H.q("printf '[user]\\n\\tname = t\\n' > " .. H.q(w.project .. "/extra.gitconfig"))))
      w.git("config include.path ../extra.gitconfig")
      -- control: without nono the include is obeyed
      must(H.as(user, "sh -c " .. H.q("printf '[core]\\n\\tfsmonitor = %s\\n' >> %s"):format(
        w.evil, H.q(w.project .. "/extra.gitconfig"))))
      git_outside(w, user)
      assert.is_true(exists(w.marker), "control: the include was not obeyed")
      os.remove(w.marker)
      w.git("config -f extra.gitconfig --unset core.fsmonitor")
      local script = table.concat({
        "for f in .git/config extra.gitconfig .git/info/exclude .git/hooks/pre-commit .git/description; do",
        "  if printf '[core]\\n\\tfsmonitor = %s\\n' >> $f 2>/dev/null; then echo WROTE $f; fi",
        "done",
        "git -c user.name=t -c user.email=t@t commit -q --allow-empty -m inside && echo COMMITTED",
        "mv .git .git-moved 2>/dev/null && echo MOVED",
        "true",
      }, "\n"):format(w.evil)
      local config = H.slurp(w.project .. "/.git/config")
      local out, err, code = session(w, user, "claude-code", script)
      assert.equal(0, code, err)
      if H.floor then
        -- no mounts: guarded, so written during the session, restored after it
        assert.equal("WROTE .git/config\nWROTE extra.gitconfig\nWROTE .git/info/exclude\n"
          .. "WROTE .git/hooks/pre-commit\nWROTE .git/description\nCOMMITTED\nMOVED\n", out)
        assert.matches(".git was moved to " .. w.project .. "/.git-moved during the session: moved back",
          err, 1, true)
        assert.matches(".git/config (git config", err, 1, true)
      else
        -- description is not read by git: writable, as the rest of .git
        assert.equal("WROTE .git/description\nCOMMITTED\n", out)
      end
      assert.equal(config, H.slurp(w.project .. "/.git/config"))
      assert.is_nil(io.open(w.project .. "/.git/hooks/pre-commit", "r"))
      -- (on the floor the commit inside ran the planted fsmonitor, inside
      -- the sandbox; what matters is git outside, after the session)
      os.remove(w.marker)
      git_outside(w, user)
      assert.is_false(exists(w.marker), "git outside ran something the session planted")
    end)

    it("makes a missing hooks directory (husky's core.hooksPath) before the session, read-only", function()
      H.ready(user)
      w.git("config core.hooksPath .husky/_")
      -- control: without nono a hook planted there runs at the next commit
      must(H.as(user, "sh -c " .. H.q("cd " .. H.q(w.project) .. " && mkdir -p .husky/_ && cp "
        .. H.q(w.evil) .. " .husky/_/pre-commit")))
      H.sh(string.format("cd %s && %s", H.q(w.project), H.as(user,
        "env HOME=" .. H.q(w.home) .. " git -c user.name=t -c user.email=t@t commit -q --allow-empty -m c")))
      assert.is_true(exists(w.marker), "control: the husky hook did not run")
      os.remove(w.marker)
      must("rm -rf " .. H.q(w.project .. "/.husky"))
      -- the hook's text from inside the project (outside/ is not granted)
      must("cp " .. H.q(w.evil) .. " " .. H.q(w.project .. "/evil.sh"))
      local out, err, code = session(w, user, "claude-code",
        "mkdir -p .husky/_ 2>/dev/null; cp evil.sh .husky/_/pre-commit 2>&1 && echo PLANTED; "
        .. "git -c user.name=t -c user.email=t@t commit -q --allow-empty -m inside && echo COMMITTED")
      if H.floor then
        -- no mounts: guarded, so the hook was planted and ran inside the
        -- sandbox (the commit failed on it), and is gone after the session
        assert.equal("PLANTED\n", out, err)
        assert.matches(".husky/_ (git hooks", err, 1, true)
        os.remove(w.marker)
      else
        assert.equal(0, code, err)
        assert.equal("COMMITTED\n", out:gsub("[^\n]*Permission denied\n", ""):gsub("[^\n]*Read%-only file system\n", ""))
      end
      assert.is_nil(io.open(w.project .. "/.husky/_/pre-commit", "r"))
      assert.is_true(exists(w.project .. "/.husky/_"))
      H.sh(string.format("cd %s && %s", H.q(w.project), H.as(user,
        "env HOME=" .. H.q(w.home) .. " git -c user.name=t -c user.email=t@t commit -q --allow-empty -m c")))
      assert.is_false(exists(w.marker), "a hook planted in the session ran outside")
    end)

    it("refuses a planted .git file that points at /, at home, or is malformed", function()
      H.ready(user)
      local sub = w.project .. "/sub"
      for _, text in ipairs { "gitdir: /\n", "gitdir: " .. w.home .. "\n", "gitdir:/\n",
                              "gitdir: \n/\n", "gitdir: /etc\n" } do
        local f = assert(io.open(sub .. "/.git", "w"))
        f:write(text)
        f:close()
        local out, err, code = H.nono(w, user, { "run", "--profile", "claude-code", "--", "echo", "RAN" },
          { cwd = sub })
        assert.equal(126, code, text .. ": " .. err)
        assert.equal("", out)
        assert.matches(sub .. "/.git", err, 1, true)
      end
    end)

    it("a worktree and a submodule still work under every agent profile; their pointers stay read-only", function()
      H.ready(user)
      local wt = w.outside .. "/wt"
      w.git("worktree add -q " .. H.q(wt))
      -- a submodule: another repository, cloned into the project
      local other = w.outside .. "/other"
      must(H.as(user, "sh -c " .. H.q("git init -q -b main " .. H.q(other) .. " && cd " .. H.q(other)
        .. " && git -c user.name=t -c user.email=t@t commit -q --allow-empty -m o")))
      w.git("-c protocol.file.allow=always submodule -q add " .. H.q(other) .. " mod")
      w.git("commit -q -m mod")
      local script = table.concat({
        "echo change-$$ >> file.txt && git add file.txt && git -c user.name=t -c user.email=t@t commit -q -m w"
          .. " && echo COMMITTED",
        "d=$(git rev-parse --git-dir)",
        "for f in \"$d/commondir\" \"$d/gitdir\" \"$d/config\" \"$(git rev-parse --git-common-dir)/config\"; do",
        "  [ -e \"$f\" ] && printf x >> \"$f\" 2>/dev/null && echo WROTE",
        "done",
        "printf 'gitdir: /\\n' > .git 2>/dev/null && echo WROTE",
        "true",
      }, "\n")
      local pointer = H.slurp(wt .. "/.git")
      for _, profile in ipairs { "claude-code", "codex", "opencode", "gemini-cli", "openclaw" } do
        for _, dir in ipairs { wt, w.project .. "/mod" } do
          must(H.as(user, "sh -c " .. H.q("echo base > " .. H.q(dir .. "/file.txt"))))
          local out, err, code = H.nono(w, user, { "run", "--profile", profile, "--", SHELL, "-c", script },
            { cwd = dir })
          assert.equal(0, code, profile .. " in " .. dir .. ": " .. err)
          -- read-only where mounts work; guarded (restored after) on the floor
          local expect = H.floor and (dir == wt and "COMMITTED\nWROTE\nWROTE\nWROTE\nWROTE\n"
            or "COMMITTED\nWROTE\nWROTE\nWROTE\n") or "COMMITTED\n"
          assert.equal(expect, out, profile .. " in " .. dir .. ": " .. err)
          assert.equal(pointer, H.slurp(wt .. "/.git"))
        end
      end
      -- --dry-run names each grant derived from a pointer, and the file that named it
      local report = H.nono(w, user, { "run", "--dry-run", "--profile", "claude-code", "--", "true" },
        { cwd = wt })
      local function line_of(path)
        for l in report:gmatch("[^\n]+") do
          if l:match("^%s+read%+write%s+(%S+)") == path then return l end
        end
        return ""
      end
      assert.matches("(named by " .. wt .. "/.git)", line_of(w.project .. "/.git/worktrees/wt"), 1, true)
      assert.matches("(named by " .. w.project .. "/.git/worktrees/wt/commondir)",
        line_of(w.project .. "/.git"), 1, true)
      -- and git outside still sees both as they were, with the commits made inside
      local log = must(string.format("cd %s && %s", H.q(wt), H.as(user, "git log --oneline")))
      assert.matches(" w\n", log)
    end)

    it("keeps the npm cache npx runs from out of reach; npm gets a private one", function()
      H.ready(user)
      -- a home outside /tmp (which agent profiles grant)
      local home = must("mktemp -d /var/lib/nono-spec.XXXXXX"):gsub("%s+$", "")
      finally(function() os.execute("rm -rf " .. H.q(home)) end)
      must("mkdir -p " .. H.q(home .. "/.npm/_npx") .. " && chown -R "
        .. (user == "nobody" and "65534:65534" or "0:0") .. " " .. H.q(home) .. " && chmod 0755 " .. H.q(home))
      assert.equal("ok", H.probe_bare(w, user, "create", home .. "/.npm/_npx/x"))
      os.remove(home .. "/.npm/_npx/x")
      local out, err, code = H.nono(w, user, { "run", "--profile", "claude-code", "--", SHELL, "-c",
        "touch ~/.npm/_npx/y 2>/dev/null && echo WROTE; touch \"$npm_config_cache/z\" && echo \"$npm_config_cache\"" },
        { env = "HOME=" .. H.q(home) })
      assert.equal(0, code, err)
      assert.equal(home .. "/.cache/nono/npm\n", out)
      assert.is_false(exists(home .. "/.npm/_npx/y"))
      assert.is_true(exists(home .. "/.cache/nono/npm/z"))
    end)
  end)

  describe("start-up files under --allow ~, as " .. user .. " #landlock #persistence", function()
    local w = H.each_world(function(w) setup(w, user) end)

    -- what the stock dotfiles of Debian, Ubuntu, Fedora and macOS-style
    -- shells source or run, and where the user's own commands live
    local NAMES = { ".bashrc", ".profile", ".bash_logout", ".bash_aliases", ".bash_login", ".bash_profile",
      ".zshenv", ".zprofile", ".zshrc", ".zlogin", ".zlogout", ".inputrc", ".tmux.conf",
      ".config/fish/config.fish", ".config/tmux/tmux.conf", ".config/autostart/x.desktop",
      ".config/systemd/user/x.service", ".config/environment.d/x.conf", ".local/bin/ls", "bin/ls",
      "tools/ls", ".xprofile", ".config/direnv/direnvrc", ".local/share/direnv/allow/x" }

    it("cannot change or create any of them; the user's login shell outside runs nothing planted", function()
      H.ready(user)
      -- the stock files where the system has them (Debian: /etc/skel)
      must("cp -a /etc/skel/. " .. H.q(w.home) .. " 2>/dev/null; mkdir -p " .. H.q(w.home .. "/tools")
        .. " && chown -R " .. (user == "nobody" and "65534:65534" or "0:0") .. " " .. H.q(w.home)
        .. " && chmod 0755 " .. H.q(w.home))
      local before = {}
      for _, n in ipairs(NAMES) do before[n] = H.slurp(w.home .. "/" .. n) end
      local lines = {}
      for _, n in ipairs(NAMES) do
        lines[#lines + 1] = string.format("mkdir -p \"$(dirname %s)\" 2>/dev/null; "
          .. "printf '%s\\n' >> %s 2>/dev/null && echo WROTE %s", H.q(n), w.evil, H.q(n), n)
      end
      local out, err, code = H.nono(w, user, { "run", "--allow", "~", "--", SHELL, "-c",
        "cd ~ && " .. table.concat(lines, "\n") .. "\ntrue" }, { env = "PATH=" .. H.q(w.home .. "/tools:/usr/bin:/bin") })
      assert.equal(0, code, err)
      assert.equal("", out)
      for _, n in ipairs(NAMES) do
        assert.equal(before[n], H.slurp(w.home .. "/" .. n), n .. " changed")
      end
      -- control: the same line appended without nono is run by a login shell
      H.sh(H.as(user, "sh -c " .. H.q(string.format("printf '%s\\n' >> %s", w.evil, H.q(w.home .. "/.bashrc")))))
      H.sh(H.as(user, "env -i HOME=" .. H.q(w.home) .. " bash -i -c true </dev/null"))
      assert.is_true(exists(w.marker), "control: the login shell did not run .bashrc")
    end)
  end)

  describe("the home directory, as " .. user .. " #persistence", function()
    local w
    before_each(function() w = H.world() end)
    after_each(function() H.destroy(w) end)

    local function protected_count(envp)
      local cmd = string.format("cd %s && env %s %s run --dry-run --allow . -- true", H.q(w.project), envp,
        H.as(user, H.q(w.nono)))
      local out, err, code = H.sh(cmd)
      assert.equal(0, code, err)
      assert.is_nil(err:find("traceback", 1, true))
      return tonumber(out:match("protected +(%d+) paths")), out
    end

    it("takes the passwd entry's home when HOME is unset, empty or relative, and says so", function()
      H.ready(user)
      local pw = user == "nobody" and "/nonexistent" or "/root"
      local full = protected_count("HOME=" .. pw)
      for _, envp in ipairs { "-u HOME", "HOME=", "HOME=relative" } do
        local n, out = protected_count(envp)
        assert.equal(full, n, envp)
        assert.matches("~ is the home directory of the passwd entry, " .. pw, out, 1, true)
      end
      -- with HOME elsewhere, both homes are protected
      local n, out = protected_count("HOME=" .. H.q(w.home))
      assert.is_true(n > full, out)
      assert.matches("protections also cover " .. pw, out, 1, true)
      if user == "root" then
        local wout = H.sh("env HOME=" .. H.q(w.home) .. " " .. H.q(w.nono)
          .. " why --allow /root --path /root/.ssh/id_rsa")
        assert.matches("DENIED read /root/.ssh/id_rsa", wout, 1, true)
        assert.matches("protected (SSH keys and config)", wout, 1, true)
      end
    end)
  end)
end
