#!/usr/bin/env bash
# Installs what is missing for Counter on this machine, then leaves an up-to-date
# virtual environment in $COUNTER_VENV (default: .venv in the repository).
# Usage: scripts/bootstrap.sh [run|test]
set -euo pipefail

mode=${1:-run}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${COUNTER_VENV:-$repo/.venv}

say() { printf '[counter] %s\n' "$*" >&2; }

# 1. Python 3.11 or newer.
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; raise SystemExit(sys.version_info < (3, 11))' 2>/dev/null; then
      python=$candidate
      break
    fi
  done
fi
if [ -z "$python" ]; then
  say "需要 Python 3.11 或更新版本 (Python 3.11+ is required)."
  say "Debian/Ubuntu/UOS/Kylin: sudo apt-get install -y python3 python3-venv"
  exit 1
fi
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  pkg="python3-venv"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing $pkg"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
  else
    say "缺少 Python venv 模块。请运行: sudo apt-get install -y $pkg"
    exit 1
  fi
fi

# 2. The Debian packages (UOS and Kylin use the same names): one list, which the offline
# bundle reads too (packaging/debian-packages.txt). Qt's libraries are needed to start;
# the rare-character fonts (docs/fonts.md) and the call board's Mandarin voice
# (espeak-ng, docs/board-voice.md) to print and to speak: without root they are asked
# for, and the tests require them.
known_libs=$( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null) || true)
installed() { # a library's soname (as ldconfig knows it), a path, or - (nothing to check)
  case $1 in
    -) return 0 ;;
    /*) [ -e "$1" ] ;;
    *) grep -qF "$1" <<<"$known_libs" ;;
  esac
}
declare -A missing=()
while read -r package group probe _; do
  case $package in '' | '#'*) continue ;; esac
  [ "$group" = python ] && continue # step 1 saw to Python
  installed "$probe" || missing[$group]+=" $package"
done <"$repo/packaging/debian-packages.txt"

apt_install() { # what they are for, then the package names; false if not root
  local what=$1 packages
  shift
  packages=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing $what: $packages"
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
    return 0
  fi
  say "  sudo apt-get install -y $packages"
  return 1
}
if [ -n "${missing[qt]:-}" ]; then
  # shellcheck disable=SC2086
  apt_install "Qt system libraries" ${missing[qt]} || {
    say "Qt 需要以上系统库，请先安装 (Qt needs these system libraries)."
    exit 1
  }
fi
optional="${missing[fonts]:-}${missing[voice]:-}${missing[printing]:-}"
if [ -n "$optional" ]; then
  # shellcheck disable=SC2086
  apt_install "rare-character fonts, the board's voice and USB printing" $optional || {
    say "缺少生僻字字体、叫号语音或 USB 打印库：姓名中的生僻字将无法显示和打印，叫号屏不能播报，"
    say "USB 小票打印机不能使用。请如上安装"
    say "(rare-character fonts, the call board's voice or libusb are missing: install them as above)."
    if [ "$mode" = test ]; then exit 1; fi
  }
fi

# 3. The virtual environment, reinstalled only when a pyproject.toml changes.
if [ ! -x "$venv/bin/python" ]; then
  say "creating virtual environment in $venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
fi
extras=""
[ "$mode" = test ] && extras="[test]"
# Both distributions, editable: the desktop (pyproject.toml) and the central
# (packaging/central/pyproject.toml), from the same counter/ folder (docs/install.md).
stamp="$venv/.counter-$mode-$(cat "$repo/pyproject.toml" "$repo/packaging/central/pyproject.toml" |
  sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  say "installing Counter and its dependencies ($mode)"
  # One after the other: a venv from before the split has a `counter` that owned the
  # counter-central launcher, and upgrading it in the same pip run as counter-central
  # removed the launcher counter-central had just written.
  "$venv/bin/python" -m pip install -q -e "$repo$extras"
  "$venv/bin/python" -m pip install -q -e "$repo/packaging/central"
  rm -f "$venv"/.counter-"$mode"-*
  touch "$stamp"
fi
