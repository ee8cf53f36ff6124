# Disassembles OBJ with OBJDUMP and checks that every pattern of INSNS (space-
# separated, each matched from an instruction's mnemonic on) occurs in it.
# Words OBJDUMP cannot decode (bookworm's GNU objdump prints SME2 instructions
# as ".inst 0x... ; undefined") make it disassemble again with llvm-objdump-19,
# and say so.
function(disassemble objdump out)
    execute_process(COMMAND "${objdump}" -d --no-show-raw-insn "${OBJ}" RESULT_VARIABLE rc OUTPUT_VARIABLE text
                    ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${objdump} -d ${OBJ} failed: ${err}")
    endif()
    set(${out} "${text}" PARENT_SCOPE)
endfunction()
disassemble("${OBJDUMP}" text)
string(REGEX MATCHALL "[:][ \t]+[.]inst[ \t]" undecoded "${text}")
list(LENGTH undecoded undecoded)
if(undecoded GREATER 0)
    find_program(LLVM_OBJDUMP NAMES llvm-objdump-19)
    if(NOT LLVM_OBJDUMP)
        message(FATAL_ERROR "${OBJDUMP} cannot decode ${undecoded} instructions of ${OBJ} (SME2?) and there is no "
                            "llvm-objdump-19 to try (scripts/deps cross installs it)")
    endif()
    message("${OBJDUMP} cannot decode ${undecoded} instructions (SME2?): disassembling with ${LLVM_OBJDUMP}")
    disassemble("${LLVM_OBJDUMP}" text)
endif()
string(REPLACE ";" "," text "${text}")
string(REPLACE "\n" ";" lines "${text}")
separate_arguments(patterns UNIX_COMMAND "${INSNS}")
set(missing "")
foreach(pattern IN LISTS patterns)
    set(hits ${lines})
    list(FILTER hits INCLUDE REGEX ":[ \t]+${pattern}") # GNU objdump: a tab; llvm-objdump: spaces too
    list(LENGTH hits count)
    if(count EQUAL 0)
        list(APPEND missing "${pattern}")
    else()
        list(GET hits 0 first)
        string(STRIP "${first}" first)
        message("${pattern}: ${count} instructions, e.g. ${first}")
    endif()
endforeach()
if(missing)
    message(FATAL_ERROR "${OBJ}: no instruction matches ${missing}")
endif()
