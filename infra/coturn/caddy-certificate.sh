#!/bin/sh
# caddy-certificate.sh <caddy data dir> <name> <turnserver command...>
#
# Runs coturn with the certificate Caddy gets for <name> (the compose
# deployment's TURN_DOMAIN), and keeps it current: coturn reads a certificate
# from fixed paths, while Caddy keeps it under an issuer's directory
# (caddy/certificates/<issuer>/<name>/<name>.crt and .key) that can change
# (Let's Encrypt, ZeroSSL, or Caddy's local CA). So this script
#
#   - copies the newest pair for <name> to /tmp/tls (readable by this user only),
#   - starts coturn with --cert/--pkey there,
#   - checks Caddy's copy every CERT_CHECK_SECONDS (60), and when it changed
#     (a renewal), copies it again and sends coturn SIGUSR2, on which coturn
#     reloads its certificate without dropping a call,
#   - passes SIGTERM/SIGINT on to coturn and exits with its status.
#
# Before Caddy has the certificate (the first minutes of a new deployment),
# it waits up to CERT_WAIT_SECONDS (120), then starts coturn without TLS and
# says so; when the certificate appears it stops coturn, and the restart
# policy starts it again with TLS.
set -eu
storage=$1
name=$2
shift 2
tls=/tmp/tls
interval=${CERT_CHECK_SECONDS:-60}
wait_for=${CERT_WAIT_SECONDS:-120}
umask 077
mkdir -p "$tls"

newest() { ls -t "$storage"/caddy/certificates/*/"$name"/"$name".crt 2>/dev/null | head -n 1; }
stamp() {
  cert=$(newest)
  [ -n "$cert" ] && [ -r "${cert%.crt}.key" ] || return 1
  cat "$cert" "${cert%.crt}.key" | cksum
}
copy() {
  cert=$(newest)
  cat "$cert" >"$tls/cert.pem.new" && cat "${cert%.crt}.key" >"$tls/key.pem.new"
  mv "$tls/cert.pem.new" "$tls/cert.pem" && mv "$tls/key.pem.new" "$tls/key.pem"
  echo "caddy-certificate.sh: using $cert"
}

waited=0
current=$(stamp || true)
while [ -z "$current" ] && [ "$waited" -lt "$wait_for" ]; do
  [ "$waited" -eq 0 ] && echo "caddy-certificate.sh: waiting for Caddy's certificate for $name in $storage"
  sleep 2
  waited=$((waited + 2))
  current=$(stamp || true)
done
if [ -n "$current" ]; then
  copy
  "$@" --cert="$tls/cert.pem" --pkey="$tls/key.pem" &
else
  echo "caddy-certificate.sh: no certificate for $name after ${wait_for}s: coturn starts without TLS (is $name's DNS record in place?)"
  "$@" &
fi
pid=$!
stopping=
trap 'stopping=1; kill -TERM "$pid" 2>/dev/null || true' TERM INT

while [ -z "$stopping" ] && kill -0 "$pid" 2>/dev/null; do
  sleep "$interval" &
  wait $! || true
  [ -z "$stopping" ] && kill -0 "$pid" 2>/dev/null || break
  latest=$(stamp || true)
  [ -n "$latest" ] && [ "$latest" != "$current" ] || continue
  if [ -z "$current" ]; then
    echo "caddy-certificate.sh: the certificate for $name is there now: restarting coturn with TLS"
    kill -TERM "$pid"
    wait "$pid" || true
    exit 1
  fi
  current=$latest
  copy
  kill -USR2 "$pid"
done
set +e
wait "$pid"
exit $?
