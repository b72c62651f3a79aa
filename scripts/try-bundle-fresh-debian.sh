#!/usr/bin/env bash
# Tries the offline bundle on a *fresh* Debian 12 the way a hall installs it: system-wide,
# as root, with the network off. A `debootstrap --variant=minbase` root (Debian's
# required packages and apt only: no Python, no Qt libraries, no fonts) gets the bundle,
# then install.sh --role central and --role window run in it with no --prefix, no
# --no-system and no --no-apt: the bundled .debs through apt, the central's user, /etc,
# /usr/share/applications, /etc/xdg/autostart. Then, still offline, the central is made
# and answers /v1/health over HTTPS on loopback, its user runs enrol-code and migrate,
# each station takes a screenshot (offscreen Qt) as an ordinary desktop user, the PC
# becomes the call board, and uninstall.sh and uninstall.sh --purge clean up.
#
#   sudo scripts/try-bundle-fresh-debian.sh               all of it, step by step
#   sudo scripts/try-bundle-fresh-debian.sh --keep        ... and keep the root to look at
#   sudo scripts/try-bundle-fresh-debian.sh root DIR      a fresh root in DIR only
#   sudo scripts/try-bundle-fresh-debian.sh bundle DIR    the bundle, built into DIR only
#   sudo scripts/try-bundle-fresh-debian.sh in DIR CMD…   CMD in the root DIR, offline
#
# Needs root, debootstrap, unshare and a Debian 12 build machine with internet (the
# bundle's .debs come from its apt sources; the wheels from the repository's .venv, as
# tests/test_bundle.py does, or COUNTER_WHEELHOUSE). The downloaded base system is kept
# in $COUNTER_FRESH_CACHE (default /var/cache/counter-fresh-debian, 42 MB), so a rerun
# downloads only the bundle's .debs. systemd does not run in a chroot: the service itself
# is not tried here (install.sh says so and tells how to start the central by hand).
# tests/test_fresh_install.py runs the same steps, each asserted.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${COUNTER_FRESH_CACHE:-/var/cache/counter-fresh-debian}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
#: The loopback port the central serves on inside the root's own network namespace.
port=8443

