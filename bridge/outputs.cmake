# The UDP broadcast and the daily CSV files: the outputs the old Python scripts had.
add_library(dlms_bridge_outputs STATIC
  ${CMAKE_CURRENT_LIST_DIR}/energy_guard.cpp
  ${CMAKE_CURRENT_LIST_DIR}/energy_today.cpp
  ${CMAKE_CURRENT_LIST_DIR}/udp_sink.cpp
  ${CMAKE_CURRENT_LIST_DIR}/csv_sink.cpp
  ${CMAKE_CURRENT_LIST_DIR}/safe_file.cpp
)
target_include_directories(dlms_bridge_outputs PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(dlms_bridge_outputs PUBLIC dlms_decoder ha_discovery nlohmann_json::nlohmann_json)
