--- Shell completion scripts for bash, zsh and fish, made from the command
-- line's own tables (nono.options' OPTIONS and COMMANDS, handed over as
-- `spec`), so that a new option completes the day it exists.
--
-- spec = {
--   commands = { { name, brief, options = { option entries } } },
--   top = { option entries of nono itself },
--   topics = { help topics }, shells = { "bash", "zsh", "fish" },
--   profile_commands = { { "list", brief = "..." }, ... },
-- }
-- An option entry: its names ({ "-v", "--verbose" }), `arg` (the value's
-- name, none for a flag), `complete` ("dir", "file", "profile", "command",
-- "variable" or a list of words), `policy` or `set` (repeatable), `help`.
local M = {}

--- The help text's first clause, for a one-line description.
local function brief(text)
  local s = text:gsub("%s*%b()", ""):gsub("%s+", " ")
  s = s:match("^(.-); ") or s
  if #s > 60 then s = s:sub(1, 57):gsub("%s+%S*$", "") .. "..." end
  return s
end

local function names_of(o)
  local out = {}
  for i, n in ipairs(o) do out[i] = n end
  return out
end

local function words(list, field)
  local out = {}
  for i, v in ipairs(list) do out[i] = field and v[field] or v[1] or v end
  return table.concat(out, " ")
end

--- The options of command `name` in `spec`.
local function options_of(spec, name)
  for _, c in ipairs(spec.commands) do
    if c.name == name then return c.options end
  end
  return {}
end

-- The commands whose options complete (profile show takes run's).
local WITH_OPTIONS = { "run", "shell", "why", "setup" }

---------------------------------------------------------------------------
-- bash

local BASH_HEAD = [=[
# bash completion for nono, made by 'nono completion bash' from nono's own
# option table.  Load it with: source <(nono completion bash)

# The profiles 'nono profile list' names (its first column) starting with $1.
_nono_profiles() {
    local nono=${COMP_WORDS[0]} line
    [[ $nono == "~/"* ]] && nono=$HOME/${nono#"~/"}
    while IFS= read -r line; do
        [[ $line == [![:space:]]* && ${line%% *} == "$1"* ]] && COMPREPLY+=("${line%% *}")
    done < <("$nono" profile list 2>/dev/null)
}

_nono() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local cmd= at=1 i w values= options= takes_command=
    COMPREPLY=()
    # --option=VALUE: bash splits the word at '='
    [[ $cur == = ]] && cur=
    [[ $prev == = && $COMP_CWORD -gt 1 ]] && prev=${COMP_WORDS[COMP_CWORD-2]}
    while (( at < COMP_CWORD )); do
        case ${COMP_WORDS[at]} in
            -*) ;;
            *) cmd=${COMP_WORDS[at]}; break ;;
        esac
        (( at++ ))
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W '@TOP@' -- "$cur"))
        return 0
    fi
    case $cmd in
        profile)
            if (( COMP_CWORD == at + 1 )); then
                COMPREPLY=($(compgen -W '@PROFILE_COMMANDS@' -- "$cur"))
                return 0
            fi
            case ${COMP_WORDS[at+1]} in
                show)
                    if (( COMP_CWORD == at + 2 )); then
                        _nono_profiles "$cur"
                        return 0
                    fi
                    cmd=show at=$((at + 2)) ;;
                check)
                    (( COMP_CWORD == at + 2 )) || return 0
                    _nono_profiles "$cur"
                    compopt -o filenames 2>/dev/null
                    COMPREPLY+=($(compgen -f -- "$cur"))
                    return 0 ;;
                *) return 0 ;;
            esac ;;
        help)
            (( COMP_CWORD == at + 1 )) && COMPREPLY=($(compgen -W '@TOPICS@' -- "$cur"))
            return 0 ;;
        completion)
            (( COMP_CWORD == at + 1 )) && COMPREPLY=($(compgen -W '@SHELLS@' -- "$cur"))
            return 0 ;;
    esac
    case $cmd in
]=]

local BASH_TAIL = [=[
        *) return 0 ;;
    esac
    # Where `nono run`'s options end: after "--" or at the first word that
    # is not an option.  From there on the words are the command's.
    if [[ $takes_command ]]; then
        i=$((at + 1))
        while (( i < COMP_CWORD )); do
            w=${COMP_WORDS[i]}
            [[ $w == -- ]] && { (( i++ )); break; }
            if [[ " $values " == *" $w "* ]]; then
                (( i += 2 ))
                continue
            fi
            [[ $w == -* || $w == = ]] || break
            (( i++ ))
        done
        if (( i < COMP_CWORD )) || [[ ${COMP_WORDS[i-1]} == -- && $i -le $COMP_CWORD ]]; then
            if declare -F _command_offset >/dev/null; then
                _command_offset "$i"
            elif (( i == COMP_CWORD )); then
                COMPREPLY=($(compgen -c -- "$cur"))
            else
                compopt -o filenames 2>/dev/null
                COMPREPLY=($(compgen -f -- "$cur"))
            fi
            return 0
        fi
    fi
    if [[ " $values " == *" $prev "* ]]; then
        case $prev in
]=]

