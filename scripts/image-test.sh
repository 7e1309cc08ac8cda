#!/usr/bin/env bash
# Builds the container image from the Dockerfile without Docker or a registry, and smoke-tests it.
#   scripts/image-test.sh arm64     Raspberry Pi image on an amd64 machine, run under qemu
#   scripts/image-test.sh amd64     the machine's own image
# Needs root (debootstrap, chroot, binfmt_misc) on Debian bookworm; installs what it lacks.
#
# 1. Bases: debian bookworm minbase root filesystems made with debootstrap (arm64 through
#    qemu-user-static and binfmt_misc), slimmed like debian:bookworm-slim and imported as local
#    images. The tarballs are cached in IMAGE_CACHE, so only the first run downloads them.
# 2. Image: `buildah bud` of the Dockerfile with those bases. Its build stage runs natively on
#    amd64 and cross-compiles, running the tests under qemu-user. Not `--platform linux/arm64`:
#    buildah 1.28 then looks for an arm64 variant of the build stage's local base too, ignoring
#    `FROM --platform=$BUILDPLATFORM`; TARGETARCH is passed instead, and the image takes its
#    architecture from its arm64 base.
# 3. Smoke test with `podman run` (a real OCI container, emulated for arm64): --version, the
#    architecture, `decode` of a real meter frame from ../shared/frames (skipped without it),
#    `simulate` into `run --replay` through a pipe, publishing to a mosquitto on a free
#    127.0.0.1 port, and the image's HEALTHCHECK going from unhealthy to healthy.
# It prints the time of each step and the image size.
#
# Environment: IMAGE_CACHE (default /var/cache/dlms2mqtt-image: outside the clone, so a fresh
# CI clone reuses it; holds the base tarballs and the image storage), IMAGE_TAG (default
# localhost/dlms2mqtt:ARCH), IMAGE_SAVE (a file to write the image to, for `docker load`),
# DEBIAN_MIRROR, DLMS2MQTT_SHARED_DIR (default ../shared).
#
# How podman and buildah are run here, and why: vfs storage (no overlay inside a container),
# chroot isolation for RUN steps, runc with cgroupfs (crun refuses a hybrid cgroup v1/v2 host),
# no default ulimits (raising them needs CAP_SYS_RESOURCE), host network. Everything this script
# mounts it unmounts, every process and container it starts it stops.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
arch="${1:-}"
case "$arch" in amd64 | arm64) ;; *) echo "usage: scripts/image-test.sh amd64|arm64" >&2; exit 2 ;; esac
host=$(dpkg --print-architecture)
if [ "$arch" != "$host" ] && [ "$host" != amd64 ]; then
  echo "image-test: an $arch image is built on amd64 only (this machine is $host)" >&2
  exit 2
fi
[ "$(id -u)" -eq 0 ] || { echo "image-test: needs root (debootstrap, chroot, binfmt_misc)" >&2; exit 2; }
cache="${IMAGE_CACHE:-/var/cache/dlms2mqtt-image}"
tag="${IMAGE_TAG:-localhost/dlms2mqtt:$arch}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
shared="${DLMS2MQTT_SHARED_DIR:-$(cd "$root/.." && pwd)/shared}"
export DEBIAN_FRONTEND=noninteractive
started=$(date +%s)
step() { echo "== image $arch: $* ($(( $(date +%s) - started )) s)"; }

