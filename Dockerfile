# dlms2mqtt container image.
#   docker build -t dlms2mqtt .
#   docker buildx build --platform linux/arm64 -t dlms2mqtt .     (a Raspberry Pi image, on amd64)
#   docker compose -f docker/compose.yaml up -d
# The first stage builds the release binary and runs the whole test suite against it, so an
# image is only produced from code whose tests pass. It runs on the build machine's own
# architecture: for an arm64 image on amd64 it cross-compiles and runs the tests under qemu-user
# (docker/build.sh), minutes instead of the hours of compiling under emulation. On a Pi itself
# the stage compiles natively, which is slow there: better build on a PC and copy the image.
# The second stage holds the binary and its runtime libraries only, and runs as the unprivileged
# user dlms2mqtt (uid 10001, also in group dialout for the serial port: the host's /dev/ttyS0 is
# root:dialout, gid 20, on Debian and Raspberry Pi OS alike).
#
# The two base images are build arguments (name and tag apart), so that a machine without a
# registry can use local ones: scripts/image-test.sh makes them with debootstrap.

ARG BUILD_IMAGE=debian
ARG BUILD_TAG=bookworm
ARG BASE_IMAGE=debian
ARG BASE_TAG=bookworm-slim

# BuildKit and buildah set BUILDPLATFORM; the classic builder (docker.io 20.10's default) leaves it
# empty, and "linux" alone is then the daemon's own platform: a native build. The classic builder
# still stops at the RUN --mount below ("the --mount option requires BuildKit").
FROM --platform=${BUILDPLATFORM:-linux} ${BUILD_IMAGE}:${BUILD_TAG} AS build
# Set by BuildKit and buildah from --platform; empty with the classic builder (native build).
ARG TARGETARCH
WORKDIR /src
COPY docker/build.sh docker/build.sh
RUN docker/build.sh deps "$TARGETARCH"
COPY . .
# ccache's files persist across builds of changed sources (BuildKit and buildah cache mounts).
RUN --mount=type=cache,target=/root/.cache/ccache docker/build.sh build "$TARGETARCH"

FROM ${BASE_IMAGE}:${BASE_TAG}
LABEL org.opencontainers.image.title="dlms2mqtt" \
      org.opencontainers.image.description="Smart meter DLMS/COSEM pushes to MQTT and Home Assistant"
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpaho-mqttpp3-1 libpaho-mqtt1.3 libssl3 libyaml-cpp0.7 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 dlms2mqtt \
    && useradd --system --uid 10001 --gid dlms2mqtt --groups dialout --no-create-home \
        --home-dir /var/lib/dlms2mqtt --shell /usr/sbin/nologin dlms2mqtt \
    && install -d -m 755 /etc/dlms2mqtt \
    && install -d -m 750 -o dlms2mqtt -g dlms2mqtt /var/lib/dlms2mqtt /var/lib/dlms2mqtt/csv
COPY --from=build /out/usr/local/bin/dlms2mqtt /usr/local/bin/dlms2mqtt
COPY config.yaml.example /etc/dlms2mqtt/config.yaml.example

# Settings come from a mounted /etc/dlms2mqtt/config.yaml, from DLMS2MQTT_* variables, or both
# (the variables win). The daemon touches the health file on every decoded push; /tmp is
# writable by the user even with a read-only root filesystem and a tmpfs there.
ENV DLMS2MQTT_HEALTH_FILE=/tmp/dlms2mqtt.health \
    DLMS2MQTT_CSV_DIRECTORY=/var/lib/dlms2mqtt/csv
VOLUME ["/var/lib/dlms2mqtt"]
USER dlms2mqtt
# Unhealthy after three checks in a row without a push decoded in the last minute (health.max_age).
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["dlms2mqtt", "health"]
ENTRYPOINT ["dlms2mqtt"]
CMD ["run"]
