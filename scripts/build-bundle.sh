#!/usr/bin/env bash
# Builds Counter's offline installer: a folder and its .tar.gz holding the wheels of
# both distributions (the desktop `counter`, the central `counter-central`) and of all
# they depend on, the Debian packages Qt, the fonts and the voice need, install.sh and
# uninstall.sh (packaging/). Run it on a machine with internet (PyPI and a Debian 12
# mirror); the hall's PCs need none. docs/install.md describes the bundle.
#
#   scripts/build-bundle.sh                      x86_64, Python 3.11, into dist/
#   scripts/build-bundle.sh --arch x86_64,aarch64  arm64 wheels too, where PyPI has them
#   scripts/build-bundle.sh --wheels-from DIR --no-apt   no network at all (tests)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$repo/dist
wheels_from=""
use_apt=1
archive=1
arches=x86_64
pythons=()
glibc=2.36

say() { printf '[bundle] %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}
usage() {
  cat <<'EOF'
Usage: scripts/build-bundle.sh [options]

  --out DIR            where the bundle goes (default: dist/ in the repository)
  --wheels-from DIR    take every wheel from DIR, without a network: the dependencies, and
                       setuptools and wheel to build Counter's own two (a wheelhouse made
                       with `pip download`, or by packaging/wheels_from_venv.py)
  --no-apt             leave the Debian packages out (the target has them, or its mirror)
  --no-archive         the folder only, no .tar.gz
  --arch LIST          x86_64 (default), aarch64, or x86_64,aarch64: the wheels' machines.
                       The Debian packages are this machine's architecture only.
  --python-version V   the target's Python, e.g. 3.11 (default; Debian 12's), repeatable
  --glibc X.Y          the oldest glibc the wheels must run on (default 2.36: Debian 12;
                       2.28 for UOS 20 and Kylin V10 gets PySide6 6.9: docs/install.md)
Environment: PYTHON, the Python 3.11+ with pip that builds (default: the repository's
.venv, else python3).
EOF
}

