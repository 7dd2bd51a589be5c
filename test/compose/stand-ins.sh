#!/usr/bin/env bash
# Local stand-ins for the upstream images the deployment is built on, for a
# machine that reaches Debian's mirror and the npm registry but no image
# registry. Each gets the upstream name and tag, so docker-compose.yml and the
# Dockerfile run unchanged:
#
#   debian:bookworm-slim     debootstrap --variant=minbase, trimmed as slim is
#   node:20-bookworm-slim    that + this machine's Node and npm, user node (1000),
#                            trusting this machine's CA bundle (npm ci in builds
#                            reaches the registry through this machine's TLS proxy)
#   caddy:2                  that + Debian's caddy from unstable (2.11, as upstream's; bookworm's 2.6
#                            lacks the proxy_protocol listener wrapper), by test/fetch-caddy.sh
#   haproxy:2.6              that + Debian's haproxy (2.6), upstream's paths, entrypoint and CMD
#   coturn/coturn:4.6        that + Debian's coturn (4.6.1), user nobody, upstream's entrypoint
#   redis:7                  that + Debian's redis-server (7.0), upstream's /data, entrypoint and CMD
#
# docs/deploy.md lists how they differ from the real ones. An image is rebuilt
# only when it is missing or was built by another version of this script.
set -euo pipefail

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim
NODE_IMAGE=docker.io/library/node:20-bookworm-slim
CADDY_IMAGE=docker.io/library/caddy:2
COTURN_IMAGE=docker.io/coturn/coturn:4.6
REDIS_IMAGE=docker.io/library/redis:7
HAPROXY_IMAGE=docker.io/library/haproxy:2.6

node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[[ "$("$node_bin" --version)" == v20.* ]] || { echo "stand-ins.sh: need Node 20 on this machine for $NODE_IMAGE, found $("$node_bin" --version)" >&2; exit 1; }
# The label that says which recipe built an image: this script and the Node it copies.
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[[ -r "$CA_BUNDLE" ]] || { echo "stand-ins.sh: no CA bundle at $CA_BUNDLE (apt-get install ca-certificates)" >&2; exit 1; }
caddy_bin=$(bash "$(dirname "$0")/../fetch-caddy.sh")
recipe=$( { sha256sum < "$0"; "$node_bin" --version; cat "$npm_dir/package.json" "$CA_BUNDLE"; "$caddy_bin" version; } | sha256sum | cut -c1-16)
LABEL=org.video-call.stand-in

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fresh() {
  local built
  built=$(podman image inspect --format "{{index .Labels \"$LABEL\"}}" "$1" 2>/dev/null || true)
  [[ "$built" == "$recipe" ]]
}

build() { # image, then a directory holding a Containerfile and its context
  echo "stand-ins.sh: building $1"
  podman build --quiet --label "$LABEL=$recipe" --tag "$1" "$2" >/dev/null
}

if ! fresh "$DEBIAN_IMAGE"; then
  echo "stand-ins.sh: debootstrap bookworm (minbase) from $MIRROR"
  rootfs="$work/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
SOURCES
  # As the slim image: no documentation, man pages or translations, now or from later installs.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
DPKG
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$rootfs"/usr/share/{man,info,locale}/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
  tar -C "$rootfs" -c . | podman import --quiet --change 'CMD ["bash"]' --change "LABEL $LABEL=$recipe" - "$DEBIAN_IMAGE" >/dev/null
fi

if ! fresh "$NODE_IMAGE"; then
  mkdir -p "$work/node"
  cp "$node_bin" "$work/node/node"
  cp -a "$npm_dir" "$work/node/npm"
  cp "$CA_BUNDLE" "$work/node/machine-ca.crt"
  cat >"$work/node/docker-entrypoint.sh" <<'ENTRY'
#!/bin/sh
# As upstream's: an option or a script name as the first argument runs under node.
set -e
case "$1" in
  -*) set -- node "$@" ;;
  *) command -v "$1" >/dev/null 2>&1 || set -- node "$@" ;;
esac
exec "$@"
ENTRY
  cat >"$work/node/Containerfile" <<CONTAINERFILE
