#!/usr/bin/env bash
# Checks that the Debian package is reproducible: the same commit, built twice in two different
# folders with the same SOURCE_DATE_EPOCH, gives byte-identical .deb files.
#   scripts/deb-reproducible.sh [ARCH]    amd64 (the default, as in CI), arm64 or armhf
# The first build is scripts/deb-test.sh's folder, build/deb-ARCH (reused when CI's deb-test step
# has just built it: only cpack runs again); the second is build/deb-ARCH-again, a path of another
# length, built with umask 077, another time zone and another locale. Both are built by
# `DEB_TEST_BUILD_ONLY=1 scripts/deb-test.sh` (RelWithDebInfo, Debian's flags, no tests), so what
# is compared is what deb-test.sh ships.
# Prints both sha256 sums; when they differ, the differing ar members and files, then fails.
# Environment: JOBS (default 2), SOURCE_DATE_EPOCH (default the commit's time), REPRO_FIRST_DIR,
# REPRO_SECOND_DIR (the two build folders).
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir="$PWD"
arch="${1:-amd64}"
case "$arch" in amd64 | arm64 | armhf) ;; *) echo "usage: scripts/deb-reproducible.sh [amd64|arm64|armhf]" >&2; exit 2 ;; esac
first="${REPRO_FIRST_DIR:-$root_dir/build/deb-$arch}"
second="${REPRO_SECOND_DIR:-$root_dir/build/deb-$arch-again}"
[ "$first" != "$second" ] || { echo "deb-reproducible: the two build folders are the same" >&2; exit 2; }
started=$(date +%s)
step() { echo "== deb reproducible: $* ($(( $(date +%s) - started )) s)"; }

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null) ||
    SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l packaging/deb/changelog -STimestamp)
fi
export SOURCE_DATE_EPOCH

debs=()
for dir in "$first" "$second"; do
  step "build in $dir"
  mkdir -p "$dir"
  # The second build runs with another umask, time zone and locale, which must not matter either.
  vary=()
  [ "$dir" = "$second" ] && vary=(env TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 sh -c 'umask 077 && exec "$@"' sh)
  DEB_TEST_BUILD_ONLY=1 DEB_TEST_BUILD_DIR="$dir" "${vary[@]}" scripts/deb-test.sh "$arch" >"$dir.log" 2>&1 ||
    { tail -30 "$dir.log" >&2; echo "deb-reproducible: the build in $dir failed (log: $dir.log)" >&2; exit 1; }
  grep -E '^(built|SOURCE_DATE_EPOCH=)' "$dir.log"
  debs+=("$(ls "$dir"/dlms2mqtt_*_"$arch".deb)")
done

step "compare"
sha256sum "${debs[@]}"
if cmp -s "${debs[0]}" "${debs[1]}"; then
  echo "reproducible: the two packages are identical"
  exit 0
fi

# What differs: the ar members (debian-binary, control.tar.*, data.tar.*) and, in each tarball,
# the listings (names, modes, owners, times) and the files' contents.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in 0 1; do
  mkdir -p "$work/$i/ar" "$work/$i/control" "$work/$i/data"
  (cd "$work/$i/ar" && ar x "${debs[$i]}")
  ar tv "${debs[$i]}" >"$work/$i/ar.list"
  for t in control data; do
    tarball=$(ls "$work/$i/ar/$t".tar.*)
    tar -tvf "$tarball" --full-time >"$work/$i/$t.list"
    tar -xf "$tarball" -C "$work/$i/$t"
  done
done
echo "not reproducible: ${debs[0]} and ${debs[1]} differ" >&2
diff "$work/0/ar.list" "$work/1/ar.list" >&2 || true
for m in "$work"/0/ar/*; do
  m=$(basename "$m")
  cmp -s "$work/0/ar/$m" "$work/1/ar/$m" || echo "ar member $m differs" >&2
done
for t in control data; do
  diff "$work/0/$t.list" "$work/1/$t.list" >&2 || true
  (cd "$work/0/$t" && find . -type f | sort) | while read -r f; do
    cmp -s "$work/0/$t/$f" "$work/1/$t/$f" || echo "$t: $f differs" >&2
  done
done
if command -v diffoscope >/dev/null; then
  diffoscope --text - "${debs[0]}" "${debs[1]}" 2>/dev/null | head -80 >&2 || true
else
  echo "(install diffoscope-minimal for a detailed comparison: diffoscope ${debs[*]})" >&2
fi
exit 1
