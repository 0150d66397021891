# Shared by unbound-dot.sh, dnsdist-dot.sh and knot-resolver-dot.sh (sourced, not run): their
# start/stop actions, stopping a server by its pid file, and waiting until it accepts TCP on 853.

# server_action ACTION PIDFILE: "stop" stops the server and exits 0, "start" returns 0 (the caller
# goes on to start it), anything else returns 1 (the caller prints its usage).
server_action() {
  case "$1" in
    stop) stop_server "$2"; exit 0 ;;
    start) return 0 ;;
    *) return 1 ;;
  esac
}

# server_dir DIR: creates DIR and the test CA in DIR/ca (once) and prints DIR's absolute path.
server_dir() {
  mkdir -p "$1"
  [[ -f "$1/ca/ca.crt" ]] || bash "$(dirname "${BASH_SOURCE[0]}")/make-test-ca.sh" "$1/ca" >/dev/null
  (cd "$1" && pwd)
}

# chain_file DIR CERT: the test CA's chain file of leaf CERT in DIR/ca (selfsigned has none: its
# certificate alone).
chain_file() {
  if [[ -f "$1/ca/$2-chain.pem" ]]; then echo "$1/ca/$2-chain.pem"; else echo "$1/ca/$2.crt"; fi
}

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
