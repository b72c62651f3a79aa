#!/usr/bin/env bash
# Counter's offline installer. Run it as root from the unpacked bundle (built by
# scripts/build-bundle.sh); it needs no network. docs/install.md walks a hall through it.
#
#   sudo ./install.sh --role window            a window's PC: the Counter app, in the menu
#   sudo ./install.sh --role kiosk             the ticket kiosk, full screen at sign-in
#   sudo ./install.sh --role board --screen 1  the call board, full screen on screen 1
#   sudo ./install.sh --role rate              the rating pad, full screen at sign-in
#   sudo ./install.sh --role central           the central server, as a systemd service
#
# Run again from a newer bundle to upgrade (data and settings are kept), or with another
# role to change it. A PC that is both a window and the central runs it twice.
set -euo pipefail
# What is installed is read by every user of the PC: a hardened root's umask (027, 077)
# would leave the program unreadable to the clerks. What is private says its own mode.
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
role=window
screen=""
prefix=/opt/counter
system=1
use_apt=1
start=1
wheels=$here/wheels

say() { printf '[counter] %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}
usage() {
  cat <<'EOF'
Usage: install.sh [--role window|kiosk|board|rate|central] [options]

  --role ROLE     what this PC is (default window):
                    window   the Counter app for a clerk (menu entry, no autostart)
                    kiosk    the ticket kiosk, full screen when the desktop starts
                    board    the call board, full screen on --screen when the desktop starts
                    rate     the rating pad, full screen when the desktop starts
                    central  the central server only (no Qt), as the counter-central service
  --screen N      the call board's screen: 0 the primary, 1 the second (default), or a
                  name such as HDMI-1 (the board_screen setting)
  --prefix DIR    where Counter goes (default /opt/counter)
  --no-apt        do not install the bundled Debian packages
  --no-start      do not start or restart the central service
  --no-system     install under --prefix only, as any user: no Debian packages, no
                  /usr/local/bin links, menu, autostart, system user or service (their
                  files are written under PREFIX/share and PREFIX/etc instead)
  --wheels DIR    the wheels to install from (default: the bundle's wheels/)
EOF
}

while [ $# -gt 0 ]; do
  case $1 in
    --role) role=${2:?--role needs a value} && shift ;;
    --role=*) role=${1#*=} ;;
    --screen) screen=${2:?--screen needs a value} && shift ;;
    --screen=*) screen=${1#*=} ;;
    --prefix) prefix=${2:?--prefix needs a value} && shift ;;
    --prefix=*) prefix=${1#*=} ;;
    --wheels) wheels=${2:?--wheels needs a value} && shift ;;
    --no-apt) use_apt=0 ;;
    --no-start) start=0 ;;
    --no-system) system=0 use_apt=0 start=0 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown option: $1"
      ;;
  esac
  shift
