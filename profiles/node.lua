-- Group: what Node.js tools need beyond the system set.
description "group: Node.js (npm cache read+write; nvm, volta, fnm and npm-global installs read-only)"

-- node itself under /usr is in nono's system set.  The npm cache is where
-- npx and agents' own installs put packages.
allow("~/.npm", { optional = true })
allow(xdg.cache("node-gyp"), { optional = true })

-- Version managers and user-level global installs: read (and execute) only,
-- since anything written there would run outside the sandbox later.
read("~/.nvm", { optional = true })
read("~/.volta", { optional = true })
read(xdg.data("fnm"), { optional = true })
read("~/.npm-global", { optional = true })
