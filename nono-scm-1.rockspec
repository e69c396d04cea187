-- `require "nono"`: the C core module nono.core (the same objects as
-- libnono and the nono binary) and the Lua modules.  docs/api.md.
rockspec_format = "3.0"
package = "nono"
version = "scm-1"
source = { url = "git+file://." }
description = {
  summary = "Kernel-enforced capability sandbox (Landlock) for Lua programs",
}
-- LuaFileSystem is needed too (nono.policy, nono.paths) but not listed:
-- Debian's lua-filesystem is not a rock, and `luarocks make` must work
-- offline against it.  Elsewhere: `luarocks install luafilesystem`.
dependencies = { "lua >= 5.4, < 5.5" }
build = {
  type = "builtin",
  modules = {
    ["nono.core"] = {
      sources = { "src/lnono.c", "src/lnono_plan.c", "src/lnono_fs.c", "src/lnono_fsat.c", "src/lnono_proc.c",
                  "src/lnono_ephemeral.c", "src/commit.c", "src/lproxy.c", "src/proxy.c", "src/proxy_addr.c",
                  "src/landlock.c", "src/policy.c", "src/exec.c", "src/caps.c",
                  "src/seccomp.c", "src/ns.c", "src/mounts.c", "src/netns.c", "src/supervisor.c", "src/inflight.c",
                  "src/api.c", "src/overlay.c" },
      incdirs = { "src" },
      defines = { 'NONO_VERSION="scm"' },
    },
    ["nono"] = "lua/nono/init.lua",
    ["nono.access"] = "lua/nono/access.lua",
    ["nono.cli"] = "lua/nono/cli.lua",
    ["nono.commands"] = "lua/nono/commands.lua",
    ["nono.completion"] = "lua/nono/completion.lua",
    ["nono.compose"] = "lua/nono/compose.lua",
    ["nono.defaults"] = "lua/nono/defaults.lua",
    ["nono.env"] = "lua/nono/env.lua",
    ["nono.ephemeral"] = "lua/nono/ephemeral.lua",
    ["nono.exits"] = "lua/nono/exits.lua",
    ["nono.git"] = "lua/nono/git.lua",
    ["nono.grants"] = "lua/nono/grants.lua",
    ["nono.guard"] = "lua/nono/guard.lua",
    ["nono.help"] = "lua/nono/help.lua",
    ["nono.json"] = "lua/nono/json.lua",
    ["nono.mounts"] = "lua/nono/mounts.lua",
    ["nono.net"] = "lua/nono/net.lua",
    ["nono.narrow"] = "lua/nono/narrow.lua",
    ["nono.options"] = "lua/nono/options.lua",
    ["nono.paths"] = "lua/nono/paths.lua",
    ["nono.policy"] = "lua/nono/policy.lua",
    ["nono.profile"] = "lua/nono/profile.lua",
    ["nono.profile_api"] = "lua/nono/profile_api.lua",
    ["nono.profile_env"] = "lua/nono/profile_env.lua",
    ["nono.report"] = "lua/nono/report.lua",
    ["nono.restore"] = "lua/nono/restore.lua",
    ["nono.rollback"] = "lua/nono/rollback.lua",
    ["nono.rollback_cli"] = "lua/nono/rollback_cli.lua",
    ["nono.sealed"] = "lua/nono/sealed.lua",
    ["nono.setup"] = "lua/nono/setup.lua",
    ["nono.shell"] = "lua/nono/shell.lua",
    ["nono.state"] = "lua/nono/state.lua",
    ["nono.supervisor"] = "lua/nono/supervisor.lua",
    ["nono.why"] = "lua/nono/why.lua",
  },
}
test = { type = "busted" }
