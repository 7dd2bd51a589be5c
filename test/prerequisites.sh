#!/usr/bin/env bash
# What `npm test` drives for real, checked before it starts (npm runs this as
# "pretest"): Chromium and a font for the browser tests, coturn for its
# turnutils clients and as the other relay, openssl for test certificates,
# iproute2 and iptables for the NAT lab, haproxy for its one-address host (the
# SNI router) and curl and xz-utils for test/fetch-caddy.sh (its Caddy),
# util-linux's prlimit and python3 for the abuse tests, redis-server for the
# shared-mode (cluster) tests. As root on Debian, what is missing is
# installed; anywhere else, one message names the packages and the command,
# and the tests do not start. `npm run test:compose` has its own list: test/compose/install.sh.
set -euo pipefail
# Tools in sbin count as installed for users whose PATH leaves it out.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

# path-or-command:package
NEEDS=(
  /usr/bin/chromium:chromium
  /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core
  turnutils_uclient:coturn
  turnserver:coturn
  openssl:openssl
  ip:iproute2
  iptables-restore:iptables
  haproxy:haproxy
  curl:curl
  xz:xz-utils
  prlimit:util-linux
  python3:python3
  redis-server:redis-server
)

missing=()
for need in "${NEEDS[@]}"; do
  what=${need%%:*}
  package=${need##*:}
  if [[ $what == /* ]]; then [[ -e $what ]] && continue; else command -v "$what" >/dev/null 2>&1 && continue; fi
  [[ " ${missing[*]} " == *" $package "* ]] || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0

if ((EUID == 0)) && command -v apt-get >/dev/null 2>&1; then
  echo "npm test: installing the Debian packages it needs: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi

# Builtins only from here: this runs on machines where PATH may not find much.
printf '%s\n' \
  "npm test needs system packages that are not installed: ${missing[*]}" \
  'On Debian or Ubuntu, install them with:' \
  "  sudo apt-get install -y ${missing[*]}" \
  '(Run as root on Debian, npm test installs them itself. The NAT lab tests also need root.)' >&2
exit 1
