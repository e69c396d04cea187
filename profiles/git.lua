-- Group: git's own configuration, read-only.
description "group: git configuration read-only (~/.gitconfig, ~/.config/git, /etc/gitconfig)"

-- Read, never write: a writable ~/.gitconfig is code execution outside the
-- sandbox later (core.pager, core.sshCommand, aliases, hooksPath).
-- Not granted: ~/.ssh and credential stores; push over ssh needs an
-- explicit, separate grant of the agent socket.
read_file("~/.gitconfig", { optional = true })
read(xdg.config("git"), { optional = true })
read_file("/etc/gitconfig", { optional = true })
