# The Debian package: CPack DEB with hand-written maintainer scripts (postinst, prerm, postrm) that
# do what debhelper's would. Built by scripts/deb-test.sh with DLMS2MQTT_DEB=ON and prefix /usr.
set(deb_dir ${PROJECT_SOURCE_DIR}/packaging/deb)
set(doc_dir ${CMAKE_INSTALL_DATADIR}/doc/dlms2mqtt)

# The conffile: the example as shipped (no keys). 0640 in the package; postinst gives it to group
# dlms2mqtt through dpkg-statoverride, which dpkg then keeps applying on upgrades.
install(FILES ${PROJECT_SOURCE_DIR}/config.yaml.example DESTINATION /etc/dlms2mqtt RENAME config.yaml
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)

# Debian policy 12.7: a copyright file and a compressed changelog in the doc folder; a manual page. gzip -n keeps
# the file the same from build to build (no name or time stamp).
find_program(DLMS2MQTT_GZIP gzip REQUIRED)
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/changelog.Debian.gz
                   COMMAND ${DLMS2MQTT_GZIP} -9nc ${deb_dir}/changelog > ${PROJECT_BINARY_DIR}/changelog.Debian.gz
                   DEPENDS ${deb_dir}/changelog VERBATIM)
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/dlms2mqtt.1.gz
                   COMMAND ${DLMS2MQTT_GZIP} -9nc ${deb_dir}/dlms2mqtt.1 > ${PROJECT_BINARY_DIR}/dlms2mqtt.1.gz
                   DEPENDS ${deb_dir}/dlms2mqtt.1 VERBATIM)
# The third-party notices (what the binary contains, their licences, relinking glibc): over 4 kB, so
# compressed too (policy 12.3). Its name is no licence file's, which lintian would flag as extra.
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/THIRD_PARTY_NOTICES.gz
                   COMMAND ${DLMS2MQTT_GZIP} -9nc ${PROJECT_SOURCE_DIR}/packaging/THIRD_PARTY_NOTICES > ${PROJECT_BINARY_DIR}/THIRD_PARTY_NOTICES.gz
                   DEPENDS ${PROJECT_SOURCE_DIR}/packaging/THIRD_PARTY_NOTICES VERBATIM)
add_custom_target(deb_docs ALL DEPENDS ${PROJECT_BINARY_DIR}/changelog.Debian.gz ${PROJECT_BINARY_DIR}/dlms2mqtt.1.gz
                                       ${PROJECT_BINARY_DIR}/THIRD_PARTY_NOTICES.gz)
install(FILES ${PROJECT_BINARY_DIR}/changelog.Debian.gz ${deb_dir}/copyright ${PROJECT_BINARY_DIR}/THIRD_PARTY_NOTICES.gz
        DESTINATION ${doc_dir})
install(FILES ${PROJECT_BINARY_DIR}/dlms2mqtt.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${deb_dir}/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME dlms2mqtt)

# The version in packaging/deb/changelog's first line is the package's: upstream-debian revision.
file(STRINGS ${deb_dir}/changelog deb_head LIMIT_COUNT 1)
string(REGEX MATCH "\\(([^)-]+)-([^)]+)\\)" _ "${deb_head}")
if(NOT CMAKE_MATCH_1 STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "packaging/deb/changelog is at ${CMAKE_MATCH_1}, the project at ${PROJECT_VERSION}: add a changelog entry")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dlms2mqtt)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_RELEASE ${CMAKE_MATCH_2})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # dlms2mqtt_0.1.0-1_arm64.deb
# CPack asks dpkg for the architecture, which is the build machine's: name the target's when
# cross-building (cmake/aarch64-linux-gnu.cmake).
if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR STREQUAL aarch64)
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
elseif(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR STREQUAL arm AND DLMS2MQTT_STATIC)
  # The static ARMv5TE binary (cmake/arm-linux-gnueabi-static.cmake) runs under Raspberry Pi OS's
  # armhf, on every Pi's core; armhf is the architecture those systems install.
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE armhf)
endif()
set(CPACK_PACKAGE_CONTACT "dlms2mqtt maintainers <maintainers@users.noreply.r-seed-a4478c34.example>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "smart meter DLMS/COSEM push messages to MQTT and Home Assistant")
set(CPACK_PACKAGE_DESCRIPTION
    "dlms2mqtt reads a smart electricity meter's encrypted DLMS/COSEM push\n"
    "messages from a serial port (the Kamstrup OMNIPOWER CCC port, Aidon, Kaifa,\n"
    "Landis+Gyr and other meters), decrypts and decodes them, and publishes the\n"
    "readings to MQTT with Home Assistant discovery, as UDP broadcasts and as\n"
    "daily CSV files. It can also serve a live web page with charts of the\n"
    "energy ledger, Prometheus metrics and a JSON API.\n"
    "\n"
    "The package runs it as a systemd service under the system user dlms2mqtt\n"
    "(in group dialout for the serial port) with the settings in\n"
    "/etc/dlms2mqtt/config.yaml.")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
# Library dependencies from the binary (dpkg-shlibdeps); adduser for the system user in postinst.
# A static binary has no library dependencies to find.
if(DLMS2MQTT_STATIC)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
else()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${deb_dir}/conffiles ${deb_dir}/postinst ${deb_dir}/prerm ${deb_dir}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
include(CPack)
