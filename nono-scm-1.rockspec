-- A first version: builds nono.core and installs the Lua modules.  The
-- library issue completes it (C API, docs, examples).
rockspec_format = "3.0"
package = "nono"
version = "scm-1"
source = { url = "git+file://." }
description = {
  summary = "Kernel-enforced capability sandbox (Landlock) for Lua programs",
}
dependencies = { "lua >= 5.4, < 5.5" }
build = {
  type = "builtin",
  modules = {
    ["nono.core"] = {
      sources = { "src/lnono.c", "src/landlock.c", "src/policy.c", "src/exec.c", "src/caps.c",
                  "src/seccomp.c", "src/ns.c" },
      incdirs = { "src" },
      defines = { 'NONO_VERSION="scm"' },
    },
    ["nono.cli"] = "lua/nono/cli.lua",
    ["nono.defaults"] = "lua/nono/defaults.lua",
    ["nono.env"] = "lua/nono/env.lua",
    ["nono.json"] = "lua/nono/json.lua",
    ["nono.paths"] = "lua/nono/paths.lua",
    ["nono.policy"] = "lua/nono/policy.lua",
  },
}
test = { type = "busted" }
