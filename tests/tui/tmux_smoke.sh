#!/usr/bin/env bash
# Smoke test of the real, installed TUI in a real terminal: tmux runs `taskforge --db <tmp>/t.db` in a
# detached 120x36 session, the keys go in with `tmux send-keys`, and the screen is read back with
# `tmux capture-pane -p` after every step. Each step waits by polling the screen for the text it expects
# (up to TMUX_SMOKE_TIMEOUT seconds, default 30), never by sleeping a fixed time.
#
#   goal → review → accept (a) → refine → accept → approve (A) → task mode (d) → decompose → accept
#   → undo (ctrl+z) → quit (ctrl+q, exit status 0) → the database, read back with the CLI, agrees.
#
# Usage: tests/tui/tmux_smoke.sh [path/to/taskforge]   (default: the repository's .venv/bin/taskforge)
# Exit status: 0 passed, 1 a step failed (the step, what was missing and the screen go to stderr),
# 2 cannot run (no taskforge), 77 tmux is not installed. KEEP=1 keeps the temporary directory.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
app=${1:-${TASKFORGE_BIN:-$repo_root/.venv/bin/taskforge}}
timeout=${TMUX_SMOKE_TIMEOUT:-30}
cols=120
rows=36

if ! command -v tmux >/dev/null 2>&1; then
  echo "tmux_smoke: tmux is not installed" >&2
  exit 77
fi
if [ ! -x "$app" ]; then
  echo "tmux_smoke: no taskforge executable at $app" >&2
  exit 2
fi
python=$(dirname "$app")/python
[ -x "$python" ] || python=python3