work=$(mktemp -d /tmp/dlms2mqtt-image.XXXXXX)
chmod 755 "$work"
pids=()
containers=()
mounted_binfmt=no
cleanup() {
  local status=$?
  for c in "${containers[@]}"; do podman_ rm -f -t 5 "$c" >/dev/null 2>&1 || true; done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # debootstrap mounts /proc and /sys in the new root; an interrupted run can leave them.
  findmnt -rn -o TARGET | { grep "^$cache/tmp/" || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  [ "$mounted_binfmt" = no ] || umount /proc/sys/fs/binfmt_misc || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT INT TERM

printf '[containers]\ndefault_ulimits = []\n' >"$work/containers.conf"
export CONTAINERS_CONF="$work/containers.conf"
storage=(--root "$cache/storage" --runroot "$cache/run" --storage-driver vfs)
podman_() { podman "${storage[@]}" --runtime runc --cgroup-manager cgroupfs "$@"; }
buildah_() { buildah "${storage[@]}" "$@"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
packages() {
  step "packages"
  local missing=()
  for p in debootstrap buildah podman runc mosquitto mosquitto-clients; do installed "$p" || missing+=("$p"); done
  [ "$arch" = "$host" ] || for p in qemu-user-static binfmt-support; do installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# qemu-aarch64 for every arm64 program the kernel starts: debootstrap's second stage, the RUN
# steps of the arm64 stage, the daemon tests' child processes, the container itself. The entry
# has the F flag (qemu-user-static's), so it works inside chroots and containers too.
binfmt() {
  step "binfmt_misc qemu-aarch64"
  if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    mounted_binfmt=yes
  fi
  update-binfmts --enable qemu-aarch64 2>/dev/null || true
  grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null \
    || { echo "image-test: binfmt_misc has no enabled qemu-aarch64 entry (qemu-user-static)" >&2; exit 1; }
  grep -q '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 \
    || { echo "image-test: qemu-aarch64 is registered without the F flag: use qemu-user-static's entry" >&2; exit 1; }
}

# A local bookworm base image for $1, from a cached debootstrap tarball.
base_image() {
  local a="$1" name="localhost/dlms2mqtt-base:bookworm-$1"
  local tarball="$cache/bookworm-minbase-$a.tar" rootfs="$cache/tmp/rootfs-$a"
  if podman_ image exists "$name"; then echo "$name: present"; return 0; fi
  if [ ! -s "$tarball" ]; then
    step "debootstrap bookworm minbase $a"
    rm -rf "$rootfs"
    mkdir -p "$cache/tmp"
    debootstrap --variant=minbase --arch="$a" bookworm "$rootfs" "$mirror" >"$cache/tmp/debootstrap-$a.log" 2>&1 \
      || { tail -20 "$cache/tmp/debootstrap-$a.log" >&2; exit 1; }
    slim "$rootfs"
    tar -C "$rootfs" --numeric-owner -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
  fi
  step "import $name"
  podman_ import --arch "$a" --os linux --change 'CMD ["bash"]' "$tarball" "$name" >/dev/null
}

# What debian:bookworm-slim leaves out (documentation, manuals, translations), the security and
# updates suites, and no package lists or downloaded packages.
slim() {
  local r="$1"
  cat >"$r/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
  find "$r/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/locale/* "$r"/usr/share/lintian/*
  printf '%s\n' "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" >"$r/etc/apt/sources.list"
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb "$r"/var/log/*.log
}

build_image() {
  step "buildah bud for $arch"
  local t0=$(date +%s)
  buildah_ bud --pull=never --layers --format docker --isolation chroot --network host \
    --build-arg "TARGETARCH=$arch" \
    --build-arg BUILD_IMAGE=localhost/dlms2mqtt-base --build-arg "BUILD_TAG=bookworm-$host" \
    --build-arg BASE_IMAGE=localhost/dlms2mqtt-base --build-arg "BASE_TAG=bookworm-$arch" \
    -t "$tag" -f Dockerfile . 2>&1 | tee "$work/build.log" \
    | grep --line-buffered -v -E '^(Get:|Hit:|Preparing|Unpacking|Selecting|Setting up|Processing)'
  build_seconds=$(( $(date +%s) - t0 ))
  prune
}

# With vfs every layer is a full copy (about 3 GB a build): drop the untagged layers that this
# build did not use, keeping the ones a build of changed sources reuses (the packages).
prune() {
  local used id k keep
  # Step lines: "--> 3f2a9c1b0d4" (buildah prints 11 hex digits) or "--> Using cache <64 digits>".
  # A build whose log names none (grep's status 1) keeps nothing and is no failure under pipefail.
  used=$({ grep -oE '^--> (Using cache )?[0-9a-f]{8,}' "$work/build.log" || true; } | awk '{print $NF}')
  for id in $(podman_ images -q --no-trunc --filter dangling=true); do
    id=${id#sha256:}
    keep=no
    for k in $used; do [[ "$id" == "$k"* ]] && keep=yes; done
    [ "$keep" = yes ] || podman_ rmi "$id" >/dev/null 2>&1 || true
  done
  echo "image storage: $(du -sh "$cache/storage" | cut -f1) in $cache/storage"
}

# A free 127.0.0.1 port, and a mosquitto on it (as scripts/demo.sh does).
broker() {
  port=18830
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" >"$work/mosquitto.conf"
  mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0; sleep 0.1; done
  echo "image-test: mosquitto did not listen on 127.0.0.1:$port" >&2
  cat "$work/mosquitto.log" >&2
  exit 1
}

health_status() {
  podman_ inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Healthcheck.Status}}{{end}}' "$1"
}

fail() { echo "image-test: $*" >&2; for c in "${containers[@]}"; do podman_ logs "$c" 2>&1 | tail -20 >&2 || true; done; exit 1; }

smoke_test() {
  step "smoke test: podman run $tag"
  # One-shot containers without the health check: podman would try to schedule it with systemd.
  local t0=$(date +%s) run=(podman_ run --rm --network host --arch "$arch" --no-healthcheck)
  "${run[@]}" "$tag" --version
  local machine expected=x86_64
  [ "$arch" = arm64 ] && expected=aarch64
  machine=$("${run[@]}" --entrypoint uname "$tag" -m)
  [ "$machine" = "$expected" ] || fail "the container runs on $machine, not $expected"
  echo "container machine: $machine"

  # A real frame: Kamstrup OMNIPOWER (Denmark), published with its keys; read from ../shared at
  # run time, never copied into the repository.
  if [ -f "$shared/frames/corpus.jsonl" ]; then
    python3 - "$shared/frames/corpus.jsonl" "$work" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    f = json.loads(line)
    if f["id"] == "kamstrup-dk-radius-example-2020-01-07":
        open(sys.argv[2] + "/frame.hex", "w").write(f["hex"] + "\n")
        open(sys.argv[2] + "/frame.env", "w").write(
            "DLMS2MQTT_METER_ENCRYPTION_KEY=%s\nDLMS2MQTT_METER_AUTHENTICATION_KEY=%s\n" % (f["ek"], f["ak"]))
EOF
    chmod 644 "$work/frame.hex"
    local decoded
    decoded=$("${run[@]}" --env-file "$work/frame.env" -v "$work/frame.hex:/tmp/frame.hex:ro" "$tag" decode /tmp/frame.hex) \
      || fail "decode of the real Kamstrup frame failed"
    grep -q '"energy_import"' <<<"$decoded" || fail "decode of the real frame has no energy_import"
    echo "real Kamstrup frame decoded: $(grep -o '"energy_import".\{0,40\}' <<<"$decoded" | head -1)"
  else
    echo "decode of a real frame: skipped ($shared/frames not present)"
  fi

  broker
  # The meter: `simulate` in one container writes pushes every 2 s into a pipe that `run`, the
  # image's default command, reads in another (a pty would not cross containers).
  mkdir -m 755 "$work/meter" && mkfifo -m 666 "$work/meter/pipe"
  local name="dlms2mqtt-smoke-$$" sim="dlms2mqtt-smoke-sim-$$"
  containers+=("$name")
  # podman reports (on stderr) that it has no systemd to schedule the health check with; the
  # checks below run it by hand, as `docker` would every 30 s.
  podman_ run -d --name "$name" --arch "$arch" --network host -v "$work/meter:/meter:ro" \
    -e DLMS2MQTT_MQTT_HOST=127.0.0.1 -e DLMS2MQTT_MQTT_PORT="$port" \
    -e DLMS2MQTT_METER_ENCRYPTION_KEY=D3400000000000000000000000000064 \
    -e DLMS2MQTT_METER_AUTHENTICATION_KEY=D3400000000000000000000000000065 \
    -e DLMS2MQTT_METER_PUSH_INTERVAL=2 "$tag" run --replay /meter/pipe >/dev/null 2>"$work/podman.err" \
    || { cat "$work/podman.err" >&2; fail "the daemon container did not start"; }
  # No push yet: the image's health check must say so.
  if podman_ healthcheck run "$name" >/dev/null 2>&1; then fail "healthy before any push was decoded"; fi
  echo "health before the first push: $(health_status "$name") (check failed, as it should)"

  # The meter's state messages (the bridge's own state topic carries no readings).
  mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'dlms2mqtt/+/state' >"$work/states" 2>&1 &
  pids+=($!)
  containers+=("$sim")
  podman_ run -d --name "$sim" --arch "$arch" --network host --no-healthcheck -v "$work/meter:/meter" "$tag" \
    simulate --out /meter/pipe --interval 2 --count 60 >/dev/null
  local pushes=0
  for _ in $(seq 120); do
    pushes=$(grep -c '"energy_import"' "$work/states" || true)
    [ "$pushes" -ge 3 ] && break
    sleep 1
  done
  [ "$pushes" -ge 3 ] || fail "$pushes meter state messages on the broker within 120 s"
  echo "3 pushes published: $(grep -m1 '"energy_import"' "$work/states" | cut -c1-150)..."

  podman_ healthcheck run "$name" >/dev/null || fail "health check failed after pushes were decoded"
  local status
  status=$(health_status "$name")
  [ "$status" = healthy ] || fail "health status is '$status' after pushes were decoded"
  echo "health after pushes: $status"
  # The daemon stops on SIGTERM (it is PID 1 and handles it); simulate does not, so it is killed.
  podman_ rm -f -t 10 "$name" >/dev/null 2>&1
  podman_ rm -f -t 0 "$sim" >/dev/null 2>&1
  containers=()
  smoke_seconds=$(( $(date +%s) - t0 ))
}

packages
[ "$arch" = "$host" ] || binfmt
t0=$(date +%s)
base_image "$host"
[ "$arch" = "$host" ] || base_image "$arch"
base_seconds=$(( $(date +%s) - t0 ))
build_image
size=$(podman_ image inspect --format '{{.Size}}' "$tag")
smoke_test
if [ -n "${IMAGE_SAVE:-}" ]; then
  step "podman save $IMAGE_SAVE (for docker load)"
  podman_ save --format docker-archive -o "$IMAGE_SAVE" "$tag"
fi
step "done"
printf 'figures (%s, %s): bases %s s, image build %s s, image %s MB, smoke test %s s, total %s s\n' \
  "$arch" "$(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)" "$base_seconds" "$build_seconds" \
  "$(( size / 1000000 ))" "$smoke_seconds" "$(( $(date +%s) - started ))"
