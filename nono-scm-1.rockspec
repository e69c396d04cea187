-- `require "nono"`: the C core module nono.core (the same objects as
-- libnono and the nono binary), the Lua modules and the built-in profiles,
-- built and installed by CMakeLists.txt (NONO_ROCK): one build
-- description.  docs/api.md.
rockspec_format = "3.0"
package = "nono"
version = "scm-1"
source = { url = "git+file://." }
description = {
  summary = "Kernel-enforced capability sandbox (Landlock) for Lua programs",
}
-- Debian: lua5.4, liblua5.4-dev, lua-filesystem (a system package, not a
-- rock: say so with rocks_provided in the LuaRocks configuration, or build
-- with --deps-mode=none).
dependencies = { "lua >= 5.4, < 5.5", "luafilesystem >= 1.8" }
build = {
  type = "cmake",
  variables = {
    NONO_ROCK = "ON",
    BUILD_TESTING = "OFF",
    CMAKE_BUILD_TYPE = "RelWithDebInfo",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    LUADIR = "$(LUADIR)",
    LIBDIR = "$(LIBDIR)",
  },
}
test = { type = "busted" }
