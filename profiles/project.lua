-- Group: the project an agent works on.  Included by base.lua.
description "group: the project (git work tree, or the working directory) read+write; git's code-running files read-only"

-- project_root() is the git work tree's root, or the working directory when
-- there is no repository, or when the repository is the home directory or
-- "/" (a dotfiles repository must not hand over all of ~).
local root = project_root()
allow(root)

-- Git must keep working in the project (status, add, commit, branch, stash).
-- A worktree's or submodule's git directory, and a worktree's common
-- directory, live outside the work tree: grant them too.
local gitdir, common = nil, nil
if root == git_root() then gitdir, common = git_dir() end
if gitdir then
  if not path.is_beneath(gitdir, root) then allow(gitdir) end
  if common ~= gitdir and not path.is_beneath(common, root) then allow(common) end

  -- What git runs or obeys later, outside any sandbox (THREATS.md row 19):
  -- hooks, and config (core.hooksPath, core.fsmonitor, filters, aliases).
  -- config lives in the common directory; a worktree may add config.worktree.
  -- Landlock alone cannot fully protect config (git's lock-file dance needs
  -- create and remove in the git directory); nono's policy says how it
  -- closes that, and what remains, in `nono why`.
  readonly { path.join(common, "config"), path.join(common, "hooks") }
  -- config.worktree is read only when config enables worktreeConfig, and
  -- config is read-only: protect it where it exists (a missing protected
  -- name would narrow the whole git directory, and git could not commit).
  for _, dir in ipairs(common ~= gitdir and { gitdir, common } or { gitdir }) do
    local file = path.join(dir, "config.worktree")
    if exists(file) then readonly(file) end
  end
end