say() { printf '[fresh] %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

# --- On the build machine ---------------------------------------------------------

make_root() { # folder: a fresh Debian 12 minbase root there (42 MB download, once)
  local root=$1 tarball=$cache/$suite-minbase-amd64.tgz
  command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
  mkdir -p "$cache"
  if [ ! -s "$tarball" ]; then
    say "downloading Debian $suite (minbase) into $tarball"
    rm -rf "$cache/work"
    debootstrap --variant=minbase --arch=amd64 --make-tarball="$tarball.new" \
      "$suite" "$cache/work" "$mirror" >"$cache/make-tarball.log" 2>&1 || {
      tail -20 "$cache/make-tarball.log" >&2
      die "debootstrap could not download $suite from $mirror"
    }
    mv "$tarball.new" "$tarball"
  fi
  say "unpacking a fresh $suite root into $root"
  mkdir -p "$root"
  debootstrap --variant=minbase --arch=amd64 --unpack-tarball="$tarball" \
    "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
    tail -20 "$root.debootstrap.log" >&2
    die "debootstrap failed (log: $root.debootstrap.log)"
  }
  rm -f "$root.debootstrap.log"
  # debootstrap leaves the mirror's package lists; a hall's PC offline has none that
  # reach anything, and install.sh must not lean on them.
  rm -rf "$root"/var/lib/apt/lists/*_* "$root"/var/cache/apt/*.bin
}

build_bundle() { # folder: the bundle built into it (wheels offline, .debs from apt)
  local out=$1 wheelhouse=${COUNTER_WHEELHOUSE:-} python=${PYTHON:-$repo/.venv/bin/python}
  mkdir -p "$out"
  if [ -z "$wheelhouse" ]; then
    wheelhouse=$out/wheelhouse
    "$python" "$repo/packaging/wheels_from_venv.py" "$wheelhouse" "$repo/pyproject.toml" \
      "$repo/packaging/central/pyproject.toml" >/dev/null
  fi
  PYTHON=$python "$repo/scripts/build-bundle.sh" --wheels-from "$wheelhouse" --no-archive --out "$out"
  [ -n "${COUNTER_WHEELHOUSE:-}" ] || rm -rf "$wheelhouse"
}

mounted_under() { # folder: the mount points under it in this namespace, deepest first
  findmnt -rn -o TARGET | awk -v root="$1/" 'index($0, root) == 1' | sort -r
}

unmount_all() { # folder: nothing mounted under it any more, or a failure
  local target
  while read -r target; do umount -l "$target" || true; done < <(mounted_under "$1")
  [ -z "$(mounted_under "$1")" ]
}

remove_root() { # folder: removed, never through a mount left in it
  local root=$1
  [ -d "$root" ] || return 0
  unmount_all "$root" || die "still mounted under $root: not removed"
  rm -rf "$root"
}

in_root() { # folder, command…: the command as root in the root, network off
  local root=$1
  shift
  [ -x "$root/bin/sh" ] || die "$root is not a root file system"
  # A mount and network namespace of its own: /proc, /dev and /sys are mounted in it
  # only and vanish with it, whatever happens; the network has loopback alone.
  # shellcheck disable=SC2016 # expanded by the inner shell
  unshare --net --mount --propagation private -- /bin/bash -euc '
    root=$1
    shift
    # lo up (SIOCSIFFLAGS: IFF_UP | IFF_LOOPBACK) where iproute2 is missing.
    ip link set lo up 2>/dev/null || python3 -c "import fcntl, socket, struct
fcntl.ioctl(socket.socket(), 0x8914, struct.pack(\"16sH22x\", b\"lo\", 9))"
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -t sysfs sysfs "$root/sys"
    exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
  ' in-root "$root" "$@"
}

# --- Inside the root (this script copies itself in as /root/try-inside.sh) ---------

inside_central() { # the central made, served over HTTPS on loopback, /v1/health asked
  local data=/var/lib/counter-central server
  runuser -u counter-central -- counter-central init --data-dir "$data" >/dev/null
  # As the service runs it (its ExecStart), on loopback: HTTPS under the hall's CA.
  runuser -u counter-central -- counter-central serve --data-dir "$data" \
    --host 127.0.0.1 --port "$port" >/tmp/central.log 2>&1 &
  server=$!
  # The central's own Python asks (the root has no curl), trusting the hall's CA alone.
  if /opt/counter/central/bin/python - "$port" "$data/tls/ca.pem" <<'EOF'; then
import json, ssl, sys, time, urllib.request

url = f"https://127.0.0.1:{sys.argv[1]}/v1/health"
for _ in range(600):
    try:
        context = ssl.create_default_context(cafile=sys.argv[2])
        with urllib.request.urlopen(url, timeout=5, context=context) as answer:
            print(json.loads(answer.read())["status"])
            break
    except OSError:  # ssl.SSLError too; the CA file appears when serve has started
        time.sleep(0.2)
else:
    raise SystemExit(f"no answer from {url}")
EOF
    kill "$server"
    wait "$server" || true
  else
    kill "$server" 2>/dev/null || true
    cat /tmp/central.log >&2
    return 1
  fi
}

inside_station() { # launcher: it takes a screenshot as the desktop user "clerk"
  local launcher=$1
  id -u clerk >/dev/null 2>&1 || useradd --create-home --shell /bin/bash clerk
  runuser -u clerk -- env HOME=/home/clerk QT_QPA_PLATFORM=offscreen \
    "$launcher" --screenshot "/home/clerk/$launcher.png" >"/tmp/$launcher.log" 2>&1 || {
    cat "/tmp/$launcher.log" >&2
    return 1
  }
  head -c 4 "/home/clerk/$launcher.png" | grep -q PNG
  echo "/home/clerk/$launcher.png"
}

# --- All of it ----------------------------------------------------------------------

check() { # what, command…: runs it and says how it went
  local what=$1 start=$SECONDS
  shift
  if "$@"; then
    say "PASS $what ($((SECONDS - start)) s)"
  else
    say "FAIL $what ($((SECONDS - start)) s)"
    failed+=("$what")
  fi
}

file_has() { grep -q -- "$2" "$1"; }
no_file() { [ ! -e "$1" ]; }

all() { # the whole trial; --keep leaves the root
  local keep=$1 work root bundle
  [ "$(id -u)" = 0 ] || die "run as root (chroot, unshare, debootstrap)"
  work=$(mktemp -d /var/tmp/counter-fresh.XXXXXX)
  root=$work/root
  # shellcheck disable=SC2064 # the folders are fixed now
  if [ "$keep" = 1 ]; then
    trap "unmount_all '$root'" EXIT
  else
    trap "remove_root '$root'; rm -rf '$work'" EXIT
  fi
  failed=()
  check "a fresh Debian 12 root" make_root "$root"
  check "the bundle built" build_bundle "$root/root"
  bundle=$(ls -d "$root"/root/counter-bundle-*)
  bundle=/root/${bundle##*/}
  cp "$0" "$root/root/try-inside.sh"
  check "install.sh --role central, offline" in_root "$root" "$bundle/install.sh" --role central
  # A hardened root's umask must not leave the program unreadable to the clerks.
  check "install.sh --role window, offline, umask 077" in_root "$root" \
    sh -c "umask 077 && $bundle/install.sh --role window"
  check "the menu entry" file_has "$root/usr/share/applications/counter.desktop" \
    "Exec=/opt/counter/bin/counter"
  check "no autostart for a window" no_file "$root/etc/xdg/autostart/counter-kiosk.desktop"
  check "the counter-central user" file_has "$root/etc/passwd" "^counter-central:"
  check "its data folder" in_root "$root" \
    runuser -u counter-central -- test -O /var/lib/counter-central
  check "the central serves /v1/health" in_root "$root" /root/try-inside.sh inside-central
  check "enrol-code as the central's user" in_root "$root" \
    runuser -u counter-central -- counter-central enrol-code --kind window --window 1
  check "install.sh --role central again" in_root "$root" "$bundle/install.sh" --role central
  check "migrate as the central's user" in_root "$root" runuser -u counter-central -- \
    counter-central migrate --data-dir /var/lib/counter-central \
    --backup-dir /var/lib/counter-central/backups
  for launcher in counter counter-kiosk counter-board counter-rate; do
    check "$launcher --screenshot" in_root "$root" /root/try-inside.sh inside-station "$launcher"
  done
  check "install.sh --role board --screen 1" in_root "$root" \
    "$bundle/install.sh" --role board --screen 1
  check "the board's autostart" file_has "$root/etc/xdg/autostart/counter-board.desktop" \
    "Exec=/opt/counter/bin/counter-board"
  check "uninstall.sh" in_root "$root" /opt/counter/uninstall.sh
  check "the program gone" no_file "$root/opt/counter"
  check "data kept" test -f "$root/var/lib/counter-central/central.toml"
  check "uninstall.sh --purge" in_root "$root" "$bundle/uninstall.sh" --purge
  check "the data gone" no_file "$root/var/lib/counter-central"
  check "the user gone" in_root "$root" sh -c '! id counter-central'
  [ "$keep" = 0 ] || say "the root stays in $root: $0 in $root bash"
  if [ ${#failed[@]} -gt 0 ]; then die "failed: ${failed[*]}"; fi
  say "all passed ($SECONDS s)"
}

case ${1:-all} in
  all) all 0 ;;
  --keep) all 1 ;;
  root) make_root "${2:?root DIR}" ;;
  bundle) build_bundle "${2:?bundle DIR}" ;;
  remove) remove_root "${2:?remove DIR}" ;;
  in)
    root=${2:?in DIR COMMAND…}
    shift 2
    in_root "$root" "$@"
    ;;
  inside-central) inside_central ;;
  inside-station) inside_station "${2:?inside-station LAUNCHER}" ;;
  -h | --help) sed -n '2,24p' "$0" ;;
  *) die "unknown command: $1 (--help)" ;;
esac