while [ $# -gt 0 ]; do
  case $1 in
    --out) out=${2:?--out needs a value} && shift ;;
    --wheels-from) wheels_from=${2:?--wheels-from needs a value} && shift ;;
    --no-apt) use_apt=0 ;;
    --no-archive) archive=0 ;;
    --arch) arches=${2:?--arch needs a value} && shift ;;
    --python-version) pythons+=("${2:?--python-version needs a value}") && shift ;;
    --glibc) glibc=${2:?--glibc needs a value} && shift ;;
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
[ ${#pythons[@]} -gt 0 ] || pythons=(3.11)

python=${PYTHON:-}
if [ -z "$python" ]; then
  if [ -x "$repo/.venv/bin/python" ]; then python=$repo/.venv/bin/python; else python=python3; fi
fi
"$python" -c 'import sys; raise SystemExit(sys.version_info < (3, 11))' ||
  die "$python is older than Python 3.11"
"$python" -m pip --version >/dev/null || die "$python has no pip"

version=$("$python" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
  "$repo/pyproject.toml")
name=counter-bundle-$version
bundle=$out/$name
mkdir -p "$out"
out=$(cd "$out" && pwd)
bundle=$out/$name
rm -rf "$bundle" "$bundle.tar.gz"
mkdir -p "$bundle/wheels"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

pip=("$python" -m pip)
if [ -n "$wheels_from" ]; then
  [ -d "$wheels_from" ] || die "--wheels-from $wheels_from: no such folder"
  wheels_from=$(cd "$wheels_from" && pwd)
  # Nothing but DIR: not this machine's pip.conf, index or find-links either.
  pip=(env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT
    PIP_CONFIG_FILE=/dev/null "$python" -m pip)
  offline=(--no-index --find-links "$wheels_from")
else
  offline=()
fi

# 1. Counter's two wheels, from a clean copy of the sources (no stale build/ folders,
# nothing written into the working tree).
say "building counter and counter-central $version"
src=$work/src
mkdir -p "$src/packaging/central"
cp -r "$repo/counter" "$repo/resources" "$src/"
cp "$repo/pyproject.toml" "$repo/README.md" "$src/"
cp "$repo/packaging/central/pyproject.toml" "$src/packaging/central/"
find "$src" -name __pycache__ -prune -exec rm -rf {} +
"${pip[@]}" wheel -q --disable-pip-version-check --no-deps ${offline[@]+"${offline[@]}"} \
  -w "$bundle/wheels" "$src" "$src/packaging/central" 2>"$work/build.log" || {
  cat "$work/build.log" >&2
  die "building Counter's wheels failed"
}
own=("$bundle"/wheels/counter-"$version"-*.whl "$bundle"/wheels/counter_central-"$version"-*.whl)

# 2. Every dependency, as wheels only (no compiler on a hall's PC).
if [ -n "$wheels_from" ]; then
  say "taking the dependencies from $wheels_from"
  "${pip[@]}" download -q --disable-pip-version-check "${offline[@]}" -d "$bundle/wheels" "${own[@]}"
else
  IFS=, read -r -a arch_list <<<"$arches"
  for arch in "${arch_list[@]}"; do
    case $arch in x86_64 | aarch64) ;; *) die "--arch: x86_64 or aarch64, not $arch" ;; esac
    for py in "${pythons[@]}"; do
      say "downloading the dependencies for Python $py on $arch (glibc $glibc or newer)"
      # Every manylinux tag that runs on that glibc: pip takes each --platform literally.
      platforms=()
      for ((minor = ${glibc#*.}; minor >= 5; minor--)); do
        platforms+=(--platform "manylinux_2_${minor}_$arch")
      done
      platforms+=(--platform "manylinux2014_$arch")
      if [ "$arch" = x86_64 ]; then
        platforms+=(--platform manylinux2010_x86_64 --platform manylinux1_x86_64)
      fi
      # Into a folder of its own first: a set that cannot be completed leaves nothing.
      set_dir=$work/wheels-$arch-$py
      mkdir -p "$set_dir"
      if "${pip[@]}" download -q --disable-pip-version-check --only-binary=:all: \
        "${platforms[@]}" --implementation cp --python-version "$py" \
        -d "$set_dir" "${own[@]}"; then
        cp -n "$set_dir"/*.whl "$bundle/wheels/"
      else
        [ "$arch" = x86_64 ] && die "the x86_64 wheels could not all be had (above)"
        say "no complete set of $arch wheels for glibc $glibc and Python $py: $arch left out"
      fi
    done
  done
fi

# 3. The Debian packages (packaging/debian-packages.txt) and every package apt would add
# for them on a system that has only Debian's *required* packages (all a minimal install
# or a `debootstrap --variant=minbase` root is sure to have; no Python there). apt itself
# works that out, with this machine's package lists and an empty package database, so
# its choice among alternatives is the one it makes on the target. The folder is a
# local apt repository (debs/Packages): install.sh asks apt for the listed packages by
# name, and apt takes from it what that PC lacks, or needs newer, and nothing else.
would_install() { # packages → what apt installs for them on an empty system, one a line
  apt-get -s -q -o Dir::State::status="$work/no-packages" -o APT::Install-Recommends=false \
    -o APT::Install-Suggests=false install "$@" >"$work/simulated" 2>"$work/apt.log" || {
    cat "$work/apt.log" >&2
    die "apt cannot install $* on a bare Debian (above)"
  }
  awk '/^Inst / {print $2}' "$work/simulated" | sort -u
}
packages_index() { # folder: its .deb files' control fields, for apt (a "flat" repository)
  local deb
  for deb in "$1"/*/*.deb; do
    dpkg-deb -f "$deb"
    printf 'Filename: ./%s\n' "${deb#"$1"/}"
    printf 'Size: %s\n' "$(stat -c %s "$deb")"
    printf 'SHA256: %s\n\n' "$(sha256sum "$deb" | cut -d' ' -f1)"
  done
}
if [ "$use_apt" = 1 ]; then
  command -v apt-get >/dev/null || die "no apt-get here: build on Debian 12, or use --no-apt"
  list=$repo/packaging/debian-packages.txt
  apt-cache dumpavail | awk '/^Package:/ {p = $2} /^Priority: required$/ {print p}' |
    sort -u >"$work/required"
  [ -s "$work/required" ] || die "apt knows no packages: run apt-get update first"
  mapfile -t required <"$work/required"
  : >"$work/no-packages"
  cp "$work/required" "$work/taken"
  # python first: the central's PC installs that group only.
  for group in python desktop; do
    mapfile -t wanted < <(awk -v python="$([ "$group" = python ] && echo 1)" \
      '!/^#/ && NF && (($2 == "python") == (python == 1)) {print $1}' "$list" | sort -u)
    would_install "${required[@]}" "${wanted[@]}" | comm -23 - "$work/taken" >"$work/keep"
    mapfile -t keep <"$work/keep"
    sort -u -o "$work/taken" "$work/taken" "$work/keep"
    say "downloading ${#keep[@]} Debian package(s) for the $group"
    mkdir -p "$bundle/debs/$group"
    (cd "$bundle/debs/$group" && apt-get download -q "${keep[@]}" >/dev/null 2>"$work/apt.log") || {
      cat "$work/apt.log" >&2
      die "apt-get download failed (run apt-get update first?)"
    }
  done
  packages_index "$bundle/debs" >"$bundle/debs/Packages"
fi

# 4. The installer, its files, the docs, and what was built.
cp "$repo/packaging/install.sh" "$repo/packaging/uninstall.sh" "$repo/packaging/debian-packages.txt" \
  "$bundle/"
cp -r "$repo/packaging/files" "$bundle/files"
cp "$repo/docs/install.md" "$bundle/install.md"
chmod 755 "$bundle/install.sh" "$bundle/uninstall.sh"
echo "$version" >"$bundle/VERSION"
{
  echo "build=$(date -u +%Y%m%dT%H%M%SZ)"
  echo "commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "pythons=${pythons[*]}"
  echo "arches=$([ -n "$wheels_from" ] && uname -m || echo "$arches")"
  echo "glibc=$glibc"
  echo "debian=$([ "$use_apt" = 1 ] && dpkg --print-architecture || echo none)"
  # The release the .debs are from: install.sh uses them on that release only.
  if [ "$use_apt" = 1 ]; then
    awk -F= '$1 == "ID" {id = $2} $1 == "VERSION_ID" {v = $2} END {print "debian_release=" id "-" v}' \
      /etc/os-release | tr -d '"'
  fi
} >"$bundle/BUILD-INFO"
(cd "$bundle" && find . -type f ! -name SHA256SUMS -printf '%P\n' | sort | xargs -d '\n' sha256sum) \
  >"$work/SHA256SUMS"
mv "$work/SHA256SUMS" "$bundle/SHA256SUMS"

if [ "$archive" = 1 ]; then
  say "packing $bundle.tar.gz"
  if command -v pigz >/dev/null; then
    tar -C "$out" -cf - "$name" | pigz >"$bundle.tar.gz"
  else
    tar -C "$out" -czf "$bundle.tar.gz" "$name"
  fi
fi
say "done: $bundle ($(du -sh "$bundle" | cut -f1))"
