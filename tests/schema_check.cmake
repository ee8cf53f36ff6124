# Runs a q4tune command (CMD, '|'-separated) that writes results under OUT,
# then validates every file matching OUT/<device-id>/GLOB against SCHEMA with
# VALIDATOR (run by PYTHON). At least one file must match.
string(REPLACE "|" ";" cmd "${CMD}")
file(REMOVE_RECURSE "${OUT}")
execute_process(COMMAND ${cmd} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT code STREQUAL "0")
    message(FATAL_ERROR "the command exited ${code}")
endif()
file(GLOB files "${OUT}/*/${GLOB}")
if(NOT files)
    message(FATAL_ERROR "nothing matches ${OUT}/*/${GLOB}")
endif()
execute_process(COMMAND "${PYTHON}" "${VALIDATOR}" "${SCHEMA}" ${files} RESULT_VARIABLE code)
if(NOT code STREQUAL "0")
    message(FATAL_ERROR "${files} do not validate against ${SCHEMA}")
endif()
