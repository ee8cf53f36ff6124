# The static per-core model (scripts/predict.py): at build time, llvm-mca-19
# over each kernel's own compiled loop under every core of
# results/predicted/cores.json, into B/predicted/predicted.json (the
# predicted-v1 record q4tune predict reads, shipped in the bundle and in
# share/q4tune). This build's kernels are analysed in their own objects (its
# compiler); the other architecture's are compiled here by clang-19 with their
# group's flags, as the clang cross build compiles them (B/predicted/obj). Without LLVM 19 and
# Python the table is not made, and q4tune predict says so.
#
# q4t_predicted(DEF_FILE): defines Q4T_PREDICTED (the record's path, or empty)
# and the target predicted.
function(q4t_predicted def_file)
    find_program(Q4T_LLVM_MCA llvm-mca-19)
    find_program(Q4T_LLVM_OBJDUMP llvm-objdump-19)
    find_program(Q4T_CLANG19 clang-19)
    find_package(Python3 COMPONENTS Interpreter)
    set(Q4T_PREDICTED "" PARENT_SCOPE)
    if(NOT Q4T_LLVM_MCA OR NOT Q4T_LLVM_OBJDUMP OR NOT Q4T_CLANG19 OR NOT Python3_Interpreter_FOUND)
        message(STATUS "q4tune: no predicted tables (q4tune predict): needs llvm-mca-19, llvm-objdump-19, clang-19 "
                       "and python3 (scripts/deps cross installs them)")
        return()
    endif()
    execute_process(COMMAND "${Q4T_CLANG19}" --version OUTPUT_VARIABLE clang_version)
    string(REGEX MATCH "version ([0-9.]+)" _ "${clang_version}")
    set(clang_id "Clang ${CMAKE_MATCH_1}")
    string(TOUPPER "${CMAKE_BUILD_TYPE}" build_type)
    separate_arguments(base_flags UNIX_COMMAND "${CMAKE_C_FLAGS_${build_type}} -std=c17 -ffp-contract=off")

    set(dirs_x86_64 x86)
    set(dirs_aarch64 arm)
    set(dir "${PROJECT_BINARY_DIR}/predicted")
    file(MAKE_DIRECTORY "${dir}/obj")
    # The other architecture's kernels need its C headers here (Debian's
    # cross libc for aarch64 on an x86-64 host); without them, only this one's.
    if(Q4T_ARCH STREQUAL "x86_64")
        set(other aarch64)
    else()
        set(other x86_64)
    endif()
    file(WRITE "${dir}/probe.c" "#include <string.h>\n#include <stdint.h>\nint q4t_probe;\n")
    execute_process(COMMAND "${Q4T_CLANG19}" "--target=${other}-linux-gnu" -c "${dir}/probe.c" -o "${dir}/probe.o"
                    RESULT_VARIABLE other_ok OUTPUT_QUIET ERROR_QUIET)
    if(NOT other_ok EQUAL 0)
        message(STATUS "q4tune: the predicted table leaves out the ${other} kernels: clang-19 finds no ${other} C "
                       "headers here")
    endif()
    set(entries "")
    set(depends "")
    file(STRINGS "${def_file}" lines REGEX "^Q4T_KERNEL\\(")
    foreach(line IN LISTS lines)
        string(REGEX MATCH "^Q4T_KERNEL\\(([a-z0-9_]+), *([a-z0-9_]+), *([a-z0-9_]+)," _ "${line}")
        set(name "${CMAKE_MATCH_1}")
        set(arch "${CMAKE_MATCH_2}")
        set(group "${CMAKE_MATCH_3}")
        if(arch STREQUAL "any")
            continue() # the reference defines the answer, not a speed
        endif()
        if(arch STREQUAL Q4T_ARCH)
            if(NOT TARGET q4t_k_${name})
                continue() # left out of this build (its flags rejected), said at configure
            endif()
            string(APPEND entries "  {\"name\": \"${name}\", \"arch\": \"${arch}\", \"group\": \"${group}\", "
                   "\"compiler\": \"${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION}\", "
                   "\"object\": \"$<TARGET_OBJECTS:q4t_k_${name}>\"},\n")
            list(APPEND depends "$<TARGET_OBJECTS:q4t_k_${name}>")
        elseif(other_ok EQUAL 0)
            q4t_isa_group(${group} group_arch flags)
            set(src "${PROJECT_SOURCE_DIR}/kernels/${dirs_${arch}}/${name}.c")
            set(obj "${dir}/obj/${name}.o")
            add_custom_command(OUTPUT "${obj}"
                               COMMAND "${Q4T_CLANG19}" "--target=${arch}-linux-gnu" ${base_flags} ${flags}
                                       -MD -MF "${obj}.d" -c "${src}" -o "${obj}"
                               DEPFILE "${obj}.d" DEPENDS "${src}"
                               COMMENT "Compiling ${name} for ${arch} with clang-19 (the predicted table)")
            string(APPEND entries "  {\"name\": \"${name}\", \"arch\": \"${arch}\", \"group\": \"${group}\", "
                   "\"compiler\": \"${clang_id}\", \"object\": \"${obj}\"},\n")
            list(APPEND depends "${obj}")
        endif()
    endforeach()
    string(REGEX REPLACE ",\n$" "\n" entries "${entries}")
    file(GENERATE OUTPUT "${dir}/manifest.json" CONTENT "{\"kernels\": [\n${entries}]}\n")
    set(cores "${PROJECT_SOURCE_DIR}/results/predicted/cores.json")
    # The SME kernels' executed instructions per step (scripts/predict-sme),
    # where committed: they replace the static counts on cores at their SVL.
    set(sme_counts "${PROJECT_SOURCE_DIR}/results/predicted/sme-counts.json")
    set(sme_args "")
    if(EXISTS "${sme_counts}")
        set(sme_args --sme-counts "${sme_counts}")
        list(APPEND depends "${sme_counts}")
    endif()
    add_custom_command(OUTPUT "${dir}/predicted.json"
                       COMMAND "${CMAKE_COMMAND}" -E env "Q4T_LLVM_MCA=${Q4T_LLVM_MCA}"
                               "Q4T_LLVM_OBJDUMP=${Q4T_LLVM_OBJDUMP}"
                               "${Python3_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/scripts/predict.py" table
                               --manifest "${dir}/manifest.json" --cores "${cores}" --out "${dir}/predicted.json"
                               ${sme_args}
                       DEPENDS ${depends} "${cores}" "${PROJECT_SOURCE_DIR}/scripts/predict.py"
                               "${dir}/manifest.json"
                       COMMENT "Predicting every kernel on every core (llvm-mca)")
    add_custom_target(predicted ALL DEPENDS "${dir}/predicted.json")
    set(Q4T_PREDICTED "${dir}/predicted.json" PARENT_SCOPE)
endfunction()