done
case $role in window | kiosk | board | rate | central) ;; *) die "unknown role: $role" ;; esac
if [ -n "$screen" ] && [ "$role" != board ]; then die "--screen is for --role board"; fi
case $prefix in /*) ;; *) prefix=$(pwd)/$prefix ;; esac
[ -d "$wheels" ] || die "no wheels in $wheels: run install.sh from the unpacked bundle"
if [ "$system" = 1 ] && [ "$(id -u)" != 0 ]; then
  die "请以 root 运行 (run as root): sudo $0 $* — or --no-system to install under --prefix only"
fi

# Where the system-wide files go: the system's folders, or the prefix's with --no-system.
if [ "$system" = 1 ]; then
  share=/usr/share etc=/etc
else
  share=$prefix/share etc=$prefix/etc
fi
version=$(cat "$here/VERSION" 2>/dev/null || echo dev)
build=$(sed -n 's/^build=//p' "$here/BUILD-INFO" 2>/dev/null || true)
build=${build:-local}

# 0. The bundle arrived whole (a USB stick copy can be cut short).
if [ -f "$here/SHA256SUMS" ] && command -v sha256sum >/dev/null; then
  say "checking the bundle's files"
  (cd "$here" && sha256sum --quiet -c SHA256SUMS) || die "the bundle is damaged: copy it again"
fi

# 1. The Debian packages Qt, the fonts, the voice and venv need (debian-packages.txt),
# where not installed. The bundle's debs/ is a local apt repository: apt, pointed at it
# alone (not at this PC's sources or lists, so nothing is downloaded), installs the
# listed packages and takes from it what they need that this PC lacks or has too old.
apt_tmp=""
trap '[ -z "$apt_tmp" ] || rm -rf "$apt_tmp"' EXIT
os_release() { # this system's ID-VERSION_ID, e.g. debian-12
  awk -F= '$1 == "ID" {id = $2} $1 == "VERSION_ID" {v = $2} END {print id "-" v}' \
    /etc/os-release 2>/dev/null | tr -d '"'
}
install_debs() { # the groups of debian-packages.txt to install
  local groups=" $* " package status built_for this
  local wanted=() missing=()
  [ -f "$here/debs/Packages" ] && [ -f "$here/debian-packages.txt" ] || return 0
  mapfile -t wanted < <(awk -v groups="$groups" \
    '!/^#/ && NF && index(groups, " " $2 " ") {print $1}' "$here/debian-packages.txt" | sort -u)
  for package in "${wanted[@]}"; do
    status=$(dpkg-query -W -f '${db:Status-Status}' "$package" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$package")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  # The .debs are one Debian release's (UOS and Kylin use the same names, but not those
  # builds): on another system they could pull its C library up to theirs.
  built_for=$(sed -n 's/^debian_release=//p' "$here/BUILD-INFO" 2>/dev/null || true)
  this=$(os_release || true)
  if [ -n "$built_for" ] && [ "$this" != "$built_for" ]; then
    say "the bundle's Debian packages are for $built_for, this system is ${this:-unknown}:"
    say "install these from its own sources first, if missing: ${missing[*]}"
    return 0
  fi
  say "installing the Debian package(s) ${missing[*]} from the bundle"
  apt_tmp=$(mktemp -d)
  # A path without spaces for apt's sources line.
  ln -s "$here/debs" "$apt_tmp/debs"
  mkdir -p "$apt_tmp/lists/partial" "$apt_tmp/cache/archives/partial" "$apt_tmp/sources.list.d"
  echo "deb [trusted=yes] file:$apt_tmp/debs ./" >"$apt_tmp/sources.list"
  local apt=(apt-get -q -o Dir::Etc::SourceList="$apt_tmp/sources.list"
    -o Dir::Etc::SourceParts="$apt_tmp/sources.list.d" -o Dir::State::Lists="$apt_tmp/lists"
    -o Dir::Cache="$apt_tmp/cache" -o APT::Sandbox::User=root)
  "${apt[@]}" update >"$apt_tmp/apt.log" 2>&1 || {
    cat "$apt_tmp/apt.log" >&2
    die "apt cannot read the bundle's Debian packages (above)"
  }
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends --no-remove \
    "${missing[@]}" >"$apt_tmp/apt.log" 2>&1 || {
    cat "$apt_tmp/apt.log" >&2
    die "the Debian packages did not install (above); the bundle may lack one this system needs"
  }
}
if [ "$use_apt" = 1 ] && command -v apt-get >/dev/null; then
  if [ "$role" = central ]; then install_debs python; else install_debs python qt fonts voice printing; fi
fi

# 2. Python 3.11 or newer, with venv.
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys, venv, ensurepip; raise SystemExit(sys.version_info < (3, 11))' \
        2>/dev/null; then
      python=$(command -v "$candidate")
      break
    fi
  done
fi
[ -n "$python" ] || die "需要 Python 3.11+ 及 venv (Python 3.11+ with venv is needed): apt-get install python3-venv"

# 3. A virtual environment per bundle, from the bundled wheels only; the link to it
# switches once it is complete, so an install that fails leaves the old one running.
# The pip settings of this machine (an index, a mirror) play no part.
pip_offline() {
  env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT \
    PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
    "$@" --no-index --find-links "$wheels"
}
make_venv() { # distribution, link name
  local distribution=$1 link=$prefix/$2
  local target=$prefix/venvs/$distribution-$version-$build
  mkdir -p "$prefix/venvs"
  if [ ! -x "$target/bin/$distribution" ]; then
    say "installing $distribution $version into $target"
    rm -rf "$target"
    "$python" -m venv "$target"
    pip_offline "$target/bin/python" -m pip install -q "$distribution"
  fi
  ln -sfn "venvs/$(basename "$target")" "$link.new"
  mv -T "$link.new" "$link"
  # Earlier bundles' environments (a version follows the name: counter-central's are
  # not counter's).
  for old in "$prefix/venvs/$distribution"-[0-9]*; do
    [ "$old" = "$target" ] || rm -rf "$old"
  done
}

mkdir -p "$prefix/bin" "$prefix/docs"
if [ -f "$here/install.md" ]; then cp "$here/install.md" "$prefix/docs/install.md"; fi
cp "$here/uninstall.sh" "$prefix/uninstall.sh"
chmod 755 "$prefix/uninstall.sh"

# systemd runs this system: not merely installed (a chroot has its files, and /run may be
# the host's), and this is not a chroot of a system that runs it.
systemd_running() {
  [ -d /run/systemd/system ] && command -v systemctl >/dev/null || return 1
  if command -v systemd-detect-virt >/dev/null; then
    if systemd-detect-virt -q --chroot; then return 1; fi
  else
    [ "$(stat -Lc %d:%i /)" = "$(stat -Lc %d:%i /proc/1/root/ 2>/dev/null)" ]
  fi
}

launcher() { # name, the command it runs
  local name=$1
  shift
  {
    printf '#!/bin/sh\n'
    printf '# Written by Counter'"'"'s install.sh (%s).\n' "$version"
    printf '[ -r %s/counter/station.env ] && . %s/counter/station.env\n' "$etc" "$etc"
    printf 'exec %s "$@"\n' "$*"
  } >"$prefix/bin/$name"
  chmod 755 "$prefix/bin/$name"
  if [ "$system" = 1 ]; then ln -sfn "$prefix/bin/$name" "/usr/local/bin/$name"; fi
}

from_template() { # template in files/, destination, mode
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@BIN@|$prefix/bin|g" "$here/files/$1" >"$2.new"
  chmod "${3:-644}" "$2.new"
  mv "$2.new" "$2"
}

mkdir -p "$etc/counter"
if [ "$role" = central ]; then
  make_venv counter-central central
  launcher counter-central "$prefix/central/bin/counter-central"

  # 4. The service: its own user, state in /var/lib/counter-central.
  if [ "$system" = 1 ] && ! id -u counter-central >/dev/null 2>&1; then
    say "creating the system user counter-central"
    useradd --system --home-dir /var/lib/counter-central --no-create-home \
      --shell /usr/sbin/nologin --comment "Counter central server" counter-central
  fi
  mkdir -p "$etc/counter-central" "$etc/systemd/system"
  [ -f "$etc/counter-central/central.env" ] ||
    from_template central.env "$etc/counter-central/central.env" 640
  if [ "$system" = 1 ]; then chgrp counter-central "$etc/counter-central/central.env"; fi
  from_template counter-central.service "$etc/systemd/system/counter-central.service"
  if [ "$system" = 1 ]; then
    # The data folder as the unit's StateDirectory= makes it (the user's own, 0700),
    # made here too: without systemd the central is made and started by hand, as that
    # user, who cannot create a folder in /var/lib.
    install -d -m 700 -o counter-central -g counter-central /var/lib/counter-central
  fi
  as_central="runuser -u counter-central -- $prefix/bin/counter-central"
  data_dir=/var/lib/counter-central
  if [ "$system" = 1 ] && systemd_running; then
    systemctl daemon-reload
    systemctl enable -q counter-central.service
    if [ "$start" = 1 ]; then
      # An upgrade of a central already made: the service refuses a schema it has not
      # migrated and does not migrate by itself (docs/central-operations.md), so the
      # person installing does it here, with the service stopped and a backup first.
      if [ -f /var/lib/counter-central/central.toml ]; then
        systemctl stop counter-central.service || true
        say "migrating the central's database (backup first: /var/lib/counter-central/backups)"
        runuser -u counter-central -- "$prefix/central/bin/counter-central" migrate \
          --data-dir /var/lib/counter-central --backup-dir /var/lib/counter-central/backups ||
          die "the migration failed: the service stays stopped; see docs/central-operations.md"
      fi
      systemctl restart counter-central.service
      say "counter-central is running: systemctl status counter-central"
    fi
  elif [ "$system" = 1 ]; then
    # A chroot, a container, or a system without systemd: nothing is started. Where
    # systemctl is there, the service is enabled for the next boot all the same.
    if command -v systemctl >/dev/null && systemctl enable -q counter-central.service 2>/dev/null; then
      say "systemd is not running here (a chroot or container?): counter-central.service is"
      say "enabled and starts when this system boots with systemd; or start it by hand:"
    else
      say "no systemd here (a chroot or container?): counter-central.service is not started;"
      say "start the central by hand, as its user:"
    fi
    if [ -f /var/lib/counter-central/central.toml ]; then
      say "  (an upgrade: stop the central first)"
      say "  $as_central migrate --data-dir $data_dir --backup-dir $data_dir/backups"
    else
      say "  $as_central init --data-dir $data_dir    (once)"
    fi
    say "  $as_central serve --data-dir $data_dir"
  fi
  printf 'central=%s\n' "$version" >"$etc/counter/central.conf"
else
  make_venv counter venv
  launcher counter "$prefix/venv/bin/counter"
  launcher counter-kiosk "$prefix/venv/bin/counter" --kiosk
  launcher counter-board "$prefix/venv/bin/counter" --board
  launcher counter-rate "$prefix/venv/bin/counter" --rate

  # 5. The menu entries and icon; the role's station starts with the desktop.
  mkdir -p "$share/applications" "$share/icons/hicolor/scalable/apps" \
    "$share/icons/hicolor/256x256/apps" "$etc/xdg/autostart"
  cp "$here/files/counter.svg" "$share/icons/hicolor/scalable/apps/counter.svg"
  cp "$here/files/counter.png" "$share/icons/hicolor/256x256/apps/counter.png"
  for entry in counter counter-kiosk counter-board counter-rate; do
    from_template "$entry.desktop" "$share/applications/$entry.desktop"
  done
  rm -f "$etc"/xdg/autostart/counter-{kiosk,board,rate}.desktop
  case $role in
    kiosk | board | rate)
      from_template "counter-$role.desktop" "$etc/xdg/autostart/counter-$role.desktop"
      ;;
  esac
  # The station's settings for the launchers: the board's screen (board_screen).
  if [ -n "$screen" ] || [ ! -f "$etc/counter/station.env" ]; then
    {
      echo "# Read by Counter's launchers in $prefix/bin; written by install.sh."
      echo "# Any COUNTER_<SETTING> here overrides the setting for every user of this PC."
      if [ -n "$screen" ]; then echo "COUNTER_BOARD_SCREEN=$screen"; fi
      echo "export COUNTER_BOARD_SCREEN"
    } >"$etc/counter/station.env"
  fi
  if [ "$system" = 1 ]; then
    if command -v update-desktop-database >/dev/null; then
      update-desktop-database -q "$share/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null; then
      gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
    fi
  fi
  printf 'role=%s\nversion=%s\n' "$role" "$version" >"$etc/counter/desktop.conf"
fi
printf 'prefix=%s\n' "$prefix" >"$etc/counter/install.conf"

say "Counter $version installed in $prefix (role: $role)"
case $role in
  window) say "start it from the menu (综合窗口) or with: counter" ;;
  kiosk | board | rate) say "counter-$role starts full screen when the desktop session starts" ;;
  central) say "enrol the counters next: docs/install.md" ;;
esac
