#!/usr/bin/env bash
# Builds the container image from the Dockerfile without Docker or a registry, and smoke-tests it.
#   scripts/image-test.sh amd64     linux/amd64
#   scripts/image-test.sh arm64     linux/arm64     (Raspberry Pi 3, 4, 5 with a 64-bit OS)
#   scripts/image-test.sh armv7     linux/arm/v7    (Raspberry Pi 2, 3, 4, 5 with a 32-bit OS)
#   scripts/image-test.sh armv6     linux/arm/v6    (Raspberry Pi Zero W and 1)
# On an amd64 machine (the ARM images run under qemu-user); needs root (debootstrap, chroot,
# binfmt_misc) on Debian bookworm; installs what it lacks.
#
# 1. Build base: a debian bookworm minbase root filesystem for this machine made with
#    debootstrap, slimmed like debian:bookworm-slim and imported as a local image. The tarball is
#    cached in IMAGE_CACHE, so only the first run downloads it. The image's own stage is scratch.
# 2. Image: `buildah bud --platform linux/...` of the Dockerfile with that base. BUILDPLATFORM is
#    passed: buildah 1.28 does not set it, and would otherwise look for the target's variant of
#    the local build base. buildah 1.28 records arm/v6 as arm/v7: the variant is then set again.
# 3. Smoke test with `podman run` (a real OCI container; the ARM ones emulated by qemu-user
#    through binfmt_misc on the matching core, QEMU_CPU: arm1176 for v6, cortex-a7 for v7,
#    cortex-a53 for arm64): the image's platform, user, files and binary; --version; `decode` of
#    a real meter frame from ../shared/frames (skipped without it); `simulate` into
#    `run --replay` through a pipe, publishing to a mosquitto on a free 127.0.0.1 port and
#    writing CSV as the unprivileged user into the data volume; the image's HEALTHCHECK going
#    from unhealthy to healthy; and TLS to a mosquitto on 127.0.0.1 with a throw-away CA put in
#    place of the image's CA bundle, with no mqtt.tls.ca_file: the default trust store is the bundle.
# It prints the time of each step and the image size.
#
# Environment: IMAGE_CACHE (default /var/cache/dlms2mqtt-image: outside the clone, so a fresh
# CI clone reuses it; holds the base tarball and the image storage), IMAGE_TAG (default
# localhost/dlms2mqtt:ARCH), IMAGE_SAVE (a file to write the image to, for `docker load`),
# DEBIAN_MIRROR, DLMS2MQTT_SHARED_DIR (default ../shared), JOBS (default 2).
#
# How podman and buildah are run here, and why: vfs storage (no overlay inside a container),
# chroot isolation for RUN steps, runc with cgroupfs (crun refuses a hybrid cgroup v1/v2 host),
# no default ulimits (raising them needs CAP_SYS_RESOURCE), host network. Everything this script
# mounts it unmounts, every process and container it starts it stops.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
arch="${1:-}"
# The platform, podman's --arch and --variant, qemu's core, and the binary's ELF machine.
case "$arch" in
  amd64) platform=linux/amd64 parch=amd64 variant="" cpu="" machine=X86-64 ;;
  arm64) platform=linux/arm64 parch=arm64 variant="" cpu=cortex-a53 machine=AArch64 ;;
  armv7) platform=linux/arm/v7 parch=arm variant=v7 cpu=cortex-a7 machine=ARM ;;
  armv6) platform=linux/arm/v6 parch=arm variant=v6 cpu=arm1176 machine=ARM ;;
  *) echo "usage: scripts/image-test.sh amd64|arm64|armv7|armv6" >&2; exit 2 ;;
