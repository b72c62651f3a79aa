#!/usr/bin/env bash
# Removes what Counter's install.sh installed: the program, launchers, menu entries,
# autostart entries and the central's service. Data stays unless --purge: each user's
# Counter data (~/.local/share/counter, with its backups) is never touched; the
# central's database, CA and logs (/var/lib/counter-central, /var/log/counter-central)
# go only with --purge. install.sh copies this script to /opt/counter/uninstall.sh.
#
#   sudo /opt/counter/uninstall.sh [--purge] [--prefix DIR] [--no-system]
set -euo pipefail

prefix=""
system=1
purge=0
say() { printf '[counter] %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=${2:?--prefix needs a value} && shift ;;
    --prefix=*) prefix=${1#*=} ;;
    --purge) purge=1 ;;
    --no-system) system=0 ;;
    -h | --help)
      sed -n '2,8p' "$0"
      exit 0
      ;;
    *) die "unknown option: $1" ;;
  esac
  shift
done
if [ -z "$prefix" ]; then
  if [ "$system" = 1 ] && [ -r /etc/counter/install.conf ]; then
    prefix=$(sed -n 's/^prefix=//p' /etc/counter/install.conf)
  else
    prefix=/opt/counter
  fi
fi
case $prefix in /*) ;; *) die "--prefix must be absolute" ;; esac
if [ "$system" = 1 ]; then
  [ "$(id -u)" = 0 ] || die "请以 root 运行 (run as root): sudo $0"
  share=/usr/share etc=/etc
else
  share=$prefix/share etc=$prefix/etc
fi

# The central's service first, so nothing runs from the files about to go.
if [ "$system" = 1 ] && [ -f /etc/systemd/system/counter-central.service ]; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl disable -q --now counter-central.service || true
  fi
  rm -f /etc/systemd/system/counter-central.service
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl daemon-reload
  fi
fi

for name in counter counter-kiosk counter-board counter-rate counter-central; do
  link=/usr/local/bin/$name
  if [ "$system" = 1 ] && [ -L "$link" ] && [ "$(readlink "$link")" = "$prefix/bin/$name" ]; then
    rm -f "$link"
  fi
done
rm -f "$share"/applications/counter{,-kiosk,-board,-rate}.desktop \
  "$share/icons/hicolor/scalable/apps/counter.svg" \
  "$share/icons/hicolor/256x256/apps/counter.png" \
  "$etc"/xdg/autostart/counter-{kiosk,board,rate}.desktop
rm -rf "$etc/counter"
if [ "$purge" = 1 ]; then
  rm -rf "$etc/counter-central"
elif [ -d "$etc/counter-central" ]; then
  say "kept the central's settings in $etc/counter-central"
fi
rm -rf "$prefix"

if [ "$purge" = 1 ] && [ "$system" = 1 ]; then
  rm -rf /var/lib/counter-central /var/log/counter-central
  if id -u counter-central >/dev/null 2>&1; then userdel counter-central || true; fi
  say "Counter removed, the central's database and logs with it"
else
  say "Counter removed; data kept (the central's in /var/lib/counter-central, if any)"
fi
