# The one-way include rule of the architecture, for every layer: each folder below names the
# folders it may include from, and any other project include is a violation. Every target exports
# the project root, so the compiler would not stop a wrong include: this check does. Run by CTest
# (cmake -P).
#
#   decoder/ <- ha_discovery/ <- bridge/        decoder/ <- simulator/ (frame builders, the meter)
#   inside bridge/: config <- record <- outputs <- ledger <- mqtt, http <- core <- commands; only commands runs
#   the simulator. bridge/outputs/ renders the record without Home Assistant's naming: nothing of
#   ha_discovery/.
cmake_minimum_required(VERSION 3.25)  # policies for script mode (IN_LIST)

set(layers decoder ha_discovery simulator
           bridge/config bridge/record bridge/outputs bridge/ledger bridge/mqtt bridge/http bridge/core
           bridge/commands)
set(may_include_decoder         decoder)
set(may_include_ha_discovery    decoder ha_discovery)
set(may_include_simulator       decoder simulator)
set(may_include_bridge/config   decoder ha_discovery bridge/config)
set(may_include_bridge/record   decoder ha_discovery bridge/config bridge/record)
set(may_include_bridge/outputs  decoder bridge/config bridge/record bridge/outputs)
set(may_include_bridge/ledger   decoder bridge/config bridge/record bridge/outputs bridge/ledger)
set(may_include_bridge/mqtt     decoder ha_discovery bridge/config bridge/record bridge/outputs bridge/ledger bridge/mqtt)
set(may_include_bridge/http     decoder ha_discovery bridge/config bridge/record bridge/outputs bridge/ledger bridge/http)
set(may_include_bridge/core     decoder ha_discovery bridge/config bridge/record bridge/outputs bridge/ledger bridge/mqtt
                                bridge/http bridge/core)
set(may_include_bridge/commands decoder ha_discovery simulator bridge/config bridge/record
                                bridge/outputs bridge/ledger bridge/mqtt bridge/http bridge/core bridge/commands)

# A folder under bridge/ that no rule names has no place in the order yet: it must get one.
file(GLOB bridge_dirs LIST_DIRECTORIES true RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/bridge/*")
set(broken "")
foreach(dir IN LISTS bridge_dirs)
  if(IS_DIRECTORY "${SOURCE_DIR}/${dir}" AND NOT dir IN_LIST layers)
    list(APPEND broken "${dir}/: a folder with no place in the layer order (add it to test/architecture.cmake)")
  endif()
endforeach()

foreach(layer IN LISTS layers)
  file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/${layer}/*.cpp" "${SOURCE_DIR}/${layer}/*.hpp")
  foreach(f IN LISTS files)
    file(STRINGS "${SOURCE_DIR}/${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(l IN LISTS lines)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]*)\".*$" "\\1" header "${l}")
      set(allowed FALSE)
      foreach(root IN LISTS may_include_${layer})
        string(FIND "${header}" "${root}/" at)
        if(at EQUAL 0)
          set(allowed TRUE)
        endif()
      endforeach()
      if(allowed)
        continue()
      endif()
      list(JOIN may_include_${layer} ", " allowed_roots)
      list(APPEND broken "${f}: #include \"${header}\" (${layer}/ may include ${allowed_roots})")
    endforeach()
  endforeach()
endforeach()

if(broken)
  list(JOIN broken "\n  " text)
  message(FATAL_ERROR "includes against the one-way layer rule:\n  ${text}")
endif()
message(STATUS "include rule kept by every layer: ${layers}")
