# bench/run.sh's helpers, sourced by it: the rows of results (one per id,
# in $ROWS), timing with hyperfine, and the cells of the report.  Uses
# $TMP, $ROWS, $NONO, $WARMUP, $MIN_RUNS and $ROUNDS, and say(), from run.sh.

# Quote one word for hyperfine -N (shell-words) and for sh's eval alike.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# A row; ms values are empty when the row did not run (the note says why).
row() { printf '%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" >> "$ROWS"; }
field() { awk -F'|' -v id="$1" -v n="$2" '$1 == id { print $n; exit }' "$ROWS"; }

# Run CMD once (through sh's eval, the same words hyperfine -N sees); if it
# fails, record why and return 1.
check() { # id cmd
  if (eval "$2") > "$TMP/$1.log" 2>&1; then return 0; fi
  why=$(tail -n 3 "$TMP/$1.log" | tr '\n' ' ' | sed 's/|/\//g; s/  */ /g; s/ $//')
  say "$1: did not run: ${why:-non-zero exit}"
  row "$1" "" "" "" "did not run: ${why:-non-zero exit}"
  return 1
}

# hyperfine's CSV: name,mean,stddev,median,user,system,min,max (seconds);
# names are our ids, so no field holds a comma.  One or more CSV files (the
# rounds of one id) fold into one row: the mean of the round means, and a
# spread that counts both the runs within and the drift between rounds.
fold() { # id csvfile...
  id=$1
  shift
  cat "$@" | awk -F, -v id="$id" '$1 == id {
      n++; m += $2; v += $3 * $3; med += $4; mean[n] = $2; if (n == 1 || $7 < lo) lo = $7 }
    END { if (!n) exit 1; mu = m / n; var = v / n
          for (i = 1; i <= n; i++) var += (mean[i] - mu) ^ 2 / n
          printf "%s|%.3f|%.3f|%.3f||%.3f\n", id, mu * 1000, sqrt(var) * 1000, med / n * 1000, lo * 1000 }' >> "$ROWS"
}

# Time one command (no shell between hyperfine and it).
bench() { # id cmd [min-runs [warmup]]
  check "$1" "$2" || return 0
  say "$1: $(printf '%s' "$2" | cut -c 1-150)"
  if hyperfine -N --style basic --warmup "${4:-$WARMUP}" --min-runs "${3:-$MIN_RUNS}" \
      --command-name "$1" --export-csv "$TMP/$1.csv" "$2" > "$TMP/$1.out" 2>&1; then
    fold "$1" "$TMP/$1.csv"
  else
    say "$1: hyperfine failed: $(tail -n 3 "$TMP/$1.out" | tr '\n' ' ')"
    row "$1" "" "" "" "hyperfine failed"
  fi
}

