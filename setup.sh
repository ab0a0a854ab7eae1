#!/usr/bin/env bash
# mcuforge setup: idempotent; a second run finishes in seconds and changes nothing.
#  1. Debian packages: arm-none-eabi GCC + newlib, host gcc, QEMU 10 from bookworm-backports (bookworm's
#     own 7.2 has no STM32L475 machine), ser2net and sigrok-cli (HIL tests), openocd/stlink-tools (real boards),
#     chromium (the tests render the HTML reports headless);
#     for Linux boards the aarch64/armhf cross GCCs, QEMU user mode (backports too) and OpenSSH (the tests run
#     sshd on loopback; setup never starts the ssh service).
#  2. .venv with mcuforge and its Python dependencies (pyproject.toml, extras [dev]; not [torch]).
#  3. An offline PlatformIO core in .platformio/ (nothing ever contacts PlatformIO's registry).
#  4. The QEMU cycle plugin (tools/qemu-plugin), built with the host gcc into .cache/qemu-plugin/.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(gcc libc6-dev gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
              ser2net sigrok-cli openocd stlink-tools cmake make
              gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
              openssh-client openssh-server chromium)
BACKPORTS_PACKAGES=(qemu-system-arm qemu-user)
BACKPORTS_LIST=/etc/apt/sources.list.d/bookworm-backports.sources

log() { printf 'setup: %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  log "need root for: $*  (run as root or install sudo)"; exit 1; fi; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
qemu_ok() { command -v qemu-system-arm >/dev/null && qemu-system-arm -M help 2>/dev/null | grep -q b-l475e-iot01a \
            && command -v qemu-aarch64 >/dev/null && command -v qemu-arm >/dev/null; }
python_ok() { python3 -c 'import venv, ensurepip' 2>/dev/null; }

# --- 1. Debian packages ------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
python_ok || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ] || ! qemu_ok; then
  export DEBIAN_FRONTEND=noninteractive
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "adding the bookworm-backports apt suite ($BACKPORTS_LIST)"
    as_root tee "$BACKPORTS_LIST" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  log "apt-get update"
  as_root apt-get update -q
  # packages must not start services here (openssh-server would start sshd on port 22): a policy-rc.d
  # that refuses, unless the machine has one already (containers often do)
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
    trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT  # also when an install fails
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  if ! qemu_ok; then
    log "installing ${BACKPORTS_PACKAGES[*]} from bookworm-backports"
    as_root apt-get install -y -q --no-install-recommends -t bookworm-backports "${BACKPORTS_PACKAGES[@]}"
  fi
  if [ $own_policy = 1 ]; then as_root rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
fi
qemu_ok || { log "qemu-system-arm has no b-l475e-iot01a machine (or qemu-user is missing) after install"; exit 1; }

# --- 2. Python environment ---------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  python3 -m venv .venv
fi
stamp=.venv/.mcuforge-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing Python dependencies into .venv (TensorFlow is large: a minute or two)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip "setuptools>=77"  # SPDX `license`
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
  # packages whose exact pins would downgrade the venv (pyproject.toml, [tool.mcuforge] no-deps)
  no_deps=$(.venv/bin/python -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["tool"]["mcuforge"]["no-deps"]))')
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps $no_deps
  # labgrid's pyserial fork (RFC 2217 fixes) and PlatformIO's upstream pyserial both install `serial`:
  # the fork's files go in last, so which one the venv imports does not depend on pip's install order
  fork=$(.venv/bin/python -m pip show pyserial-labgrid 2>/dev/null | sed -n 's/^Version: //p')
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "pyserial-labgrid==$fork"
  echo "$want" > "$stamp"
fi

# --- 3. Offline PlatformIO core ----------------------------------------------------------------
.venv/bin/python -m codegen.pio.seed

# --- 4. QEMU cycle plugin ------------------------------------------------------------------------
.venv/bin/python -m codegen.cycles.plugin >/dev/null
log "ready: $(qemu-system-arm --version | head -n1); $(arm-none-eabi-gcc --version | head -n1)"
