# Shared by unbound-dot.sh and dnsdist-dot.sh (sourced, not run): stopping a server by its pid
# file, and waiting until it accepts TCP on port 853.

# stop_server PIDFILE: TERM, up to 5 s of grace, then KILL.
stop_server() {
  local pidfile=$1 pid
  [[ -f "$pidfile" ]] || return 0
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

# wait_listening NAME ADDRESS PIDFILE LOG: returns once ADDRESS:853 accepts TCP; fails with the
# server's log if it died or did not listen within 10 s.
wait_listening() {
  local name=$1 address=$2 pidfile=$3 log=$4
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/$address/853") 2>/dev/null; then return 0; fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "$name did not start:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$name is not listening on $address:853 after 10 s" >&2
  cat "$log" >&2
  return 1
}
