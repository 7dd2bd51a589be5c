#!/usr/bin/env bash
# Prints the path of a Caddy binary new enough for the deployment's Caddyfile
# (2.7 or later: its `proxy_protocol` listener wrapper takes the SNI router's
# PROXY header), fetching it first when it is not cached.
#
# Debian bookworm packages Caddy 2.6, which has no such wrapper; the upstream
# `caddy:2` image has 2.11. With no image registry and no Internet but the
# Debian mirror, the binary comes from Debian's own package in unstable (sid),
# found through the mirror's index and checked against the index's SHA-256. It
# is unpacked into a cache directory, never installed: nothing on this machine
# changes but that directory. Used by test/compose/stand-ins.sh (the caddy:2
# stand-in) and the NAT lab (test/nat/services.ts), which run the same Caddyfile.
set -euo pipefail

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${VIDEO_CALL_CACHE:-/var/cache/video-call}
SUITE=sid

# A cached binary that runs and is 2.7 or later is the answer.
for cached in "$CACHE"/caddy-*/caddy; do
  [[ -x $cached ]] || continue
  version=$("$cached" version 2>/dev/null | awk '{print $1}' | sed 's/^v//')
  if [[ $version =~ ^2\.([0-9]+) ]] && ((BASH_REMATCH[1] >= 7)); then
    echo "$cached"
    exit 0
  fi
done

command -v xz >/dev/null && command -v dpkg-deb >/dev/null && command -v curl >/dev/null \
  || { echo "fetch-caddy.sh: needs curl, xz-utils and dpkg" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

arch=$(dpkg --print-architecture)
curl -fsS --max-time 300 "$MIRROR/dists/$SUITE/main/binary-$arch/Packages.xz" -o "$work/Packages.xz" \
  || { echo "fetch-caddy.sh: cannot read $SUITE's package index from $MIRROR" >&2; exit 1; }
read -r version filename sha256 < <(xz -dc "$work/Packages.xz" | awk '
  /^Package: / { p = ($2 == "caddy") }
  p && /^Version: / { v = $2 }
  p && /^Filename: / { f = $2 }
  p && /^SHA256: / { s = $2 }
  /^$/ { if (p && f != "") { print v, f, s; exit } p = 0 }')
[[ -n ${filename:-} ]] || { echo "fetch-caddy.sh: $SUITE has no caddy package" >&2; exit 1; }
[[ $version =~ ^2\.([0-9]+) ]] && ((BASH_REMATCH[1] >= 7)) \
  || { echo "fetch-caddy.sh: $SUITE's caddy is $version, older than 2.7" >&2; exit 1; }

curl -fsS --max-time 300 "$MIRROR/$filename" -o "$work/caddy.deb"
echo "$sha256  $work/caddy.deb" | sha256sum -c --quiet - \
  || { echo "fetch-caddy.sh: $filename does not match the index's SHA-256" >&2; exit 1; }
dpkg-deb -x "$work/caddy.deb" "$work/root"
target="$CACHE/caddy-$version"
mkdir -p "$target"
install -m 0755 "$work/root/usr/bin/caddy" "$target/caddy.new"
mv "$target/caddy.new" "$target/caddy"
"$target/caddy" version >/dev/null || { echo "fetch-caddy.sh: $target/caddy does not run here" >&2; exit 1; }
echo "fetch-caddy.sh: caddy $version from Debian $SUITE in $target" >&2
echo "$target/caddy"
