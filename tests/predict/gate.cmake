# Recomputes the predicted table (scripts/predict.py table: every kernel of
# MANIFEST on every core of CORES, into DIR) and runs the gate against
# BASELINE: fails when a kernel's cycles per step on a core got more than 2%
# worse. With SLOW=KERNEL, that kernel's loop gets one extra instruction
# dependent on its last multiply-accumulate, and the gate must fail.
file(REMOVE_RECURSE "${DIR}")
set(slow "")
if(SLOW)
    set(slow --slow-down "${SLOW}")
endif()
execute_process(COMMAND "${PYTHON}" "${PREDICT}" table --manifest "${MANIFEST}" --cores "${CORES}"
                        --out "${DIR}/predicted.json" ${slow} RESULT_VARIABLE code)
if(NOT code STREQUAL "0")
    message(FATAL_ERROR "scripts/predict.py table exited ${code}")
endif()
execute_process(COMMAND "${PYTHON}" "${PREDICT}" gate "${BASELINE}" "${DIR}/predicted.json" RESULT_VARIABLE code
                OUTPUT_VARIABLE out)
message("${out}")
if(SLOW)
    if(code STREQUAL "0" OR NOT out MATCHES "worse: [a-z0-9_]+/[a-z0-9-]+/${SLOW}/")
        message(FATAL_ERROR "the gate did not catch ${SLOW} slowed by one dependent instruction")
    endif()
    message("the gate caught ${SLOW} slowed by one dependent instruction, as it must")
elseif(NOT code STREQUAL "0")
    message(FATAL_ERROR "the gate failed")
endif()
