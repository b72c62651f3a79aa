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

# 2. The system libraries Qt loads (Debian package names; UOS and Kylin use the same).
declare -A qt_libs=(
  [libGL.so.1]=libgl1
  [libEGL.so.1]=libegl1
  [libfontconfig.so.1]=libfontconfig1
  [libxkbcommon.so.0]=libxkbcommon0
  [libglib-2.0.so.0]=libglib2.0-0
  [libdbus-1.so.3]=libdbus-1-3
  [libxkbcommon-x11.so.0]=libxkbcommon-x11-0
  [libxcb-cursor.so.0]=libxcb-cursor0
  [libxcb-icccm.so.4]=libxcb-icccm4
  [libxcb-keysyms.so.1]=libxcb-keysyms1
  [libxcb-shape.so.0]=libxcb-shape0
  [libxcb-xinerama.so.0]=libxcb-xinerama0
)
missing=()
if command -v ldconfig >/dev/null 2>&1 || [ -x /sbin/ldconfig ]; then
  known=$( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p) )
  for lib in "${!qt_libs[@]}"; do
    grep -q "$lib" <<<"$known" || missing+=("${qt_libs[$lib]}")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Qt system libraries: $packages"
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
  else
    say "Qt 需要以下系统库，请先运行 (Qt needs these system libraries):"
    say "  sudo apt-get install -y $packages"
    exit 1
  fi
fi

# 3. The fallback fonts for rare name characters (CJK Extensions A–H, GB 18030-2022):
# 22–51 MB each, so installed from Debian rather than bundled (docs/fonts.md). The
# paths are the ones counter/printing/font_files.py looks in.
declare -A font_files=(
  [/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf]=fonts-babelstone-han
  [/usr/share/fonts/truetype/hanazono/HanaMinA.ttf]=fonts-hanazono
  [/usr/share/fonts/truetype/hanazono/HanaMinB.ttf]=fonts-hanazono
  [/usr/share/fonts/truetype/arphic/uming.ttc]=fonts-arphic-uming
)
missing=()
for file in "${!font_files[@]}"; do
  [ -f "$file" ] || missing+=("${font_files[$file]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing rare-character fonts: $packages"
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
  else
    say "缺少生僻字字体，姓名中的生僻字将无法显示和打印。请运行 (rare-character fonts missing):"
    say "  sudo apt-get install -y $packages"
    if [ "$mode" = test ]; then exit 1; fi
  fi
fi

# 4. The virtual environment, reinstalled only when pyproject.toml changes.
if [ ! -x "$venv/bin/python" ]; then
  say "creating virtual environment in $venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
fi
extras=""
[ "$mode" = test ] && extras="[test]"
stamp="$venv/.counter-$mode-$(sha256sum "$repo/pyproject.toml" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  say "installing Counter and its dependencies ($mode)"
  "$venv/bin/python" -m pip install -q -e "$repo$extras"
  rm -f "$venv"/.counter-"$mode"-*
  touch "$stamp"
fi
