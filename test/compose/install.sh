#!/usr/bin/env bash
# What `npm run test:compose` needs on a Debian bookworm machine, as root:
# podman (with runc, cgroupfs, no default ulimits) driven through its
# Docker-compatible API socket by Debian's docker-compose 1.29, debootstrap
# for the stand-in base image, and the coturn/Chromium clients the tests use.
# Idempotent: installs only what is missing, and starts the API service only
# when its socket does not answer.
set -euo pipefail

SOCKET=/run/podman/podman.sock
LOG=/var/log/podman-system-service.log
PACKAGES=(podman runc netavark aardvark-dns catatonit iptables docker-compose debootstrap curl xz-utils coturn chromium fonts-dejavu-core)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  echo "install.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # No recommends: docker-compose would bring docker.io, podman a rootless toolchain we do not use.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# This machine has no systemd: cgroups are managed directly, events go to a file,
# and containers get the engine's ulimits rather than podman's defaults (which a
# sandboxed kernel may refuse). netavark + aardvark-dns let compose services find
# each other by name.
mkdir -p /etc/containers/containers.conf.d
cat > /etc/containers/containers.conf.d/50-video-call-compose.conf <<'CONF'
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"

[network]
network_backend = "netavark"
CONF

answering() { curl -sf --max-time 2 --unix-socket "$SOCKET" http://podman/_ping >/dev/null 2>&1; }

if ! answering; then
  mkdir -p "$(dirname "$SOCKET")"
  rm -f "$SOCKET"
  echo "install.sh: starting podman system service on $SOCKET (log: $LOG)"
  # From /, not this checkout: the service outlives it, and once its working directory is
  # deleted (a CI clone removed) every container start fails with "write child: broken pipe".
  (cd / && setsid nohup podman system service --time=0 "unix://$SOCKET" >>"$LOG" 2>&1 < /dev/null &)
  for _ in $(seq 1 50); do
    answering && break
    sleep 0.2
  done
  answering || { echo "install.sh: podman system service does not answer on $SOCKET; see $LOG" >&2; exit 1; }
fi
echo "install.sh: podman $(podman --version | awk '{print $3}') answering on $SOCKET; export DOCKER_HOST=unix://$SOCKET"