work=$(mktemp -d "${TMPDIR:-/tmp}/taskforge-smoke.XXXXXX")
db=$work/t.db
# A private tmux server whose socket lives (and is removed) with the temporary directory: the user's
# own tmux sessions are never touched. A socket path must fit in 108 bytes.
socket=$work/tmux.sock
[ ${#socket} -lt 100 ] || socket=$(mktemp -u /tmp/taskforge-smoke-sock.XXXXXX)
session=smoke
step=setup

# The server's own settings: no status line, so that the pane is the whole 120x36. The app runs under a
# shell that prints its exit status and then sleeps, so that the pane outlives the app and its last
# screen (a traceback, say, and that status) can still be read; killing the server ends the sleep.
cat >"$work/tmux.conf" <<'EOF'
set -g status off
EOF

tmux_() { tmux -S "$socket" -f "$work/tmux.conf" "$@"; }

cleanup() {
  tmux_ kill-server >/dev/null 2>&1 || true
  rm -f "$socket"
  if [ -n "${KEEP:-}" ]; then echo "tmux_smoke: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

screen() { tmux_ capture-pane -p -t "$session" 2>/dev/null || echo "(no screen: the tmux session is gone)"; }

fail() {
  {
    echo "tmux_smoke: FAILED at step '$step': $*"
    echo "----- screen (${cols}x${rows}) -----"
    screen
    echo "-----------------------------------"
  } >&2
  exit 1
}

# wait_for TEXT...: poll until every TEXT is on the screen at the same time.
wait_for() {
  local deadline=$((SECONDS + timeout)) shot missing text
  while :; do
    shot=$(screen)
    missing=
    for text in "$@"; do
      if [[ $shot != *"$text"* ]]; then missing=$text; break; fi
    done
    [ -z "$missing" ] && return 0
    if [[ $shot == *"[taskforge exited with status"* ]]; then
      fail "the app exited while the screen lacked \"$missing\""
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "\"$missing\" was not on the screen after ${timeout}s"
    fi
    sleep 0.05
  done
}

absent() {  # absent TEXT...: none of them is on the screen now
  local shot text
  shot=$(screen)
  for text in "$@"; do
    [[ $shot == *"$text"* ]] && fail "\"$text\" is still on the screen"
  done
  return 0
}

keys() { tmux_ send-keys -t "$session" "$@"; }
type_text() { tmux_ send-keys -t "$session" -l "$1"; }

# -- start the app, with nothing of the user's environment: no config, no model, no database --------
mkdir -p "$work/home"
tmux_ new-session -d -s "$session" -x "$cols" -y "$rows" -- env -i \
  HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share" \
  TASKFORGE_CONFIG="$work/home/no-config.toml" PATH=/usr/local/bin:/usr/bin:/bin \
  TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \
  /bin/sh -c '"$0" --db "$1"; echo "[taskforge exited with status $?]"; exec sleep 3600' "$app" "$db"

step="open"
# The note comes once the database is open; until then the input is disabled and drops what is typed.
wait_for "no project yet" "No project yet. Describe a goal"

step="goal"
type_text "Build a new user authentication flow"
wait_for "Build a new user authentication flow"  # echoed in the input before enter
keys Enter
wait_for "Review proposal — 6 operations for a new project" "[x] #1  + new-journeys → T1"

step="accept the plan (a)"
keys a
wait_for "Tasks (6)" "version 1 · draft" "T1 ○ ◆ Design the sign-up and login journeys" "Applied as change #1."
absent "Review proposal"

step="refine"
type_text "Add a task for documentation"
keys Enter
wait_for "Review proposal — 1 operation" "+ new-1 → T7  Documentation"
keys a
wait_for "Tasks (7)" "T7 ○ Documentation" "Applied as change #2." "version 2 · draft" "42d of work left"

step="approve (escape to the tree, then A)"
keys Escape
wait_for "A Approve" "d Break down"  # the footer of the focused tree
keys A
wait_for "version 3 · active · project" "Plan approved"

step="task mode (d) and decompose"
keys d
wait_for "task T1: Design the sign-up and login journeys" "Chat · task T1"
type_text "Break this down"
keys Enter
wait_for "Review proposal — 4 operations" "→ T8  Map the sign-up"
keys a
wait_for "Tasks (11)" "▼ T1 ○ ◆ Design the sign-up" "T8 ○ ◆ Map the sign-up" "Applied as change #4." "version 4 · active"

step="undo (ctrl+z)"
keys C-z
wait_for "Undid change #4." "Tasks (7)" "version 5 · active"
absent "T8 ○" "Tasks (11)"

step="quit (ctrl+q)"
keys C-q
wait_for "[taskforge exited with status"
[[ $(screen) == *"[taskforge exited with status 0]"* ]] || fail "the app did not exit cleanly"

step="the database agrees (read back with the CLI)"
projects=$(env -u TASKFORGE_DB -u TASKFORGE_MODEL HOME="$work/home" TASKFORGE_CONFIG="$work/home/no-config.toml" \
  "$app" projects --json --db "$db") || fail "taskforge projects failed"
"$python" - "$projects" <<'EOF' || fail "the database does not hold what the screen showed"
import json, sys
[project] = json.loads(sys.argv[1])
expected = {"status": "active", "version": 5, "tasks": 7, "done": 0}
got = {key: project[key] for key in expected}
if got != expected:
    sys.exit(f"expected {expected}, the database has {got}")
EOF

step="a data folder that cannot be created: one line, exit status 1, no hang"
tmux_ kill-session -t "$session"
touch "$work/not-a-folder"
tmux_ new-session -d -s "$session" -x "$cols" -y "$rows" -- env -i \
  HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/not-a-folder" \
  TASKFORGE_CONFIG="$work/home/no-config.toml" PATH=/usr/local/bin:/usr/bin:/bin \
  TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \
  /bin/sh -c '"$0"; echo "[taskforge exited with status $?]"; exec sleep 3600' "$app"
deadline=$((SECONDS + timeout))
until [[ $(screen) == *"[taskforge exited with status"* ]]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the app did not end after ${timeout}s"
  sleep 0.05
done
shot=$(tmux_ capture-pane -p -J -t "$session")  # -J: a long line wrapped by the terminal, joined back
[[ $shot == *"[taskforge exited with status 1]"* ]] || fail "the app did not exit with status 1"
[[ $shot == *"taskforge: cannot create the data folder $work/not-a-folder/taskforge"* ]] || fail "no one-line reason"
[[ $shot != *"Traceback"* ]] || fail "a traceback"

echo "tmux_smoke: passed (goal, accept, refine, approve, decompose, undo, quit, unopenable store)"