esac
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
podman_cmd=(podman "${storage[@]}" --runtime runc --cgroup-manager cgroupfs)
podman_() { "${podman_cmd[@]}" "$@"; }
buildah_() { buildah "${storage[@]}" "$@"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
packages() {
  step "packages"
  local missing=()
  for p in debootstrap buildah podman runc mosquitto mosquitto-clients openssl binutils; do
    installed "$p" || missing+=("$p")
  done
  [ "$arch" = "$host" ] || for p in qemu-user-static binfmt-support; do installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# qemu-user for every program of the image the kernel starts: the container's and the health
# check's. The entry has the F flag (qemu-user-static's), so it works inside containers too; the
# container's QEMU_CPU chooses the core.
binfmt() {
  local entry=qemu-aarch64
  [ "$parch" = arm ] && entry=qemu-arm
  step "binfmt_misc $entry"
  if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    mounted_binfmt=yes
  fi
  update-binfmts --enable "$entry" 2>/dev/null || true
  grep -qx enabled "/proc/sys/fs/binfmt_misc/$entry" 2>/dev/null \
    || { echo "image-test: binfmt_misc has no enabled $entry entry (qemu-user-static)" >&2; exit 1; }
  grep -q '^flags: .*F' "/proc/sys/fs/binfmt_misc/$entry" \
    || { echo "image-test: $entry is registered without the F flag: use qemu-user-static's entry" >&2; exit 1; }
}

# The local bookworm build base for this machine, from a cached debootstrap tarball.
base_image() {
  local a="$host" name="localhost/dlms2mqtt-base:bookworm-$host"
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
  step "buildah bud --platform $platform"
  local t0
  t0=$(date +%s)
  buildah_ bud --pull=never --layers --format docker --isolation chroot --network host \
    --platform "$platform" --build-arg "BUILDPLATFORM=linux/$host" \
    --build-arg BUILD_IMAGE=localhost/dlms2mqtt-base --build-arg "BUILD_TAG=bookworm-$host" \
    -t "$tag" -f Dockerfile . 2>&1 | tee "$work/build.log" \
    | grep --line-buffered -v -E '^(Get:|Hit:|Preparing|Unpacking|Selecting|Setting up|Processing)'
  local recorded
  recorded=$(buildah_ inspect --format '{{.Docker.Architecture}}{{.Docker.Variant}}' "$tag")
  if [ "$recorded" != "$parch$variant" ]; then
    # The image again with the right variant: a container of it committed, no file changed.
    echo "buildah recorded the platform as $recorded: setting $parch $variant"
    local c
    c=$(buildah_ from --pull=never "$tag")
    buildah_ config --arch "$parch" --variant "$variant" "$c"
    buildah_ commit --quiet --format docker --rm "$c" "$tag" >/dev/null
  fi
  build_seconds=$(( $(date +%s) - t0 ))
  prune
}

# With vfs every layer is a full copy: drop the untagged layers that this build did not use,
# keeping the ones a build of changed sources reuses (the compiler and the sysroot).
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

# A mosquitto on a free 127.0.0.1 port (set in $port), with extra configuration lines.
broker() {
  local name="$1" p=18830
  shift
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  { printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$p"; printf '%s\n' "$@"; } >"$work/$name.conf"
  mosquitto -c "$work/$name.conf" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; return 0; fi
    sleep 0.1
  done
  echo "image-test: mosquitto did not listen on 127.0.0.1:$p" >&2
  cat "$work/$name.log" >&2
  exit 1
}

health_status() {
  podman_ inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Healthcheck.Status}}{{end}}' "$1"
}

fail() { echo "image-test: $*" >&2; for c in "${containers[@]}"; do podman_ logs "$c" 2>&1 | tail -20 >&2 || true; done; exit 1; }

# The image as built: platform, user, health check, and its files.
inspect_image() {
  step "image $tag"
  local got m
  got=$(buildah_ inspect --format '{{.Docker.OS}}/{{.Docker.Architecture}}/{{.Docker.Variant}}' "$tag")
  [ "${got%/}" = "$platform" ] || fail "the image is for $got, not $platform"
  [ "$(buildah_ inspect --format '{{.Docker.Config.User}}' "$tag")" = dlms2mqtt ] || fail "the image does not run as dlms2mqtt"
  buildah_ inspect --format '{{.Docker.Config.Healthcheck.Test}}' "$tag" | grep -q 'dlms2mqtt health' \
    || fail "the image has no health check running 'dlms2mqtt health'"
  m=$(podman_ image mount "$tag")
  readelf -h "$m/usr/local/bin/dlms2mqtt" | grep -Eq "Machine: .*\b$machine\$" || fail "the binary is not for $machine"
  ! readelf -l "$m/usr/local/bin/dlms2mqtt" | grep -q INTERP || fail "the binary is not statically linked"
  [ "$(stat -c '%u %a' "$m/var/lib/dlms2mqtt")" = "10001 750" ] || fail "/var/lib/dlms2mqtt: $(stat -c '%u %a' "$m/var/lib/dlms2mqtt")"
  [ "$(stat -c '%a' "$m/tmp")" = 1777 ] || fail "/tmp is not writable by everyone"
  if ! grep -q '^dlms2mqtt:x:10001:10001:' "$m/etc/passwd" || ! grep -qx 'dialout:x:20:dlms2mqtt' "$m/etc/group"; then
    fail "/etc/passwd or /etc/group lack the user dlms2mqtt in group dialout"
  fi
  grep -q 'BEGIN CERTIFICATE' "$m/etc/ssl/certs/ca-certificates.crt" || fail "no CA bundle"
  echo "$got, user dlms2mqtt, health check; static $machine binary of $(stat -c %s "$m/usr/local/bin/dlms2mqtt") bytes;" \
    "CA bundle of $(grep -c 'BEGIN CERTIFICATE' "$m/etc/ssl/certs/ca-certificates.crt") certificates; the files:"
  (cd "$m" && find . -mindepth 1 ! -type d ! -path './usr/share/doc/*' ! -path './usr/share/zoneinfo/*' -printf '  /%P %s\n' | sort)
  [ -f "$m/usr/share/zoneinfo/Europe/Copenhagen" ] || fail "no time zones in /usr/share/zoneinfo"
  echo "  and $(find "$m/usr/share/doc" -type f | wc -l) copyright files in /usr/share/doc," \
    "$(find "$m/usr/share/zoneinfo" -type f | wc -l) time zone files ($(du -sh "$m/usr/share/zoneinfo" | cut -f1)) in /usr/share/zoneinfo"
  podman_ image unmount "$tag" >/dev/null
}

smoke_test() {
  step "smoke test: podman run $tag${cpu:+ (qemu-user, core $cpu)}"
  local t0
  t0=$(date +%s)
  platform_args=(--arch "$parch")
  [ -z "$variant" ] || platform_args+=(--variant "$variant")
  cpu_env=()
  [ -z "$cpu" ] || cpu_env=(-e "QEMU_CPU=$cpu")
  # One-shot containers without the health check: podman would try to schedule it with systemd.
  run=(podman_ run --rm --network host "${platform_args[@]}" "${cpu_env[@]}" --no-healthcheck)
  "${run[@]}" "$tag" --version
  if [ -n "$cpu" ]; then
    # The core really is the one named: qemu-user takes QEMU_CPU from the container's environment.
    if podman_ run --rm --network host "${platform_args[@]}" -e QEMU_CPU=no-such-core --no-healthcheck "$tag" --version \
      >/dev/null 2>&1; then
      fail "QEMU_CPU does not reach qemu-user: the core is not chosen"
    fi
    echo "qemu-user runs the container on the core QEMU_CPU names ($cpu; an unknown name fails)"
  fi

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

  broker plain
  # The meter: `simulate` in one container writes pushes every 2 s into a pipe that `run`, the
  # image's default command, reads in another (a pty would not cross containers).
  mkdir -m 755 "$work/meter" && mkfifo -m 666 "$work/meter/pipe"
  local name="dlms2mqtt-smoke-$$" sim="dlms2mqtt-smoke-sim-$$"
  containers+=("$name")
  # podman reports (on stderr) that it has no systemd to schedule the health check with; the
  # checks below run it by hand, as `docker` would every 30 s. The CSV files go to the image's
  # volume, which only the user dlms2mqtt can write.
  podman_ run -d --name "$name" "${platform_args[@]}" "${cpu_env[@]}" --network host -v "$work/meter:/meter:ro" \
    -e DLMS2MQTT_MQTT_HOST=127.0.0.1 -e DLMS2MQTT_MQTT_PORT="$port" -e DLMS2MQTT_CSV_ENABLED=true \
    -e DLMS2MQTT_METER_ENCRYPTION_KEY=D3400000000000000000000000000064 \
    -e DLMS2MQTT_METER_AUTHENTICATION_KEY=D3400000000000000000000000000065 \
    -e DLMS2MQTT_METER_PUSH_INTERVAL=2 -e TZ=Europe/Copenhagen "$tag" run --replay /meter/pipe >/dev/null 2>"$work/podman.err" \
    || { cat "$work/podman.err" >&2; fail "the daemon container did not start"; }
  # No push yet: the image's health check must say so.
  if podman_ healthcheck run "$name" >/dev/null 2>&1; then fail "healthy before any push was decoded"; fi
  echo "health before the first push: $(health_status "$name") (check failed, as it should)"
  # The daemon's process (qemu-user's, for an emulated image) runs as the user, in dialout.
  local pid
  pid=$(podman_ inspect --format '{{.State.Pid}}' "$name")
  if ! grep -Eq '^Uid:\s+10001\s' "/proc/$pid/status" || ! grep -Eq '^Groups:.*\b20\b' "/proc/$pid/status"; then
    fail "the daemon does not run as uid 10001 in group 20: $(grep -E '^(Uid|Gid|Groups)' "/proc/$pid/status")"
  fi
  echo "daemon process: $(grep -E '^(Uid|Groups)' "/proc/$pid/status" | tr -s '\t\n' '  ')"

  # The meter's state messages (the bridge's own state topic carries no readings).
  mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'dlms2mqtt/+/state' >"$work/states" 2>&1 &
  pids+=($!)
  containers+=("$sim")
  podman_ run -d --name "$sim" "${platform_args[@]}" "${cpu_env[@]}" --network host --no-healthcheck \
    -v "$work/meter:/meter" "$tag" simulate --out /meter/pipe --interval 2 --count 60 >/dev/null
  local pushes=0
  for _ in $(seq 120); do
    pushes=$(grep -c '"energy_import"' "$work/states" || true)
    [ "$pushes" -ge 3 ] && break
    sleep 1
  done
  [ "$pushes" -ge 3 ] || fail "$pushes meter state messages on the broker within 120 s"
  echo "3 pushes published: $(grep -m1 '"energy_import"' "$work/states" | cut -c1-150)..."
  # Kamstrup's clock says "offset not specified": the state gives it the local offset of TZ, which
  # needs the image's zoneinfo (without it glibc takes UTC, +00:00).
  grep -Eq '"meter_clock":"[^"]*\+0[12]:00"' "$work/states" ||
    fail "TZ=Europe/Copenhagen is not applied (no zoneinfo?): $(grep -o '"meter_clock":"[^"]*"' "$work/states" | head -n 1)"
  echo "TZ=Europe/Copenhagen applied: $(grep -o '"meter_clock":"[^"]*"' "$work/states" | head -n 1)"

  podman_ healthcheck run "$name" >/dev/null || fail "health check failed after pushes were decoded"
  local status
  status=$(health_status "$name")
  [ "$status" = healthy ] || fail "health status is '$status' after pushes were decoded"
  echo "health after pushes: $status"
  podman_ cp "$name:/var/lib/dlms2mqtt/csv" "$work/csv"
  local lines
  lines=$(cat "$work"/csv/* 2>/dev/null | wc -l)
  [ "$lines" -ge 2 ] || fail "no CSV written to /var/lib/dlms2mqtt/csv"
  echo "CSV written by the user into the data volume: $(cd "$work/csv" && ls) ($lines lines)"
  # The daemon stops on SIGTERM (it is PID 1 and handles it); simulate does not, so it is killed.
  podman_ rm -f -t 10 "$name" >/dev/null 2>&1
  podman_ rm -f -t 0 "$sim" >/dev/null 2>&1
  containers=()

  tls_test
  smoke_seconds=$(( $(date +%s) - t0 ))
}

# TLS with the default trust store: a throw-away CA, mounted over the image's CA bundle, signs the
# broker's certificate for 127.0.0.1; the daemon, given no mqtt.tls.ca_file, must trust it there.
tls_test() {
  local d="$work/tls"
  mkdir -m 755 "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=dlms2mqtt image test CA' \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$d/ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 1 \
    -extfile "$d/ext" -out "$d/server.crt" 2>/dev/null
  chmod 644 "$d"/*
  broker tls "cafile $d/ca.crt" "certfile $d/server.crt" "keyfile $d/server.key"
  mosquitto_sub -h 127.0.0.1 -p "$port" --cafile "$d/ca.crt" -v -t 'dlms2mqtt/+/state' >"$work/tls-states" 2>&1 &
  pids+=($!)
  install -m 666 /dev/null "$work/meter/tls.bin"
  "${run[@]}" -v "$work/meter:/meter" "$tag" simulate --out /meter/tls.bin --count 3 --fast
  local status=0 name="dlms2mqtt-smoke-tls-$$"
  containers+=("$name")
  timeout 180 "${podman_cmd[@]}" run --rm --name "$name" --network host "${platform_args[@]}" "${cpu_env[@]}" \
    --no-healthcheck -v "$d/ca.crt:/etc/ssl/certs/ca-certificates.crt:ro" -v "$work/meter:/meter:ro" \
    -e DLMS2MQTT_MQTT_HOST=127.0.0.1 -e DLMS2MQTT_MQTT_PORT="$port" -e DLMS2MQTT_MQTT_TLS_ENABLED=true \
    -e DLMS2MQTT_METER_ENCRYPTION_KEY=D3400000000000000000000000000064 \
    -e DLMS2MQTT_METER_AUTHENTICATION_KEY=D3400000000000000000000000000065 \
    "$tag" run --replay /meter/tls.bin --fast >"$work/tls-run.log" 2>&1 || status=$?
  sleep 1
  local pushes
  pushes=$(grep -c '"energy_import"' "$work/tls-states" || true)
  if [ "$status" -ne 0 ] || [ "$pushes" -ne 3 ]; then
    tail -20 "$work/tls-run.log" >&2
    fail "TLS with the image's trust store: exit $status, $pushes of 3 pushes published"
  fi
  echo "TLS to 127.0.0.1:$port verified through the default trust store (/etc/ssl/certs/ca-certificates.crt): 3 pushes published"
}

packages
[ "$arch" = "$host" ] || binfmt
t0=$(date +%s)
base_image
base_seconds=$(( $(date +%s) - t0 ))
build_image
size=$(podman_ image inspect --format '{{.Size}}' "$tag")
inspect_image
smoke_test
if [ -n "${IMAGE_SAVE:-}" ]; then
  step "podman save $IMAGE_SAVE (for docker load)"
  podman_ save --format docker-archive -o "$IMAGE_SAVE" "$tag"
fi
step "done"
printf 'figures (%s, %s): base %s s, image build %s s, image %s bytes (%s MB), smoke test %s s, total %s s\n' \
  "$arch" "$(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)" "$base_seconds" "$build_seconds" \
  "$size" "$(( (size + 500000) / 1000000 ))" "$smoke_seconds" "$(( $(date +%s) - started ))"