local BASH_END = [=[
        esac
        return 0
    fi
    if [[ $cur == -* || -z $takes_command ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    else
        COMPREPLY=($(compgen -c -- "$cur"))
    fi
    return 0
}

complete -F _nono nono
]=]

local BASH_VALUE = {
  dir = 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))',
  file = 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))',
  profile = '_nono_profiles "$cur"; [[ $cur == */* ]] && { compopt -o filenames 2>/dev/null; '
    .. 'COMPREPLY+=($(compgen -f -- "$cur")); }',
  command = 'COMPREPLY=($(compgen -c -- "$cur"))',
  variable = 'COMPREPLY=($(compgen -e -- "$cur"))',
}

--- The value completions, one branch per kind: { pattern, action }.
local function value_branches(spec, action_of)
  local branches, by = {}, {}
  local seen = {}
  for _, c in ipairs(spec.commands) do
    for _, o in ipairs(c.options) do
      if o.arg and o.complete and not seen[o] then
        seen[o] = true
        local action = action_of(o.complete)
        if not by[action] then
          by[action] = {}
          branches[#branches + 1] = action
        end
        for _, n in ipairs(o) do
          local list = by[action]
          local dup = false
          for _, x in ipairs(list) do dup = dup or x == n end
          if not dup then list[#list + 1] = n end
        end
      end
    end
  end
  local out = {}
  for i, action in ipairs(branches) do out[i] = { by[action], action } end
  return out
end

function M.bash(spec)
  local top = { words(spec.commands, "name") }
  for _, o in ipairs(spec.top) do top[#top + 1] = table.concat(names_of(o), " ") end
  local head = BASH_HEAD:gsub("@([%u_]+)@", {
    TOP = table.concat(top, " "),
    PROFILE_COMMANDS = words(spec.profile_commands),
    TOPICS = table.concat(spec.topics, " "),
    SHELLS = table.concat(spec.shells, " "),
  })
  local out = { head }
  for _, name in ipairs(WITH_OPTIONS) do
    local values, options = {}, {}
    for _, o in ipairs(options_of(spec, name)) do
      for _, n in ipairs(o) do
        options[#options + 1] = n
        if o.arg then values[#values + 1] = n end
      end
    end
    local pattern = name == "run" and "run|show" or name
    out[#out + 1] = string.format("        %s) values='%s'\n            options='%s'%s ;;\n", pattern,
      table.concat(values, " "), table.concat(options, " "),
      name == "run" and '\n            [[ $cmd == run ]] && takes_command=1' or "")
  end
  out[#out + 1] = BASH_TAIL
  for _, b in ipairs(value_branches(spec, function(c)
    return BASH_VALUE[c] or string.format("COMPREPLY=($(compgen -W '%s' -- \"$cur\"))", table.concat(c, " "))
  end)) do
    out[#out + 1] = string.format("            %s) %s ;;\n", table.concat(b[1], "|"), b[2])
  end
  out[#out + 1] = BASH_END
  return table.concat(out)
end

---------------------------------------------------------------------------
-- zsh

--- A word in single quotes for zsh (and for the shells alike).
local function sq(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local ZSH_VALUE = {
  dir = "_files -/",
  file = "_files",
  profile = "_nono_profiles",
  command = "_command_names -e",
  variable = "_parameters -g '*export*'",
}

--- One option as _arguments takes it.
local function zsh_spec(o)
  local desc = "[" .. brief(o.help):gsub("[%[%]\\]", "\\%0") .. "]"
  local names = names_of(o)
  local repeat_ = (o.policy or o.set) and "*" or ""
  local value = ""
  if o.arg then
    local action = ZSH_VALUE[o.complete] or (type(o.complete) == "table"
      and "(" .. table.concat(o.complete, " ") .. ")") or " "
    value = ":" .. o.arg:lower():gsub(":", "") .. ":" .. action
  end
  local out = {}
  if #names > 1 then
    local exclusion = "(" .. table.concat(names, " ") .. ")"
    for _, n in ipairs(names) do
      out[#out + 1] = sq(exclusion .. n .. (o.arg and "=" or "") .. desc .. value)
    end
  else
    out[1] = sq(repeat_ .. names[1] .. (o.arg and "=" or "") .. desc .. value)
  end
  return table.concat(out, " ")
end

local ZSH_HEAD = [=[
#compdef nono
# zsh completion for nono, made by 'nono completion zsh' from nono's own
# option table.  Install it as _nono in a directory of $fpath, or load it
# after compinit with: source <(nono completion zsh)

# The profiles 'nono profile list' names (its first column).
_nono_profiles() {
  local -a names
  local line
  for line in ${(f)"$(_call_program profiles ${(q)_nono_bin} profile list 2>/dev/null)"}; do
    [[ $line == [^[:space:]]* ]] && names+=(${line%% *})
  done
  _wanted profiles expl profile compadd -a names
}

_nono() {
  local _nono_bin=${words[1]} curcontext=$curcontext state state_descr line ret=1
  typeset -A opt_args
]=]

function M.zsh(spec)
  local out = { ZSH_HEAD }
  local function add(s) out[#out + 1] = s end
  for _, name in ipairs(WITH_OPTIONS) do
    local specs = {}
    for _, o in ipairs(options_of(spec, name)) do specs[#specs + 1] = zsh_spec(o) end
    add(string.format("  local -a %s_specs=(\n    %s\n  )\n", name, table.concat(specs, "\n    ")))
  end
  local top = {}
  for _, o in ipairs(spec.top) do
    local names = names_of(o)
    top[#top + 1] = sq("(- *)") .. "{" .. table.concat(names, ",") .. "}"
      .. sq("[" .. brief(o.help):gsub("[%[%]\\]", "\\%0") .. "]")
  end
  local commands, subs = {}, {}
  for _, c in ipairs(spec.commands) do commands[#commands + 1] = sq(c.name .. ":" .. c.brief) end
  for _, c in ipairs(spec.profile_commands) do subs[#subs + 1] = sq(c[1] .. ":" .. c.brief) end
  add("  _arguments -C \\\n    " .. table.concat(top, " \\\n    ") .. " \\\n"
    .. "    '1: :->command' \\\n    '*:: :->argument' && return\n")
  add(string.format([=[
  case $state in
    command)
      local -a commands=(%s)
      _describe -t commands 'nono command' commands && ret=0 ;;
    argument)
      curcontext=${curcontext%%:*:*}:nono-$words[1]:
      case $words[1] in
        run)
          _arguments -S -A '-*' : $run_specs '(-)1:command:_command_names -e' '*::argument:_normal' && ret=0 ;;
        shell)
          _arguments -S : $shell_specs && ret=0 ;;
        why)
          _arguments -S : $why_specs && ret=0 ;;
        setup)
          _arguments -S : $setup_specs && ret=0 ;;
        profile)
          if (( CURRENT == 2 )); then
            local -a subs=(%s)
            _describe -t commands 'profile command' subs && ret=0
          elif (( CURRENT == 3 )) && [[ $words[2] == (show|check) ]]; then
            _nono_profiles && ret=0
            [[ $words[2] == check ]] && _files && ret=0
          elif [[ $words[2] == show ]]; then
            shift 2 words
            (( CURRENT -= 2 ))
            _arguments -S : $run_specs && ret=0
          fi ;;
        help)
          (( CURRENT == 2 )) && compadd -- %s && ret=0 ;;
        completion)
          (( CURRENT == 2 )) && compadd -- %s && ret=0 ;;
      esac ;;
  esac
  return ret
}

if [[ $funcstack[1] == _nono ]]; then
  _nono "$@"
else
  compdef _nono nono
fi
]=], table.concat(commands, " "), table.concat(subs, " "), table.concat(spec.topics, " "),
    table.concat(spec.shells, " ")))
  return table.concat(out)
end

---------------------------------------------------------------------------
-- fish

--- A word in single quotes for fish.
local function fq(s)
  return "'" .. s:gsub("\\", "\\\\"):gsub("'", "\\'") .. "'"
end

local FISH_VALUE = {
  dir = "-x -a '(__fish_complete_directories (commandline -ct))'",
  file = "-r -F",
  profile = "-x -a '(__nono_profiles)'",
  command = "-x -a '(__fish_complete_command)'",
  variable = "-x -a '(set -xn)'",
}

local FISH_HEAD = [=[
# fish completion for nono, made by 'nono completion fish' from nono's own
# option table.  Load it with: nono completion fish | source

# The profiles 'nono profile list' names (its first column).
function __nono_profiles
    set -l nono (commandline -opc)[1]
    test -n "$nono"; or set nono nono
    $nono profile list 2>/dev/null | string match -r '^\S+'
end

# The words of the command `nono run` runs, typed so far, one a line; false
# while nono's own options go on.
function __nono_run_words
    set -l tokens (commandline -opc)
    set -e tokens[1]
    while set -q tokens[1]; and string match -q -- '-*' $tokens[1]
        set -e tokens[1]
    end
    set -e tokens[1]
    while set -q tokens[1]
        set -l t $tokens[1]
        if test "$t" = --
            set -e tokens[1]
            set -q tokens[1]; and printf '%s\n' $tokens
            return 0
        else if contains -- $t @VALUES@
            set -e tokens[1..2]
        else if string match -q -- '-*' $t
            set -e tokens[1]
        else
            printf '%s\n' $tokens
            return 0
        end
    end
    return 1
end

# Where `nono run` is: "options", "command" (the command's name is next)
# or "args" (the command's own arguments).
function __nono_run_position
    set -l words (__nono_run_words)
    or begin
        echo options
        return
    end
    test (count $words) -gt 0; and echo args; or echo command
end

# The command's own completions for its arguments.
function __nono_complete_command
    set -l words (__nono_run_words)
    complete -C (string join -- ' ' (string escape -- $words) (commandline -ct))
end

complete -c nono -f
]=]

function M.fish(spec)
  local out = {}
  local function add(s) out[#out + 1] = s end
  local run_values = {}
  for _, o in ipairs(options_of(spec, "run")) do
    if o.arg then
      for _, n in ipairs(o) do run_values[#run_values + 1] = n end
    end
  end
  add((FISH_HEAD:gsub("@VALUES@", table.concat(run_values, " "))))
  local function option_line(cond, o)
    local parts = { "complete -c nono -n " .. fq(cond) }
    for _, n in ipairs(o) do
      if n:match("^%-%-") then
        parts[#parts + 1] = "-l " .. n:sub(3)
      else
        parts[#parts + 1] = "-s " .. n:sub(2)
      end
    end
    if o.arg then
      parts[#parts + 1] = FISH_VALUE[o.complete] or (type(o.complete) == "table"
        and "-x -a " .. fq(table.concat(o.complete, " ")) or "-x")
    end
    parts[#parts + 1] = "-d " .. fq(brief(o.help))
    add(table.concat(parts, " ") .. "\n")
  end
  for _, c in ipairs(spec.commands) do
    add(string.format("complete -c nono -n __fish_use_subcommand -a %s -d %s\n", c.name, fq(c.brief)))
  end
  for _, o in ipairs(spec.top) do option_line("__fish_use_subcommand", o) end
  for _, name in ipairs(WITH_OPTIONS) do
    local cond = "__fish_seen_subcommand_from " .. name
    if name == "run" then cond = cond .. "; and test (__nono_run_position) = options" end
    for _, o in ipairs(options_of(spec, name)) do option_line(cond, o) end
  end
  add("complete -c nono -n '__fish_seen_subcommand_from run; and test (__nono_run_position) != args' "
    .. "-a '(__fish_complete_command)'\n")
  add("complete -c nono -n '__fish_seen_subcommand_from run; and test (__nono_run_position) = args' "
    .. "-a '(__nono_complete_command)'\n")
  local subs = {}
  for _, c in ipairs(spec.profile_commands) do subs[#subs + 1] = c[1] end
  local subs_list = table.concat(subs, " ")
  for _, c in ipairs(spec.profile_commands) do
    add(string.format("complete -c nono -n %s -a %s -d %s\n",
      fq("__fish_seen_subcommand_from profile; and not __fish_seen_subcommand_from " .. subs_list),
      c[1], fq(c.brief)))
  end
  add("complete -c nono -n '__fish_seen_subcommand_from profile; and __fish_seen_subcommand_from show check' "
    .. "-a '(__nono_profiles)'\n")
  add("complete -c nono -n '__fish_seen_subcommand_from profile; and __fish_seen_subcommand_from check' -F\n")
  for _, o in ipairs(options_of(spec, "run")) do
    option_line("__fish_seen_subcommand_from profile; and __fish_seen_subcommand_from show", o)
  end
  add(string.format("complete -c nono -n '__fish_seen_subcommand_from help' -a %s\n",
    fq(table.concat(spec.topics, " "))))
  add(string.format("complete -c nono -n '__fish_seen_subcommand_from completion' -a %s\n",
    fq(table.concat(spec.shells, " "))))
  return table.concat(out)
end

return M
