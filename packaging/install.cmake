# Install rules (`cmake --install build/release --strip`) and the Debian package (CPack DEB,
# built and tested by scripts/deb-test.sh). The binary's own rule is in bridge/CMakeLists.txt.
#
# A source install puts the unit in <prefix>/lib/systemd/system (/usr/local/lib/systemd/system,
# which systemd reads) and leaves /etc alone: the README's steps create the config once, so a
# reinstall never overwrites the keys. DLMS2MQTT_DEB=ON (prefix /usr) adds what only the package
# ships: the conffile /etc/dlms2mqtt/config.yaml, the Debian doc files and the maintainer scripts.
include(GNUInstallDirs)

option(DLMS2MQTT_DEB "Install and package for Debian (CPack DEB): conffile, maintainer scripts" OFF)
if(DLMS2MQTT_DEB)
  # bookworm's debhelper and deb-systemd-helper use /lib/systemd/system.
  set(DLMS2MQTT_UNIT_DIR /lib/systemd/system)
else()
  set(DLMS2MQTT_UNIT_DIR lib/systemd/system)
endif()

set(DLMS2MQTT_UNIT_EXEC "${CMAKE_INSTALL_FULL_BINDIR}/dlms2mqtt")
configure_file(${PROJECT_SOURCE_DIR}/packaging/dlms2mqtt.service.in ${PROJECT_BINARY_DIR}/dlms2mqtt.service @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/dlms2mqtt.service DESTINATION ${DLMS2MQTT_UNIT_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/config.yaml.example DESTINATION ${CMAKE_INSTALL_DATADIR}/dlms2mqtt)

if(NOT DLMS2MQTT_DEB)
  # The licence and the third-party notices (the package has them as its copyright file instead).
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/NOTICE ${PROJECT_SOURCE_DIR}/packaging/THIRD_PARTY_NOTICES
          DESTINATION ${CMAKE_INSTALL_DOCDIR})
  return()
endif()
include(${PROJECT_SOURCE_DIR}/packaging/deb/package.cmake)