FROM $DEBIAN_IMAGE
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
COPY machine-ca.crt /usr/local/share/stand-in/machine-ca.crt
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
ENV NODE_VERSION=$("$node_bin" --version | cut -c2-) NODE_EXTRA_CA_CERTS=/usr/local/share/stand-in/machine-ca.crt
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
CONTAINERFILE
  build "$NODE_IMAGE" "$work/node"
fi

if ! fresh "$CADDY_IMAGE"; then
  mkdir -p "$work/caddy"
  cp "$caddy_bin" "$work/caddy/caddy"
  cat >"$work/caddy/Containerfile" <<CONTAINERFILE
FROM $DEBIAN_IMAGE
# wget: upstream's Alpine image has busybox's, which healthchecks use.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates media-types wget \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /config/caddy /data/caddy /srv
COPY caddy /usr/bin/caddy
ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data
EXPOSE 80 443 443/udp 2019
WORKDIR /srv
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
CONTAINERFILE
  build "$CADDY_IMAGE" "$work/caddy"
fi

if ! fresh "$COTURN_IMAGE"; then
  mkdir -p "$work/coturn"
  cat >"$work/coturn/docker-entrypoint.sh" <<'ENTRY'
#!/bin/sh
# As upstream's: options alone run turnserver with them.
set -e
case "$1" in
  -*) set -- turnserver "$@" ;;
esac
exec "$@"
ENTRY
  cat >"$work/coturn/Containerfile" <<CONTAINERFILE
FROM $DEBIAN_IMAGE
RUN apt-get update \
 && apt-get install -y --no-install-recommends coturn ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/coturn && chown nobody:nogroup /var/lib/coturn
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
USER nobody:nogroup
EXPOSE 3478 3478/udp 5349 5349/udp
VOLUME ["/var/lib/coturn"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["--log-file=stdout"]
CONTAINERFILE
  build "$COTURN_IMAGE" "$work/coturn"
fi

if ! fresh "$REDIS_IMAGE"; then
  mkdir -p "$work/redis"
  cat >"$work/redis/docker-entrypoint.sh" <<'ENTRY'
#!/bin/sh
# As upstream's: options or a .conf file alone run redis-server with them, and
# redis-server started as root drops to the redis user (upstream uses gosu;
# setpriv is util-linux's, already in the base).
set -e
case "$1" in
  -* | *.conf) set -- redis-server "$@" ;;
esac
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
exec "$@"
ENTRY
  cat >"$work/redis/Containerfile" <<CONTAINERFILE
FROM $DEBIAN_IMAGE
# Debian's package starts nothing here (no init system); its /etc/redis is unused, as upstream has none.
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
VOLUME /data
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
CONTAINERFILE
  build "$REDIS_IMAGE" "$work/redis"
fi

if ! fresh "$HAPROXY_IMAGE"; then
  mkdir -p "$work/haproxy"
  cat >"$work/haproxy/docker-entrypoint.sh" <<'ENTRY'
#!/bin/sh
# As upstream's: options alone run haproxy with them, and haproxy runs in the
# foreground as a master with its worker (-W -db), logging to stdout.
set -e
case "$1" in
  -*) set -- haproxy "$@" ;;
esac
if [ "$1" = haproxy ]; then
  shift
  set -- haproxy -W -db "$@"
fi
exec "$@"
ENTRY
  cat >"$work/haproxy/Containerfile" <<CONTAINERFILE
FROM $DEBIAN_IMAGE
# Debian's package starts nothing here (no init system); upstream has its binary in /usr/local/sbin.
RUN apt-get update \
 && apt-get install -y --no-install-recommends haproxy \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /usr/local/etc/haproxy /var/lib/haproxy \
 && ln -s /usr/sbin/haproxy /usr/local/sbin/haproxy
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
USER haproxy
WORKDIR /var/lib/haproxy
STOPSIGNAL SIGUSR1
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
CONTAINERFILE
  build "$HAPROXY_IMAGE" "$work/haproxy"
fi

# Images a former recipe built, now untagged.
podman image prune --force --filter "label=$LABEL" >/dev/null
echo "stand-ins.sh: $DEBIAN_IMAGE $NODE_IMAGE $CADDY_IMAGE $COTURN_IMAGE $REDIS_IMAGE $HAPROXY_IMAGE ready"
