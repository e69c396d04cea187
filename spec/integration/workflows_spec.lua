-- Everyday work inside the agent profiles: file commands, directory
-- removal and renames, temporary directories, builds, compilers,
-- virtualenvs, git, archives.  Each workflow runs under `nono run --profile
-- P -- sh -c '...'` for every agent profile, as root and as uid 65534, in a
-- fixture project that is a git repository (its identity in the
-- repository's own config, written before the sandbox), with HOME the
-- fixture home; and once without nono, the control that shows the snippet
-- itself works.  The same sessions then try what the sandbox is for:
-- reading the fixture ~/.ssh/id_rsa (EACCES), appending to ~/.bashrc,
-- writing .git/config, and putting a new .git (or a new project) where
-- git will look, by renaming the real one away; each against an
-- unsandboxed control.  One nono session per profile and user runs every
-- workflow; each is reported on its own.  Last, keep_dirs() in a profile
-- brings back the rule that no directory is removed.
local H = require "spec.helper"

local PROFILES = { "claude-code", "codex", "opencode", "gemini-cli", "openclaw" }

--- The workflows.  Each runs with `sh -e` in a directory of its own,
-- work/<slug> (made by the session; work/ is in the repository), unless it
-- changes to "$ROOT", the project.  `at_root`: it removes or renames a
-- directory directly in the project root (see `expected`).
local WORKFLOWS = {
  { slug = "files", name = "cp, mv and rm of files", sh = [[
echo one > a
cp a b
mv b c
test "$(cat c)" = one
rm a c
test ! -e a && test ! -e c
]] },
  { slug = "rm-rf", name = "rm -rf build", sh = [[
mkdir -p build/obj/deep
touch build/obj/a.o build/obj/deep/b.o
rm -rf build
test ! -e build
]] },
  { slug = "mv-dir", name = "mv dir1 dir2", sh = [[
mkdir -p dir1/sub
echo x > dir1/sub/f
mv dir1 dir2
test -f dir2/sub/f && test ! -e dir1
]] },
  { slug = "nested-rmdir", name = "mkdir -p and rmdir, cp -r and rm -r", sh = [[
mkdir -p a/b/c
rmdir a/b/c a/b a
mkdir -p t/u && echo x > t/u/f
cp -r t t2
rm -r t t2
test ! -e t2
]] },
  { slug = "chmod-run", name = "chmod +x and running a script", sh = [[
printf '#!/bin/sh\necho ran\n' > run.sh
chmod +x run.sh
test "$(./run.sh)" = ran
]] },
  { slug = "sed-i", name = "sed -i (a temporary file renamed over the original)", sh = [[
echo old > f
sed -i s/old/new/ f
test "$(cat f)" = new
]] },
  { slug = "py-tmp", name = "python3 tempfile.TemporaryDirectory() in $TMPDIR", sh = [[
python3 - <<'EOF'
import os, tempfile
with tempfile.TemporaryDirectory() as d:
    os.makedirs(os.path.join(d, "a", "b"))
    open(os.path.join(d, "a", "b", "f"), "w").write("x")
    name = d
assert not os.path.exists(name), name
EOF
]] },
  { slug = "py-tmp-here", name = "python3 tempfile.TemporaryDirectory(dir='.') and shutil.rmtree", sh = [[
python3 - <<'EOF'
import os, shutil, tempfile
with tempfile.TemporaryDirectory(dir=".") as d:
    os.makedirs(os.path.join(d, "x", "y"))
os.makedirs("p/q")
os.rename("p", "r")
shutil.rmtree("r")
assert not os.path.exists("r") and not os.path.exists(d)
EOF
]] },
  { slug = "node-tmp", name = "node fs.mkdtempSync + fs.rmSync(dir, { recursive: true })", sh = [[
node -e '
const fs = require("fs"), os = require("os"), path = require("path");
const d = fs.mkdtempSync(path.join(os.tmpdir(), "wf-"));
fs.mkdirSync(path.join(d, "a", "b"), { recursive: true });
fs.writeFileSync(path.join(d, "a", "b", "f"), "x");
fs.rmSync(d, { recursive: true });
if (fs.existsSync(d)) process.exit(1);
const e = fs.mkdtempSync("here-");
fs.renameSync(e, "moved");
fs.rmSync("moved", { recursive: true });
'
]] },
  { slug = "make", name = "make and make clean", sh = [[
printf 'all: out/hello.txt\nout/hello.txt:\n\tmkdir -p out/deep\n\techo hi > out/hello.txt\nclean:\n\trm -rf out\n' > Makefile
make -s
test "$(cat out/hello.txt)" = hi
make -s clean
test ! -e out
]] },
  { slug = "cc", name = "compiling and running a C program with cc", sh = [[
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' > hello.c
cc -o hello hello.c
test "$(./hello)" = hello
rm hello
]] },
  -- (without pip: pip reads /etc/debian_version for its user agent, and
  -- the system set does not hold that file)
  { slug = "venv", name = "python3 -m venv --without-pip, used, then removed", sh = [[
python3 -m venv --without-pip venv
venv/bin/python -c 'import sys; assert sys.prefix != sys.base_prefix'
rm -rf venv
test ! -e venv
]] },
  { slug = "git-init", name = "git init, add, commit (a new repository)", sh = [[
git init -q repo
cd repo
echo x > f
git add f
git -c user.name=Spec -c user.email=spec@example.invalid commit -qm first
test "$(git log --format=%s)" = first
]] },
  { slug = "git-branch", name = "git checkout -b, a branch that adds and removes directories, switching back", sh = [[
cd "$ROOT"
git checkout -q -b wf-branch
mkdir -p work/git-branch/newdir/deep
echo x > work/git-branch/newdir/deep/f
git rm -rq src/lib
git add work/git-branch
git commit -qm "add newdir, remove src/lib"
git checkout -q main
test ! -e work/git-branch/newdir && test -f src/lib/mod.py
git checkout -q wf-branch
test -f work/git-branch/newdir/deep/f && test ! -e src/lib
git checkout -q main
git branch -q -D wf-branch
test -f src/lib/mod.py && test ! -e work/git-branch/newdir
]] },
  { slug = "git-stash", name = "git stash (with an untracked directory) and git stash pop", sh = [[
cd "$ROOT"
echo 'y = 2' >> src/lib/mod.py
mkdir -p work/git-stash/untracked/deep
echo new > work/git-stash/untracked/deep/f
git stash push -q -u
test ! -e work/git-stash/untracked && ! grep -q 'y = 2' src/lib/mod.py
git stash pop -q
test -f work/git-stash/untracked/deep/f && grep -q 'y = 2' src/lib/mod.py
git checkout -q -- src/lib/mod.py
rm -rf work/git-stash/untracked
]] },
  { slug = "git-clean", name = "git clean -fdx", sh = [[
cd "$ROOT"
mkdir -p work/git-clean/junk/deep
touch work/git-clean/junk/deep/x work/git-clean/y.o
git clean -q -fdx work/git-clean
test ! -e work/git-clean
]] },
  { slug = "git-mv", name = "git mv of a directory, committed, and back", sh = [[
cd "$ROOT"
git mv src/pkg src/pkg2
git commit -qm "move pkg"
test -f src/pkg2/a.txt && test ! -e src/pkg
git mv src/pkg2 src/pkg
git commit -qm "move pkg back"
test -f src/pkg/a.txt
]] },
  { slug = "tar", name = "tar create and extract", sh = [[
mkdir -p t/a/b
echo x > t/a/b/f
tar cf t.tar t
rm -rf t
tar xf t.tar
test "$(cat t/a/b/f)" = x
rm -rf t t.tar
]] },
  { slug = "symlinks", name = "symlinks to files and directories", sh = [[
echo x > target
ln -s target link
test "$(cat link)" = x
ln -sfn other link
mkdir d
ln -s d dl
touch dl/f
test -f d/f
rm link dl
rm -r d
]] },
  { slug = "truncate", name = "truncate", sh = [[
echo hello > f
truncate -s 2 f
test "$(cat f)" = he
truncate -s 0 f
test ! -s f
]] },
  { slug = "dd", name = "dd of=file", sh = [[
dd if=/dev/zero of=blob bs=1024 count=4 status=none
test "$(wc -c < blob)" -eq 4096
dd if=blob of=copy bs=4096 count=1 status=none
cmp blob copy
]] },
  { slug = "root-rm-rf", name = "rm -rf build at the project root", at_root = true, sh = [[
cd "$ROOT"
mkdir -p build/obj
touch build/obj/a.o
rm -rf build
test ! -e build
]] },
  { slug = "root-mv-dir", name = "mv dir1 dir2 at the project root", at_root = true, sh = [[
cd "$ROOT"
mkdir -p dir1/sub
mv dir1 dir2
rm -r dir2
]] },
}

--- Whether workflow `wf` should succeed in the sandbox: all of them where
-- the core pins the directories above a read-only mount (.git above
-- .git/config).  Where it cannot, the project root loses remove_dir
-- instead (narrowed), so a directory directly in it cannot be removed or
-- renamed: refused, not allowed.
local function expected(wf, pinned)
  return pinned or not wf.at_root
end

--- The shell script that runs every workflow: "@@end SLUG STATUS" after
-- each, its output before.
local function script()
  local lines = {
    "export PATH=/usr/local/bin:/usr/bin:/bin",
    'ROOT=$(pwd); export ROOT',
    'wf() { mkdir -p "$ROOT/work/$1" && cd "$ROOT/work/$1" && sh -ec "$2" 2>&1; echo "@@end $1 $?"; cd "$ROOT"; }',
  }
  for _, wf in ipairs(WORKFLOWS) do lines[#lines + 1] = "wf " .. wf.slug .. " " .. H.q(wf.sh) end
  return table.concat(lines, "\n") .. "\n"
end

--- What the sandbox is for, tried after the workflows in the same session:
-- "@@attack NAME RESULT" each.
local ATTACKS = [[
cd "$ROOT"
echo "@@attack secret $("$PROBE" read "$HOME/.ssh/id_rsa")"
echo evil >> "$HOME/.bashrc"; echo "@@attack bashrc $?"
echo '[core] fsmonitor = evil' >> .git/config; echo "@@attack git-config $?"
mv .git .git.old; echo "@@attack move-git $?"
mkdir -p .git/hooks; printf '[core]\n\tfsmonitor = evil\n' > .git/config; echo "@@attack new-git $?"
cd /; mv "$ROOT" "$ROOT.old"; echo "@@attack move-project $?"
]]

--- Parse a session's output: { [slug] = { status, log } }, { [attack] = result }.
local function parse(out)
  local results, attacks, log = {}, {}, {}
  for line in (out .. "\n"):gmatch("([^\n]*)\n") do
    local slug, status = line:match("^@@end (%S+) (%d+)$")
    local attack, result = line:match("^@@attack (%S+) ?(.*)$")
    if slug then
      results[slug] = { status = tonumber(status), log = table.concat(log, "\n") }
      log = {}
    elseif attack then
      attacks[attack] = result
    else
      log[#log + 1] = line
    end
  end
  return results, attacks
end

--- A fixture world whose project is a git repository with a committed
-- src/ and work/, owned by `user`, as are the home and the world's root
-- (so that the control can rename the project).  The fixture home lies in
-- /tmp, and its protections (~/.ssh) narrow every grant above them, /tmp
-- included, to nothing: a real home does not.  So the sessions get a
-- temporary directory of their own in /var/tmp (which the profiles grant
-- too), as TMPDIR: w.tmp.
local function git_world(user)
  local w = H.world()
  local owner = user == "nobody" and "65534:65534" or "0:0"
  w.tmp = H.sh("mktemp -d /var/tmp/nono-spec.XXXXXX"):gsub("%s+$", "")
  assert(w.tmp:match("^/var/tmp/nono%-spec%."), w.tmp)
  assert(os.execute("chown -R " .. owner .. " " .. H.q(w.project) .. " " .. H.q(w.home) .. " " .. H.q(w.tmp)
    .. " && chown " .. owner .. " " .. H.q(w.root)))
  local _, err, code = H.sh("cd " .. H.q(w.project) .. " && " .. H.as(user, "env HOME=" .. H.q(w.home)
    .. " sh -ec " .. H.q(table.concat({
      "git init -q -b main .",
      "git config user.name Spec",
      "git config user.email spec@example.invalid",
      "git config commit.gpgsign false",
      "mkdir -p src/lib src/pkg work",
      "echo 'x = 1' > src/lib/mod.py",
      "echo a > src/pkg/a.txt",
      "touch work/.keep sub/.keep",
      "git add -A",
      "git commit -qm initial",
    }, "\n"))))
  assert(code == 0, "git fixture: " .. err)
  return w
end

local function destroy(w)
  if w and w.tmp and w.tmp:match("^/var/tmp/nono%-spec%.") then os.execute("rm -rf " .. H.q(w.tmp)) end
  H.destroy(w)
end

for _, user in ipairs(H.users) do
  describe("everyday workflows without nono (the control) as " .. user .. " #landlock #workflows", function()
    local w, results
    local function session()
      if not results then
        w = git_world(user)
        local out = H.sh("cd " .. H.q(w.project) .. " && " .. H.as(user, "env HOME=" .. H.q(w.home)
          .. " TMPDIR=" .. H.q(w.tmp) .. " sh -c " .. H.q(script())))
        results = parse(out)
      end
      return results
    end
    lazy_teardown(function() destroy(w) end)

    for _, wf in ipairs(WORKFLOWS) do
      it(wf.name, function()
        H.can_run_as(user)
        local r = session()[wf.slug]
        assert.is_table(r, "no result for " .. wf.slug)
        assert.equal(0, r.status, r.log)
      end)
    end

    it("can read the fixture key, append to ~/.bashrc, and rename .git and the project", function()
      H.can_run_as(user)
      session()
      assert.equal("ok", H.probe_bare(w, user, "read", w.secret))
      local rc = w.home .. "/.bashrc"
      local before = H.slurp(rc)
      local _, err, code = H.sh(H.as(user, "sh -c " .. H.q("echo x >> " .. H.q(rc))))
      assert.equal(0, code, err)
      assert(io.open(rc, "w")):write(before)
      _, err, code = H.sh("cd " .. H.q(w.project) .. " && " .. H.as(user, "sh -ec "
        .. H.q("mv .git .git.old && mv .git.old .git && cd / && mv " .. H.q(w.project) .. " "
        .. H.q(w.project .. ".old") .. " && mv " .. H.q(w.project .. ".old") .. " " .. H.q(w.project))))
      assert.equal(0, code, err)
    end)
  end)

  describe("keep_dirs() in a profile as " .. user .. " #landlock #workflows", function()
    local w
    before_each(function() w = git_world(user) end)
    after_each(function() destroy(w) end)

    it("brings back the old rule: no directory removed or renamed, files still are", function()
      H.ready(user)
      local strict = w.root .. "/strict.lua"
      assert(io.open(strict, "w")):write('extends "claude-code"\nkeep_dirs()\n')
      assert(os.execute("chmod 0644 " .. H.q(strict)))
      local snippet = "mkdir -p work/k/build && touch work/k/build/f && rm work/k/build/f && rm -r work/k/build"
      -- the control: the same profile without keep_dirs() removes it
      local _, err, code = H.nono(w, user, { "run", "--profile", "claude-code", "--", "sh", "-ec", snippet })
      assert.equal(0, code, err)
      _, err, code = H.nono(w, user, { "run", "--profile", strict, "--", "sh", "-ec", snippet })
      assert.are_not.equal(0, code)
      assert.matches("rm: cannot remove 'work/k/build': Permission denied", err)
      assert.is_nil(io.open(w.project .. "/work/k/build/f", "r"), "the file was removed")
      local out = H.nono(w, user, { "run", "--dry-run", "--profile", strict, "--", "true" })
      assert.matches("directories +write grants do not remove or rename them", out)
    end)
  end)

  for _, profile in ipairs(PROFILES) do
    describe("everyday workflows under --profile " .. profile .. " as " .. user .. " #landlock #workflows", function()
      local w, results, attacks, pinned, config_before, rc_before, report
      local function session()
        if not results then
          w = git_world(user)
          config_before = H.slurp(w.project .. "/.git/config")
          rc_before = H.slurp(w.home .. "/.bashrc")
          report = H.nono(w, user, { "run", "--dry-run", "--profile", profile, "--", "true" })
          -- pinned by a mount, or on the floor guarded: moved back after
          pinned = report:find("kept in place %S+ %(pinned") ~= nil
            or report:find("kept in place %S+ %(guarded") ~= nil
          local out, err = H.nono(w, user, { "run", "--profile", profile, "--read-file", w.probe, "--",
            "sh", "-c", script() .. ATTACKS }, { env = "PROBE=" .. H.q(w.probe) .. " TMPDIR=" .. H.q(w.tmp) })
          results, attacks = parse(out)
          results.stderr = err
        end
        return results
      end
      lazy_teardown(function() destroy(w) end)

      for _, wf in ipairs(WORKFLOWS) do
        it(wf.name, function()
          H.ready(user)
          local r = session()[wf.slug]
          assert.is_table(r, "no result for " .. wf.slug .. ": " .. tostring(results.stderr))
          if expected(wf, pinned) then
            assert.equal(0, r.status, r.log)
          else
            -- this core cannot pin .git: the project root lost remove_dir
            assert.are_not.equal(0, r.status, r.log)
            assert.matches("permission denied", r.log:lower())
          end
        end)
      end

      it("keeps ~/.ssh/id_rsa unreadable (EACCES) and ~/.bashrc unchanged", function()
        H.ready(user)
        session()
        assert.equal("EACCES", attacks.secret)
        assert.are_not.equal("0", attacks.bashrc)
        assert.equal(rc_before, H.slurp(w.home .. "/.bashrc"))
      end)

      it("keeps .git/config read-only, and .git and the project in place", function()
        H.ready(user)
        session()
        local guarded = report:find("kept in place %S+ %(guarded") ~= nil
        for _, name in ipairs { "git-config", "move-git", "new-git", "move-project" } do
          -- on the floor these succeed during the session and are undone after it
          if not guarded then assert.are_not.equal("0", attacks[name], name) end
        end
        assert.equal(config_before, H.slurp(w.project .. "/.git/config"))
        assert.is_nil(io.open(w.project .. "/.git.old/config", "r"))
        assert.is_nil(io.open(w.project .. ".old/.git/config", "r"))
        assert.matches("kept in place " .. w.project:gsub("%p", "%%%0") .. "/%.git ", report)
      end)
    end)
  end
end
