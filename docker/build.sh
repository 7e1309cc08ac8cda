#!/usr/bin/env bash
# The image's build stage: a statically linked dlms2mqtt for the image's platform
# (scripts/static-build.sh), and the whole file tree of the image around it in /image.
#   docker/build.sh deps ARCH    the compiler and the sysroot: a layer of their own, kept across
#                                source changes
#   docker/build.sh build ARCH   build and smoke-test the binary, then assemble /image
# ARCH is the image's TARGETARCH: amd64, arm64 or arm (arm/v6 and arm/v7 get the same ARMv6
# binary); empty (the classic builder) is the build machine's own.
#
# /image/root becomes the image's / and is owned by root; /image/data becomes /var/lib with the
# data folder owned by the unprivileged user dlms2mqtt (uid 10001, primary group dlms2mqtt 10001,
# also in group dialout, gid 20, for the serial port: the host's /dev/ttyS0 is root:dialout on
# Debian and Raspberry Pi OS alike).
set -euo pipefail
what="${1:-}"
arch="${2:-}"
if [ -z "$arch" ]; then
  case "$(dpkg --print-architecture)" in
    amd64) arch=amd64 ;;
    arm64) arch=arm64 ;;
    armel) arch=arm ;;
    armhf)
      # Debian builds its armel cross compiler for amd64, arm64, i386 and ppc64el machines only.
      echo "build: no compiler for the ARMv6 binary on a 32-bit ARM (armhf) machine; build the image on a PC:" \
        "docker buildx build --platform linux/arm/v7 (or linux/arm/v6) -t dlms2mqtt ." >&2
      exit 1 ;;
    *) echo "build: no image for $(dpkg --print-architecture)" >&2; exit 1 ;;
  esac
fi
case "$arch" in
  amd64 | arm64) target="$arch" ;;
  arm) target=armhf ;;
  *) echo "build: no image for $arch (amd64, arm64, arm/v6, arm/v7)" >&2; exit 1 ;;
esac
export JOBS="${JOBS:-2}" STATIC_BUILD_DIR=/src/build/static STATIC_SYSROOT=/opt/sysroot

case "$what" in
  deps)
    # ca-certificates: the CA bundle the image carries for TLS to the broker; tzdata: the time
    # zones, so that TZ places local midnight (CSV days, "energy today") as it does on a host.
    scripts/deps.sh --only ca-certificates tzdata
    scripts/static-build.sh "$target" --setup-only
    ;;
  build)
    scripts/static-build.sh "$target"
    ;;
  *) echo "usage: docker/build.sh deps|build [ARCH]" >&2; exit 2 ;;
esac
[ "$what" = build ] || exit 0

# The binary stripped and the licence files (LICENSE, NOTICE, THIRD_PARTY_NOTICES) as installed
# under /usr/local; the systemd unit and the second example are not wanted in a container.
rm -rf /image /tmp/install
DESTDIR=/tmp/install cmake --install "$STATIC_BUILD_DIR" --prefix /usr/local --strip >/dev/null
r=/image/root
install -d -m 755 "$r/usr/local/bin" "$r/usr/local/share/doc" "$r/etc/dlms2mqtt" "$r/etc/ssl/certs" \
  "$r/usr/lib/ssl" "$r/var/lib"
install -d -m 1777 "$r/tmp"
install -m 755 /tmp/install/usr/local/bin/dlms2mqtt "$r/usr/local/bin/dlms2mqtt"
[ ! -d /tmp/install/usr/local/share/doc/dlms2mqtt ] || cp -r /tmp/install/usr/local/share/doc/dlms2mqtt "$r/usr/local/share/doc/"
install -m 644 config.yaml.example "$r/etc/dlms2mqtt/config.yaml.example"

# Debian's CA bundle, where Debian keeps it; OpenSSL's default paths (OPENSSLDIR /usr/lib/ssl, as
# in Debian's libssl the binary is linked with) lead to it, so a broker with a certificate from a
# public CA needs no mqtt.tls.ca_file.
install -m 644 /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
ln -s /etc/ssl/certs/ca-certificates.crt "$r/usr/lib/ssl/cert.pem"
ln -s /etc/ssl/certs "$r/usr/lib/ssl/certs"
# The time zones, without the right/ (leap seconds) and posix/ copies: with TZ=Europe/Copenhagen
# the daemon's local time is the host's; without zoneinfo glibc would silently take UTC.
install -d -m 755 "$r/usr/share/zoneinfo"
tar -C /usr/share/zoneinfo --exclude=./right --exclude=./posix --exclude=./localtime -cf - . | tar -C "$r/usr/share/zoneinfo" -xf -
# The copyright files of what the image holds: the CA bundle and the libraries in the binary
# (glibc, GCC's runtime and libstdc++ from the compiler's packages, the rest from the sysroot:
# cpp-httplib's and Paho C++'s from their source packages), and Chart.js, which the binary holds
# for the live page (libjs-chart.js of this stage, which static-build.sh installs).
for doc in /usr/share/doc/ca-certificates /usr/share/doc/tzdata /usr/share/doc/libc6-dev* /usr/share/doc/libgcc-12-dev* \
  /usr/share/doc/libstdc++-12-dev* /usr/share/doc/libjs-chart.js "$STATIC_SYSROOT"/usr/share/doc/*; do
  [ -f "$doc/copyright" ] || continue
  install -D -m 644 "$doc/copyright" "$r/usr/share/doc/$(basename "$doc")/copyright"
done

# The users and groups (no shell, no password), and name lookups from files, then DNS.
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
  'dlms2mqtt:x:10001:10001:dlms2mqtt:/var/lib/dlms2mqtt:/sbin/nologin' >"$r/etc/passwd"
printf '%s\n' 'root:x:0:' 'dialout:x:20:dlms2mqtt' 'dlms2mqtt:x:10001:' >"$r/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$r/etc/nsswitch.conf"
chmod 644 "$r/etc/passwd" "$r/etc/group" "$r/etc/nsswitch.conf"

install -d -m 750 /image/data/dlms2mqtt /image/data/dlms2mqtt/csv
echo "build: /image for $arch: $(du -sh "$r" | cut -f1), dlms2mqtt $(stat -c %s "$r/usr/local/bin/dlms2mqtt") bytes"
