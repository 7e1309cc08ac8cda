dlms2mqtt_test(decoder_tests
  ${CMAKE_CURRENT_SOURCE_DIR}/decoder/corpus_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/decoder/framing_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/decoder/apdu_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/decoder/axdr_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/decoder/keys_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/decoder/robustness_test.cpp
)
