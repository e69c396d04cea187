-- What a shell user and a packager expect of a command: -V, the closest
-- match named for a typo, exit codes told apart, man pages that render and
-- say what the option table says, completions that complete in bash, zsh
-- and fish, `nono shell`, `nono setup --check`, and an installation into a
-- prefix that works from there.  Each is tried for real: the shells load
-- the scripts, man renders the pages, the installed binary sandboxes, the
-- example compiled against the installed pkg-config file is refused by the
-- kernel.
local H = require "spec.helper"
local dkjson = require "dkjson"

local build = (os.getenv("NONO_BUILD_LIB") or (H.source .. "/build/lib")):gsub("/lib$", "")

local function write(path, text, mode)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  if mode then assert(os.execute("chmod " .. mode .. " " .. H.q(path))) end
end

--- `nono ARGS...` as `user` in world `w`, as H.nono runs it (under the
-- floor's injector when the suite runs there), with `input` on stdin and
-- `env` (raw words for env(1)) in the environment.
local function nono_with_input(w, user, args, input, env)
  local file = w.root .. "/input"
  write(file, input, "0644")
  local nono, words = H.nono_words(w, args)
  return H.sh(string.format("cd %s && env HOME=%s %s %s %s < %s", H.q(w.project), H.q(w.home), env or "",
    H.as(user, nono), words, H.q(file)))
end

--- The lines between man/nono.1's generated-options markers.
local function generated_section(page)
  return page:match('%.\\" BEGIN GENERATED OPTIONS[^\n]*\n(.-)%.\\" END GENERATED OPTIONS')
end

local function need(program)
  local path = H.sh("command -v " .. program):gsub("%s+$", "")
  assert(path ~= "", program .. " is not installed: scripts/deps.sh installs it (make deps)")
  return path
end

describe("the command line's conventions", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  it("prints the version for -V as for --version", function()
    local long, _, lcode = H.nono(w, "root", { "--version" })
    local short, _, scode = H.nono(w, "root", { "-V" })
    assert.equal(0, lcode)
    assert.equal(0, scode)
    assert.matches("^nono %d+%.%d+%.%d+ ", short)
    assert.equal(long, short)
  end)

  it("names the closest option, command or topic for a typo, and runs nothing", function()
    local cases = {
      { { "run", "--alow", ".", "--", "touch", "ran" }, "unknown option '--alow' (did you mean --allow?)" },
      { { "run", "--dryrun", "--", "touch", "ran" }, "(did you mean --dry-run?)" },
      { { "run", "--allow=.", "--net-blok", "--", "touch", "ran" }, "(did you mean --net-block?)" },
      { { "run", "--verb", "--", "touch", "ran" }, "(did you mean --verbose?)" },
      { { "why", "--paht", "x" }, "(did you mean --path?)" },
      { { "shell", "--prfile", "codex" }, "(did you mean --profile?)" },
      { { "setup", "--chekc" }, "(did you mean --check?)" },
      { { "rnu", "--", "touch", "ran" }, "unknown command 'rnu' (did you mean run?)" },
      { { "--verison" }, "unknown option '--verison' (did you mean --version?)" },
      { { "profile", "lsit" }, "(did you mean list?)" },
      { { "help", "shel" }, "no help for 'shel' (did you mean shell?)" },
      { { "completion", "bsh" }, "(did you mean bash?)" },
    }
    for _, c in ipairs(cases) do
      local _, err, code = H.nono(w, "root", c[1])
      assert.equal(2, code, table.concat(c[1], " "))
      assert.matches(c[2], err, 1, true)
    end
    -- nothing close: no guess
    local _, err, code = H.nono(w, "root", { "run", "--xyzzy", "--", "touch", "ran" })
    assert.equal(2, code)
    assert.matches("unknown option '--xyzzy'\n", err, 1, true)
    assert.not_matches("did you mean", err, 1, true)
    assert.is_nil(io.open(w.project .. "/ran", "r"))
  end)

  it("keeps man/nono.1's OPTIONS section what the option table says (make man)", function()
    local page = H.slurp(H.source .. "/man/nono.1")
    local section = generated_section(page)
    assert.truthy(section, "man/nono.1 has no generated OPTIONS section")
    local out, _, code = H.nono(w, "root", { "help", "--man-options" })
    assert.equal(0, code)
    assert.equal(out, section, "man/nono.1 is out of date: run 'make man'")
  end)

  it("takes every option the man page lists, for every command the page names", function()
    local section = generated_section(H.slurp(H.source .. "/man/nono.1"))
    local tried = 0
    for takers, entries in (section .. ".SS"):gmatch("Taken by ([^\n]*)%.\n(.-)%.SS") do
      for line in entries:gmatch("%.TP\n([^\n]*)") do
        local value = line:find("\\fI", 1, true) and { "x" } or {}
        for option in line:gmatch("\\fB(.-)\\fR") do
          local name = option:gsub("\\%-", "-")
          for cmd in takers:gmatch("nono (%w+)") do
            local out, err, code = H.nono(w, "root", H.args({ cmd, name }, value, { "--help" }))
            assert.equal(0, code, "nono " .. cmd .. " " .. name .. ": " .. err)
            assert.matches("^Usage: nono " .. cmd, out)
            tried = tried + 1
          end
        end
      end
    end
    assert.is_true(tried > 60, "only " .. tried .. " options tried: the page's section did not parse")
    -- and what the page does not list is refused
    local _, _, code = H.nono(w, "root", { "why", "--dry-run", "--help" })
    assert.equal(2, code)
  end)

  it("renders both man pages without a warning", function()
    need("man")
    for _, page in ipairs { "man/nono.1", "man/nono-profile.5" } do
      local out, err, code = H.sh("MANWIDTH=80 man --warnings -l " .. H.q(H.source .. "/" .. page))
      assert.equal(0, code, page)
      assert.equal("", err, page)
      assert.matches("SEE ALSO", out)
    end
  end)

  it("documents every command in nono(1) and every profile function in nono-profile(5)", function()
    local help = H.nono(w, "root", { "--help" })
    local page = H.slurp(H.source .. "/man/nono.1")
    local commands = 0
    for cmd in help:gmatch("\n  nono (%l+)") do
      assert.matches("\n%.SS nono " .. cmd .. "[ \n]", page, nil, false)
      commands = commands + 1
    end
    assert.is_true(commands >= 7)
    local api = H.slurp(H.source .. "/lua/nono/profile_api.lua") .. H.slurp(H.source .. "/lua/nono/profile_env.lua")
    local profile_page = H.slurp(H.source .. "/man/nono-profile.5")
    local names = 0
    for name in api:gmatch("api%.([%w_]+)%s*=") do
      assert.truthy(profile_page:find(name, 1, true), "nono-profile(5) does not mention " .. name)
      names = names + 1
    end
    for name in api:gmatch("function api%.([%w_]+)") do
      assert.truthy(profile_page:find(name, 1, true), "nono-profile(5) does not mention " .. name)
      names = names + 1
    end
    -- (the grant verbs are made from nono.grants' table)
    for _, f in ipairs(require("nono.grants").FORMS) do
      assert.truthy(profile_page:find(f.verb, 1, true), "nono-profile(5) does not mention " .. f.verb)
      names = names + 1
    end
    assert.is_true(names > 30)
  end)
end)

for _, user in ipairs(H.users) do
  describe("exit status as " .. user, function()
    local w
    before_each(function() w = H.world() end)
    after_each(function() H.destroy(w) end)

    -- 126 is nono's refusal (it says so), 127 a command that could not be
    -- executed, 2 a usage error; a command's own 126 passes through.
    it("tells nono's refusal, an unrunnable command and the command's own status apart", function()
      if not H.ready(user) then return end
      local _, err, code = H.nono(w, user, { "run", "--abi-min", "99", "--", "touch", "ran" })
      assert.equal(126, code)
      assert.matches("the command was not run", err, 1, true)
      _, err, code = H.nono(w, user, { "run", "--", "./no-such-command" })
      assert.equal(127, code)
      assert.matches("cannot execute './no-such-command'", err, 1, true)
      _, err, code = H.nono(w, user, { "run", "--", "sh", "-c", "exit 126" })
      assert.equal(126, code)
      assert.equal("", err)
      _, err, code = H.nono(w, user, { "run", "--bogus", "--", "touch", "ran" })
      assert.equal(2, code)
      assert.is_nil(io.open(w.project .. "/ran", "r"))
      -- the man page says why 126 and not 125
      assert.matches("Why 126, and not 125", H.sh("MANWIDTH=80 man -l " .. H.q(H.source .. "/man/nono.1")),
        1, true)
    end)
  end)
end

describe("the completions", function()
  local w
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  it("complete in bash: complete -p nono, then _nono with COMP_WORDS", function()
    local script = w.root .. "/nono.bash"
    write(script, (H.nono(w, "root", { "completion", "bash" })))
    local cases = {
      { "nono ru", "run" },
      { "nono run --al", "--allow --allow-file --allow-command" },
      { "nono run --on-expire ''", "kill report" },
      { "nono run --profile claude-c", "claude-code" },
      { "nono why --op readw", "readwrite" },
      { "nono profile sh", "show" },
      { "nono profile show cod", "codex" },
      { "nono completion fi", "fish" },
      { "nono setup --ch", "--check" },
      { "nono shell --dry", "--dry-run" },
      { "nono -", "-V --version -h --help" },
      { "nono run --allow . --dry-run printen", "printenv" },
    }
    local lines = { "source " .. H.q(script), "complete -p nono",
      't() { COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); _nono nono; '
        .. 'printf "%s|" "${COMPREPLY[@]}" | tr "|" " " | sed "s/ $//"; echo; }' }
    for _, c in ipairs(cases) do lines[#lines + 1] = "t " .. c[1] end
    write(w.root .. "/t.bash", table.concat(lines, "\n") .. "\n")
    local out, err, code = H.sh("PATH=" .. H.q(w.bin) .. ":$PATH bash " .. H.q(w.root .. "/t.bash"))
    assert.equal(0, code, err)
    local got = {}
    for l in out:gmatch("[^\n]*") do got[#got + 1] = l end
    assert.equal("complete -F _nono nono", got[1])
    for i, c in ipairs(cases) do
      local words = {}
      for word in got[i + 1]:gmatch("%S+") do words[word] = true end
      for word in c[2]:gmatch("%S+") do
        assert.truthy(words[word], c[1] .. " -> " .. got[i + 1] .. " (expected " .. word .. ")")
      end
    end
  end)

  it("complete in zsh: TAB in an interactive zsh with the script in fpath", function()
    local zsh = need("zsh")
    local dir = w.root .. "/zfunc"
    assert(os.execute("mkdir -p " .. H.q(dir)))
    write(dir .. "/_nono", (H.nono(w, "root", { "completion", "zsh" })))
    local out = w.root .. "/zsh.out"
    local cases = {
      { "nono ru", "nono run " },
      { "nono run --on-expire re", "nono run --on-expire report " },
      { "nono run --profile claude-c", "nono run --profile claude-code " },
      { "nono why --op readw", "nono why --op readwrite " },
      { "nono profile sh", "nono profile show " },
      { "nono completion fi", "nono completion fish " },
      { "nono setup --che", "nono setup --check " },
      { "nono sh", "nono shell " },
    }
    -- An interactive zsh on a pseudo-terminal (zpty): each line is typed
    -- with TAB, then a key bound to a widget that appends the buffer to a
    -- file (the terminal's own output is not parsed).
    local lines = {
      "zmodload zsh/zpty",
      "out=" .. H.q(out) .. "; : > $out",
      "wait_lines() { local i; for i in {1..300}; do (( $(wc -l < $out) >= $1 )) && return 0; sleep 0.1; done; "
        .. "return 1; }",
      "zpty z " .. H.q(zsh) .. " -f -i",
      "zpty -w z " .. H.q("fpath=(" .. dir .. " $fpath); autoload -U compinit; compinit -u -D; PATH="
        .. w.bin .. ":$PATH"),
      "zpty -w z " .. H.q('dump() { print -r -- "[$BUFFER]" >> ' .. out .. '; BUFFER=; }; zle -N dump; '
        .. "bindkey '^X' dump; print READY >> " .. out),
      "wait_lines 1 || exit 3",
    }
    for i, c in ipairs(cases) do
      lines[#lines + 1] = "zpty -w -n z " .. H.q(c[1]) .. "$'\\t\\x18'"
      lines[#lines + 1] = "wait_lines " .. (i + 1) .. " || exit 4"
    end
    lines[#lines + 1] = "zpty -d z"
    write(w.root .. "/t.zsh", table.concat(lines, "\n") .. "\n")
    local _, err, code = H.sh("timeout 120 " .. H.q(zsh) .. " -f " .. H.q(w.root .. "/t.zsh"))
    assert.equal(0, code, err)
    local got = {}
    for l in H.slurp(out):gmatch("[^\n]+") do got[#got + 1] = l end
    assert.equal("READY", got[1])
    for i, c in ipairs(cases) do assert.equal("[" .. c[2] .. "]", got[i + 1]) end
  end)

  it("complete in fish: complete -C", function()
    local fish = need("fish")
    local script = w.root .. "/nono.fish"
    write(script, (H.nono(w, "root", { "completion", "fish" })))
    local cases = {
      { "nono ru", "run" },
      { "nono run --al", "--allow" },
      { "nono run --on-expire ", "report" },
      { "nono run --profile claude-c", "claude-code" },
      { "nono why --op readw", "readwrite" },
      { "nono profile show cod", "codex" },
      { "nono completion fi", "fish" },
      { "nono -", "--version" },
      { "nono run --allow . -- printen", "printenv" },
      { "nono run --allow . ls --colo", "--color" },
    }
    for _, c in ipairs(cases) do
      local out, err, code = H.sh("PATH=" .. H.q(w.bin) .. ":$PATH " .. H.q(fish) .. " -c "
        .. H.q("source " .. script .. "; complete -C " .. H.q(c[1])))
      assert.equal(0, code, err)
      local found = false
      for l in out:gmatch("[^\n]+") do found = found or l:match("^[^\t]*") == c[2] end
      assert.is_true(found, c[1] .. " -> " .. out)
    end
  end)
end)

for _, user in ipairs(H.users) do
  describe("nono shell as " .. user .. " #landlock", function()
    local w
    before_each(function() w = H.world() end)
    after_each(function() H.destroy(w) end)

    local ENV = "XDG_RUNTIME_DIR= TMPDIR="

    it("runs bash with its prompt marked and NONO_SANDBOX=1, in the sandbox, its rc file out of reach", function()
      if not H.ready(user) then return end
      need("bash")
      -- the control: the same user reads the secret without nono
      local control = H.sh(H.as(user, "cat " .. H.q(w.secret)))
      assert.equal("FAKE PRIVATE KEY\n", control)
      local script = table.concat({
        'echo "PS1=[$PS1]"',
        'echo "SANDBOX=$NONO_SANDBOX"',
        "cat ~/.ssh/id_rsa || echo SECRET-DENIED",
        -- the rc file: from the shell's own command line
        "rc=$(tr '\\0' '\\n' < /proc/$$/cmdline | sed -n '/^--rcfile$/{n;p}')",
        'echo "RC=$rc"',
        'test -r "$rc" && echo RC-READABLE',
        '(echo planted >> "$rc") 2>/dev/null || echo RC-WRITE-DENIED',
        '(: > "${rc%/*}/new") 2>/dev/null || echo RC-DIR-DENIED',
        "exit 7",
      }, "\n") .. "\n"
      local out, _, code = nono_with_input(w, user, { "shell", "--allow", ".", "--allow", "/tmp" }, script,
        ENV .. " SHELL=/bin/bash")
      assert.equal(7, code, out)
      assert.matches("PS1=%[%[nono%] ", out)
      assert.matches("SANDBOX=1\n", out, 1, true)
      assert.matches("SECRET-DENIED", out, 1, true)
      assert.not_matches("FAKE PRIVATE KEY", out, 1, true)
      local rc = out:match("RC=([^\n]+)")
      assert.truthy(rc, out)
      -- /tmp is granted here, so the file is not there
      assert.not_matches("^/tmp/", rc)
      assert.matches("RC-READABLE", out, 1, true)
      assert.matches("RC-WRITE-DENIED", out, 1, true)
      assert.matches("RC-DIR-DENIED", out, 1, true)
      -- removed when the shell ended
      assert.is_nil(io.open(rc, "r"))
      assert.is_nil(io.open((rc:gsub("/[^/]*$", "")), "r"))
    end)

    it("marks the prompt of zsh, fish and sh, each in the sandbox", function()
      if not H.ready(user) then return end
      local shells = {
        { need("zsh"), 'print -r -- "PS1=[$PS1] SANDBOX=$NONO_SANDBOX"; cat ~/.ssh/id_rsa || print DENIED',
          "PS1=%[%[nono%] " },
        { need("fish"), 'echo "PROMPT=["(fish_prompt)"] SANDBOX=$NONO_SANDBOX"; cat ~/.ssh/id_rsa; or echo DENIED',
          "PROMPT=%[%[nono%] " },
        { need("dash"), 'echo "PS1=[$PS1] SANDBOX=$NONO_SANDBOX"; cat ~/.ssh/id_rsa || echo DENIED',
          "PS1=%[%[nono%] [$#] %] " },
      }
      for _, s in ipairs(shells) do
        local out, err = nono_with_input(w, user, { "shell", "--allow", "." }, s[2] .. "\nexit 5\n",
          ENV .. " SHELL=" .. s[1])
        assert.matches(s[3], out, nil, false)
        assert.matches("SANDBOX=1", out, 1, true)
        assert.matches("DENIED", out, 1, true)
        assert.not_matches("FAKE PRIVATE KEY", out .. err, 1, true)
      end
    end)

    it("puts the rc file in nono's read-only config directory when every temporary directory is granted",
      function()
        if not H.ready(user) then return end
        local grants = { "shell", "--allow", ".", "--allow", "/tmp", "--allow", "/var/tmp", "--allow", "/dev/shm" }
        local script = "tr '\\0' '\\n' < /proc/$$/cmdline | sed -n '/^--rcfile$/{n;p}'\nexit 0\n"
        local out, err, code = nono_with_input(w, user, grants, script, ENV .. " SHELL=/bin/bash")
        if user == "root" then
          assert.equal(0, code, err)
          assert.matches("^" .. (w.home .. "/.config/nono/nono-shell."):gsub("%p", "%%%0"), out)
        else
          -- uid 65534 cannot make ~/.config/nono in the fixture's home: no
          -- place is left, and nono refuses rather than use a granted one
          assert.equal(126, code, out)
          assert.matches("the command was not run", err, 1, true)
        end
      end)
  end)

  describe("nono setup --check as " .. user .. " #landlock", function()
    local w
    before_each(function() w = H.world() end)
    after_each(function() H.destroy(w) end)

    it("reports what works here, with a sandboxed trial, and finds an agent on PATH", function()
      if not H.ready(user) then return end
      local agents = w.root .. "/agents"
      assert(os.execute("mkdir -p " .. H.q(agents) .. " && cp /bin/true " .. H.q(agents .. "/claude")
        .. " && chmod -R a+rX " .. H.q(agents)))
      local env = "PATH=" .. H.q(agents .. ":/usr/bin:/bin")
      local out, err, code = H.nono(w, user, { "setup", "--check" }, { env = env })
      assert.equal(0, code, err)
      assert.matches("\nok%s+landlock%s+ABI %d", out)
      assert.matches("\nok%s+seccomp ", out)
      assert.matches("\nok%s+trial%s+a sandboxed 'true' ran", out)
      if H.floor == "FLAG" then
        assert.matches("\nlimited%s+namespaces%s+not used: %-%-no%-namespaces %(the floor, by choice%); they work", out)
      elseif H.floor then
        assert.matches("\nlimited%s+namespaces%s+unavailable: uid_map", out)
      else
        assert.matches("\nok%s+namespaces ", out)
      end
      assert.matches("\nok%s+claude%s+" .. (agents .. "/claude"):gsub("%p", "%%%0"), out)
      assert.matches("\nabsent%s+codex%s+not found on PATH\n%s+hint: npm install %-g @openai/codex", out)
      assert.matches("nono can sandbox commands here", out, 1, true)
      local js
      js, err, code = H.nono(w, user, { "setup", "--check", "--json" }, { env = env })
      assert.equal(0, code, err)
      local r = assert(dkjson.decode(js))
      assert.is_true(r.ok)
      local states = {}
      for _, c in ipairs(r.checks) do
        states[c.name] = c.state
        assert.truthy(c.hint, c.name .. " has no hint")
      end
      assert.equal("ok", states.landlock)
      assert.equal("ok", states.trial)
      assert.equal("absent", states.gemini)
      assert.is_true(r.enforcement.landlock.available)
    end)

    it("says which step fails where the kernel refuses Landlock, seccomp or user namespaces", function()
      if not H.ready(user) then return end
      local out, _, code = H.nono(w, user, { "setup", "--check" }, { floor = "ENOSYS" })
      assert.equal(1, code, out)
      assert.matches("\nmissing%s+landlock%s+unavailable: landlock_create_ruleset", out)
      assert.matches("CONFIG_SECURITY_LANDLOCK", out, 1, true)
      assert.matches("\nrefused%s+trial%s+not tried", out)
      out, _, code = H.nono(w, user, { "setup", "--check" }, { floor = "NOSECCOMP" })
      assert.equal(1, code, out)
      assert.matches("\nmissing%s+trial%s+a sandboxed 'true' did not run: setup failed at installing the "
        .. "seccomp filter", out)
      out, _, code = H.nono(w, user, { "setup", "--check", "--json" }, { floor = "NOUSERNS" })
      assert.equal(0, code, out)
      local r = assert(dkjson.decode(out))
      for _, c in ipairs(r.checks) do
        if c.name == "namespaces" then
          assert.equal("limited", c.state)
          assert.matches("^unavailable: unshare: EPERM", c.text)
          assert.matches("narrowing", c.hint)
        elseif c.name == "run" then
          assert.matches("time%-limited grants", c.text)
        elseif c.name == "trial" then
          assert.equal("ok", c.state)
        end
      end
    end)
  end)
end

describe("an installation into a prefix (cmake --install --prefix)", function()
  local w, prefix
  lazy_setup(function()
    prefix = H.sh("mktemp -d /tmp/nono-spec.install.XXXXXX"):gsub("%s+$", "")
    local _, err, code = H.sh("cmake --install " .. H.q(build) .. " --prefix " .. H.q(prefix)
      .. " && chmod -R a+rX " .. H.q(prefix))
    assert(code == 0, "cmake --install failed: " .. err)
  end)
  lazy_teardown(function()
    if prefix and prefix:match("^/tmp/nono%-spec%.install%.") then os.execute("rm -rf " .. H.q(prefix)) end
  end)
  before_each(function() w = H.world() end)
  after_each(function() H.destroy(w) end)

  it("lays out the binary, the man pages, the completions, the docs, libnono and pkg-config", function()
    local libdir = H.sh("ls -d " .. H.q(prefix) .. "/lib*/pkgconfig " .. H.q(prefix) .. "/lib/*/pkgconfig 2>/dev/null")
      :match("^([^\n]*)/pkgconfig")
    assert.truthy(libdir, "no pkgconfig directory under " .. prefix)
    for _, f in ipairs { "bin/nono", "share/man/man1/nono.1", "share/man/man5/nono-profile.5",
        "share/bash-completion/completions/nono", "share/zsh/site-functions/_nono",
        "share/fish/vendor_completions.d/nono.fish", "share/doc/nono/README.md", "share/doc/nono/profiles.md",
        "share/doc/nono/examples/sandboxed_ls.c", "include/nono.h" } do
      assert.truthy(io.open(prefix .. "/" .. f, "r"), f)
    end
    for _, f in ipairs { "libnono.a", "libnono.so", "pkgconfig/nono.pc" } do
      assert.truthy(io.open(libdir .. "/" .. f, "r"), f)
    end
  end)

  for _, user in ipairs(H.users) do
    it("runs the installed binary as " .. user .. ": it sandboxes from there", function()
      if not H.ready(user) then return end
      local nono = prefix .. "/bin/nono"
      local out, _, code = H.sh(H.as(user, H.q(nono) .. " -V"))
      assert.equal(0, code)
      assert.matches("^nono %d", out)
      -- the control, then the same read under the installed nono
      assert.equal("FAKE PRIVATE KEY\n", (H.sh(H.as(user, "cat " .. H.q(w.secret)))))
      local err
      out, err, code = H.sh("cd " .. H.q(w.project) .. " && env HOME=" .. H.q(w.home) .. " "
        .. H.as(user, H.q(nono) .. " run --allow . -- cat " .. H.q(w.secret)))
      assert.equal(1, code)
      assert.matches("Permission denied", err, 1, true)
      assert.not_matches("FAKE PRIVATE KEY", out, 1, true)
    end)
  end

  it("shows the installed man pages through MANPATH, without a warning", function()
    need("man")
    local out, err, code = H.sh("MANPATH=" .. H.q(prefix .. "/share/man") .. " MANWIDTH=80 man --warnings nono")
    assert.equal(0, code, err)
    assert.equal("", err)
    assert.matches("EXIT STATUS", out, 1, true)
    out, err, code = H.sh("MANPATH=" .. H.q(prefix .. "/share/man") .. " man -w nono-profile")
    assert.equal(0, code, err)
    assert.equal(prefix .. "/share/man/man5/nono-profile.5\n", out)
  end)

  it("loads the installed completions in bash, zsh and fish", function()
    local path = "PATH=" .. H.q(prefix .. "/bin") .. ":$PATH "
    local out, err, code = H.sh(path .. "bash -c " .. H.q("source " .. prefix
      .. "/share/bash-completion/completions/nono && complete -p nono && COMP_WORDS=(nono comp) COMP_CWORD=1 "
      .. "&& _nono && echo ${COMPREPLY[*]}"))
    assert.equal(0, code, err)
    assert.equal("complete -F _nono nono\ncompletion\n", out)
    out, err, code = H.sh(path .. H.q(need("zsh")) .. " -fc " .. H.q("fpath=(" .. prefix
      .. "/share/zsh/site-functions $fpath); autoload -U compinit; compinit -u -D; print -r -- $_comps[nono]"))
    assert.equal(0, code, err)
    assert.equal("_nono\n", out)
    out, err, code = H.sh(path .. "XDG_DATA_DIRS=" .. H.q(prefix .. "/share") .. " " .. H.q(need("fish"))
      .. " -c " .. H.q("complete -C 'nono shel'"))
    assert.equal(0, code, err)
    assert.matches("^shell\t", out)
  end)

  for _, user in ipairs(H.users) do
    it("compiles examples/sandboxed_ls.c with the installed pkg-config file; as " .. user
        .. " the kernel refuses what it did not allow", function()
      if not H.ready(user) then return end
      local pcdir = H.sh("dirname $(find " .. H.q(prefix) .. " -name nono.pc)"):gsub("%s+$", "")
      local flags, err, code = H.sh("PKG_CONFIG_PATH=" .. H.q(pcdir) .. " pkg-config --cflags --libs nono")
      assert.equal(0, code, err)
      assert.matches("%-lnono", flags)
      local exe = w.bin .. "/sandboxed_ls"
      local _, cerr, ccode = H.sh("cc " .. H.q(H.source .. "/examples/sandboxed_ls.c") .. " "
        .. flags:gsub("%s+$", "") .. " -o " .. H.q(exe) .. " && chmod 0755 " .. H.q(exe))
      assert.equal(0, ccode, cerr)
      local libdir = flags:match("%-L(%S+)")
      -- the control: ls lists the other directory without the sandbox
      local out = H.sh(H.as(user, "ls " .. H.q(w.outside)))
      assert.equal("file.txt\n", out)
      local lerr
      out, lerr, code = H.sh("LD_LIBRARY_PATH=" .. H.q(libdir) .. " "
        .. H.as(user, H.q(exe) .. " " .. H.q(w.project) .. " " .. H.q(w.outside)))
      assert.equal(2, code, lerr)
      assert.matches("file.txt", out, 1, true)
      assert.matches("cannot open directory '" .. w.outside .. "': Permission denied", lerr, 1, true)
      assert.matches("libnono%.so", H.sh("LD_LIBRARY_PATH=" .. H.q(libdir) .. " ldd " .. H.q(exe)))
    end)
  end
end)
