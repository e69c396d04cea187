-- Group: the project an agent works on.  Included by base.lua.
description "group: the project (git work tree, or the working directory) read+write; git's pointers, config and hooks read-only"

-- project_root() is the git work tree's root, or the working directory when
-- there is no repository, or when the repository is the home directory or
-- "/" (a dotfiles repository must not hand over all of ~).
local root = project_root()
allow(root)

-- Git must keep working in the project (status, add, commit, branch, stash).
-- What this reads lies in the project, where the agent writes, so git_repo()
-- reads each pointer exactly as git does and refuses one that names "/",
-- the home directory, a system directory or a directory that is not a
-- repository of this user (docs/threats.md, row 27).
local repo = git_repo()
if repo and repo.root == root then
  -- A worktree's or submodule's git directory, and a worktree's common
  -- directory, live outside the work tree: grant them, naming the file
  -- that pointed there (--dry-run shows it).
  if repo.outside.gitdir then allow(repo.gitdir, { from = repo.from.gitdir }) end
  if repo.outside.common then allow(repo.common, { from = repo.from.common or repo.from.gitdir }) end

  -- What git obeys later, outside any sandbox (rows 19, 28): config and
  -- what it includes, hooks (core.hooksPath too: husky's .husky/_), info/,
  -- and the pointers themselves (the .git file, commondir), so that no
  -- session plants them for the next.  Missing hook and info directories
  -- are made empty first (git takes that as none) and kept read-only too.
  -- Where mounts are unavailable (no user namespaces) they are guarded
  -- instead: restored when the session ends, so that the project root is
  -- not narrowed (new files, directories and git's commits keep working).
  for _, p in ipairs(repo.readonly) do readonly(p.path, { why = p.why, missing = "create", guard = true }) end
  -- Names git would obey if they appeared, which cannot be kept from being
  -- created without closing the git directory (git makes its lock files
  -- there): moved aside when the session ends (supervisor).
  for _, p in ipairs(repo.absent) do absent(p.path, { why = p.why }) end
  -- (.git itself cannot be renamed away and replaced by one of the
  -- session's making: every directory holding a read-only mount keeps its
  -- place, see Policy:keep_places.)
end
