-- Group: what Node.js tools need beyond the system set.
description "group: Node.js (private npm and node-gyp caches read+write; nvm, volta, fnm and npm-global installs read-only)"

-- node itself under /usr is in nono's system set.
-- npm's cache (~/.npm) is code the user runs later outside the sandbox:
-- `npx` executes from ~/.npm/_npx, and the cache's index decides what an
-- offline install unpacks (docs/threats.md, row 28).  So sessions get a cache
-- of their own, shared by nono sessions only: npm and npx work online and,
-- offline, from what earlier sessions cached; ~/.npm is not granted.
local cache = xdg.cache("nono/npm")
allow(cache, { missing = "create" })
-- node-gyp's headers are compiled into the user's own native modules later:
-- private too.
local gyp = xdg.cache("nono/node-gyp")
allow(gyp, { missing = "create" })
env { set = { npm_config_cache = cache, npm_config_devdir = gyp } }

-- Version managers and user-level global installs: read (and execute) only,
-- since anything written there would run outside the sandbox later.
read("~/.nvm", { optional = true })
read("~/.volta", { optional = true })
read(xdg.data("fnm"), { optional = true })
read("~/.npm-global", { optional = true })