# Time several long commands in ROUNDS rounds of RUNS runs each, the order
# reversed every other round, so a slow drift of the machine (another
# tenant, the page cache) lands on all of them alike.
bench_rounds() { # runs id cmd [id cmd]...
  runs=$1
  shift
  ids=""
  while [ $# -ge 2 ]; do
    if check "$1" "$2"; then
      eval "cmd_$1=\$2"
      ids="$ids $1"
      say "$1: $(printf '%s' "$2" | cut -c 1-150)"
    fi
    shift 2
  done
  rev=""
  for id in $ids; do rev="$id $rev"; done
  r=1
  while [ "$r" -le "$ROUNDS" ]; do
    order=$ids
    [ $((r % 2)) -eq 0 ] && order=$rev
    for id in $order; do
      eval "cmd=\$cmd_$id"
      hyperfine -N --style basic --warmup 1 --runs "$runs" --command-name "$id" \
        --export-csv "$TMP/$id.r$r.csv" "$cmd" >> "$TMP/$id.out" 2>&1 \
        || say "$id: hyperfine failed in round $r"
    done
    r=$((r + 1))
  done
  for id in $ids; do
    # shellcheck disable=SC2046
    fold "$id" $(ls "$TMP/$id".r*.csv 2>/dev/null) || row "$id" "" "" "" "hyperfine failed"
  done
}

# The rules nono would give the kernel, as floor -r lines, from --dry-run
# --json ("RIGHT,RIGHT PATH"; the rules array is the JSON's last key).
rules_of() { # nono run options...
  "$NONO" run --dry-run --json "$@" -- /bin/true 2>/dev/null \
    | grep -o '"rules":\[.*' | grep -o '{[^{}]*}' \
    | sed -n 's/.*"path":"\([^"]*\)".*"rights":\[\([^]]*\)\].*/\2 \1/p' | tr -d '"'
}
rule_count() { # nono run options...
  "$NONO" run --dry-run "$@" -- /bin/true 2>/dev/null \
    | sed -n 's/^  landlock *ABI [0-9]*, \([0-9]*\) rules.*/\1/p'
}

# ---------------------------------------------------------------- cells
med() { v=$(field "$1" 4); if [ -n "$v" ]; then printf '%.1f' "$v"; else printf '—'; fi; }
ms() { v=$(field "$1" 2); if [ -n "$v" ]; then printf '%.2f' "$v"; else printf '—'; fi; }
sd() { v=$(field "$1" 3); if [ -n "$v" ]; then printf '%.2f' "$v"; else printf '—'; fi; }
note() { field "$1" 5; }
ratio() { # mean(A) / mean(B)
  a=$(field "$1" 2) b=$(field "$2" 2)
  if [ -n "$a" ] && [ -n "$b" ]; then awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }'; else printf '—'; fi
}
pct() { # overhead of A over B, in %, from the means (or field $3: 4 = medians, 6 = fastest runs)
  a=$(field "$1" "${3:-2}") b=$(field "$2" "${3:-2}")
  if [ -n "$a" ] && [ -n "$b" ]; then awk -v a="$a" -v b="$b" 'BEGIN { printf "%+.1f", (a / b - 1) * 100 }'; else printf '—'; fi
}
diffms() {
  a=$(field "$1" 2) b=$(field "$2" 2)
  if [ -n "$a" ] && [ -n "$b" ]; then awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", a - b }'; else printf '—'; fi
}
minus() { # a - b of two cells, or —
  case "$1$2" in *—*|"") printf '—'; return ;; esac
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'
}
verdict() { # value limit: met / MISSED / —
  case "$1" in —|"") printf '—'; return ;; esac
  awk -v v="$1" -v l="$2" 'BEGIN { printf "%s", (v + 0 <= l + 0) ? "met" : "**MISSED**" }'
}
cell() { # the note when the row did not run, else the value
  n=$(note "$1")
  if [ -n "$n" ]; then printf '%s' "$n"; else printf '%s' "$2"; fi
}
mib() { if [ -n "$1" ]; then awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; else printf '—'; fi; }
startup_line() { # id label
  printf '| %s | %s | %s | %s | %s |\n' "$2" "$(cell "$1" "$(ms "$1")")" "$(cell "$1" "$(sd "$1")")" \
    "$(cell "$1" "$(ratio "$1" floor)")" "$(cell "$1" "$(ratio "$1" bare)")"
}
work_line() { # prefix label
  printf '| %s | %s (%s) | %s (%s) | %s (%s) | %s | %s | %s |\n' "$2" \
    "$(cell "$1_bare" "$(med "$1_bare")")" "$(sd "$1_bare")" \
    "$(cell "$1_floor" "$(med "$1_floor")")" "$(sd "$1_floor")" \
    "$(cell "$1_nono" "$(med "$1_nono")")" "$(sd "$1_nono")" \
    "$(cell "$1_floor" "$(pct "$1_floor" "$1_bare" 4) %")" "$(cell "$1_nono" "$(pct "$1_nono" "$1_bare" 4) %")" \
    "$(cell "$1_nono" "$(pct "$1_floor" "$1_bare" 6) % / $(pct "$1_nono" "$1_bare" 6) %")"
}
