# dlms2mqtt container image.
#   docker build -t dlms2mqtt .
#   docker compose -f docker/compose.yaml up -d
# The first stage builds the release binary and runs the whole test suite against it, so an
# image is only produced from code whose tests pass. The second stage holds the binary and its
# runtime libraries only, and runs as the unprivileged user dlms2mqtt (uid 10001, also in group
# dialout for the serial port: the host's /dev/ttyS0 is root:dialout, gid 20, on Debian and
# Raspberry Pi OS alike).

FROM debian:bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        g++ cmake make pkg-config \
        libssl-dev libpaho-mqtt-dev libpaho-mqttpp-dev nlohmann-json3-dev libyaml-cpp-dev doctest-dev \
        mosquitto ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The release preset with its tests switched on: the binary that ships is the one tested. The
# MQTT tests start their own mosquitto on 127.0.0.1; the tests of the meter captures in
# ../shared report themselves skipped, as that folder is not in the build context.
RUN cmake --preset release -DDLMS2MQTT_BUILD_TESTS=ON \
    && cmake --build --preset release \
    && ctest --test-dir build/release --output-on-failure --timeout 300 -j 2 \
    && cmake --install build/release --prefix /usr/local --strip

FROM debian:bookworm-slim
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
COPY --from=build /usr/local/bin/dlms2mqtt /usr/local/bin/dlms2mqtt
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
