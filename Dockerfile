# dlms2mqtt container image: one statically linked binary in an otherwise empty image, for
# linux/amd64, linux/arm64, linux/arm/v7 and linux/arm/v6 (every Raspberry Pi, the Zero W included).
#   docker build -t dlms2mqtt .                                          (this machine's platform)
#   docker buildx build --platform linux/arm/v6 -t dlms2mqtt:armv6 .     (any of the four, on any)
#   docker compose -f docker/compose.yaml up -d
# Works with the classic builder (Debian's docker.io 20.10) as with BuildKit and buildah: no
# RUN --mount, no COPY --chmod, and no platform argument that only BuildKit sets is required.
#
# The build stage always runs on the build machine's own platform and cross-compiles
# (scripts/static-build.sh): minutes, not the hours of compiling under emulation. arm/v6 and
# arm/v7 get the same ARMv6 binary (Debian's armel port), so their build stages are one and the
# same in a layer cache. The stage ends with a smoke test of the binary (--version and five
# simulated pushes decoded), run by qemu-user on the oldest core the image is for (ARM1176,
# Cortex-A53): no binfmt_misc needed. The whole test suites are left to CI (scripts/test.sh,
# arm64-test.sh, armhf-test.sh), where they run once per commit and not once per image build,
# which under emulation would take most of an hour.
#
# The final stage is scratch with the binary, a CA bundle for TLS, /etc/passwd and /etc/group
# with the unprivileged user dlms2mqtt (uid 10001, also in group dialout, gid 20, for the serial
# port), a writable /tmp and the data folder owned by that user (docker/build.sh makes the tree).
#
# The build base is a build argument (name and tag apart), so that a machine without a registry
# can use a local one: scripts/image-test.sh makes it with debootstrap.

ARG BUILD_IMAGE=debian
ARG BUILD_TAG=bookworm

# BuildKit sets BUILDPLATFORM (buildah does when given --build-arg BUILDPLATFORM=...); the classic
# builder leaves it empty, and "linux" alone is then the daemon's own platform: a native build.
FROM --platform=${BUILDPLATFORM:-linux} ${BUILD_IMAGE}:${BUILD_TAG} AS build
# Set by BuildKit and buildah from --platform; empty with the classic builder (the native image).
ARG TARGETARCH
WORKDIR /src
COPY docker/build.sh docker/build.sh
COPY scripts/deps.sh scripts/static-build.sh scripts/
COPY cmake/static-linux.cmake cmake/static-linux.cmake
RUN docker/build.sh deps "$TARGETARCH"
COPY . .
RUN docker/build.sh build "$TARGETARCH"

FROM scratch
LABEL org.opencontainers.image.title="dlms2mqtt" \
      org.opencontainers.image.description="Smart meter DLMS/COSEM pushes to MQTT and Home Assistant"
COPY --from=build /image/root/ /
COPY --from=build --chown=10001:10001 /image/data/ /var/lib/

# Settings come from a mounted /etc/dlms2mqtt/config.yaml, from DLMS2MQTT_* variables, or both
# (the variables win). The daemon touches the health file on every decoded push; /tmp is
# writable by the user even with a read-only root filesystem and a tmpfs there. The live page,
# /metrics and the JSON API are off until DLMS2MQTT_HTTP_LISTEN is set, e.g. to 0.0.0.0:8780 with
# -p 8780:8780 (DLMS2MQTT_HTTP_TOKEN_FILE for a token); its files, Chart.js too, are in the binary.
ENV PATH=/usr/local/bin \
    DLMS2MQTT_HEALTH_FILE=/tmp/dlms2mqtt.health \
    DLMS2MQTT_CSV_DIRECTORY=/var/lib/dlms2mqtt/csv
VOLUME ["/var/lib/dlms2mqtt"]
USER dlms2mqtt
# Unhealthy after three checks in a row without a push decoded in the last minute (health.max_age).
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["dlms2mqtt", "health"]
ENTRYPOINT ["dlms2mqtt"]
CMD ["run"]
