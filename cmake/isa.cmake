# Per-ISA compile-flag groups and the kernel list.
#
# One group per ISA token of registry.def. A kernel file gets exactly the flags
# of its group, nothing else in the program gets any, so the binary runs on any
# CPU of its architecture and picks kernels at run time.
#
#   token        architecture  flags
set(Q4T_ISA_GROUPS
    "ref         any           "
    "neon        aarch64       -march=armv8-a"
    "sdot        aarch64       -march=armv8.2-a+dotprod"
    "i8mm        aarch64       -march=armv8.2-a+dotprod+i8mm"
    "sve         aarch64       -march=armv8.2-a+sve"
    "sve_i8mm    aarch64       -march=armv8.2-a+sve+i8mm"
    "sme         aarch64       -march=armv8.2-a" # SME only in asm (.arch_extension sme); no SVE: SME CPUs may lack it
    "sme2        aarch64       -march=armv8.2-a" # as sme; SME2 as .inst encodings (kernels/arm/sme2_common.h)
    "avx2        x86_64        -mavx2 -mfma -mf16c"
    "avxvnni     x86_64        -mavx2 -mfma -mf16c -mavxvnni"
    "avx512      x86_64        -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl"
    "avx512vnni  x86_64        -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni"
)

include(CheckCSourceCompiles)

# Assembler probes: a group whose kernels hold inline assembly beyond what its
# flags enable has a program here that must also build (with the group's
# flags), or its kernels are left out. SME2: a luti4, written as the SME2
# kernels write it, between smstart and smstop.
set(Q4T_ISA_PROBE_sme2 [==[
#include "@PROJECT_SOURCE_DIR@/kernels/arm/sme2_common.h"
int main(void)
{
    register const uint32_t *lut __asm__("x0") = sme2_lut_q4;
    __asm__ volatile(".arch_extension sme; smstart; " SME2_LDR_ZT0(0) SME2_LUTI4_X2(0, 2) SME2_ZERO_ZT0 "smstop"
                     :
                     : "r"(lut)
                     : "memory");
    return 0;
}
]==])
set(Q4T_ISA_PROBE_WHAT_sme2 "SME2 (luti4, as kernels/arm/sme2_common.h writes it)")

# q4t_isa_group(TOKEN ARCH_VAR FLAGS_VAR): the architecture and flags of a token.
function(q4t_isa_group token arch_var flags_var)
    foreach(row IN LISTS Q4T_ISA_GROUPS)
        string(REGEX MATCH "^([a-z0-9_]+) +([a-z0-9_]+) *(.*)$" _ "${row}")
        if(CMAKE_MATCH_1 STREQUAL token)
            set(${arch_var} "${CMAKE_MATCH_2}" PARENT_SCOPE)
            separate_arguments(_flags UNIX_COMMAND "${CMAKE_MATCH_3}")
            set(${flags_var} "${_flags}" PARENT_SCOPE)
            return()
        endif()
    endforeach()
    message(FATAL_ERROR "registry.def: unknown ISA group '${token}'")
endfunction()

# q4t_isa_buildable(TOKEN OK_VAR REASON_VAR): whether this compiler (and
# assembler, by the group's probe) builds the group's flags, and if not why.
function(q4t_isa_buildable token ok_var reason_var)
    q4t_isa_group(${token} group_arch flags)
    string(REPLACE ";" " " shown "${flags}")
    string(MAKE_C_IDENTIFIER "Q4T_CC_HAS_${token}" has_flags)
    set(CMAKE_REQUIRED_FLAGS "${shown}")
    check_c_source_compiles("int main(void) { return 0; }" ${has_flags})
    set(reason "rejects ${shown}")
    if(${has_flags} AND DEFINED Q4T_ISA_PROBE_${token})
        string(CONFIGURE "${Q4T_ISA_PROBE_${token}}" probe @ONLY)
        string(MAKE_C_IDENTIFIER "Q4T_AS_HAS_${token}" has_flags)
        check_c_source_compiles("${probe}" ${has_flags})
        set(reason "cannot assemble ${Q4T_ISA_PROBE_WHAT_${token}} with ${shown}")
    endif()
    set(${ok_var} ${${has_flags}} PARENT_SCOPE)
    set(${reason_var} "${reason}" PARENT_SCOPE)
endfunction()

# q4t_registry_source(STEM ARCH TOKEN SRC_VAR FLAGS_VAR OK_VAR REASON_VAR): the
# source file kernels/<arch dir>/STEM.c of a registry entry and its group's
# flags; OK_VAR is "other-arch" for an entry of another architecture, else
# whether the group builds here (q4t_isa_buildable).
function(q4t_registry_source stem arch token src_var flags_var ok_var reason_var)
    if(NOT arch STREQUAL "any" AND NOT arch STREQUAL Q4T_ARCH)
        set(${ok_var} "other-arch" PARENT_SCOPE)
        return()
    endif()
    q4t_isa_group(${token} group_arch flags)
    if(NOT group_arch STREQUAL arch)
        message(FATAL_ERROR "registry.def: ${stem} is for ${arch} but ISA group ${token} is for ${group_arch}")
    endif()
    set(dirs_any ref)
    set(dirs_x86_64 x86)
    set(dirs_aarch64 arm)
    set(src "${CMAKE_CURRENT_SOURCE_DIR}/kernels/${dirs_${arch}}/${stem}.c")
    if(NOT EXISTS "${src}")
        message(FATAL_ERROR "registry.def: ${stem} has no source file ${src}")
    endif()
    q4t_isa_buildable(${token} ok reason)
    set(${src_var} "${src}" PARENT_SCOPE)
    set(${flags_var} "${flags}" PARENT_SCOPE)
    set(${ok_var} ${ok} PARENT_SCOPE)
    set(${reason_var} "${reason}" PARENT_SCOPE)
endfunction()

# q4t_add_kernels(TARGET DEF_FILE GENERATED_DEF): compiles every kernel of the
# registry for this architecture as an object library q4t_k_<name> with its
# group's flags, links it into TARGET, and writes GENERATED_DEF:
# Q4T_BUILT(name) per compiled kernel, Q4T_UNBUILT(name, reason) per kernel
# whose flags this compiler rejects, and Q4T_VEC_BUILT / Q4T_VEC_UNBUILT
# likewise per vector set (Q4T_VEC). Q4T_KERNELS_BUILT lists
# "name|instruction patterns" of the compiled ones (for the disassembly test).
# Each layouts file of the registry (Q4T_LAYOUTS) for this architecture is
# compiled likewise, as q4t_l_<stem>, when its group builds.
function(q4t_add_kernels target def_file generated)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${def_file}")
    file(STRINGS "${def_file}" lines REGEX "^Q4T_LAYOUTS\\(")
    foreach(line IN LISTS lines)
        string(REGEX MATCH "^Q4T_LAYOUTS\\(([a-z0-9_]+), *([a-z0-9_]+), *([a-z0-9_]+)\\)" _ "${line}")
        if(NOT CMAKE_MATCH_0)
            message(FATAL_ERROR "registry.def: cannot read '${line}'")
        endif()
        set(stem "${CMAKE_MATCH_1}")
        q4t_registry_source(${stem} ${CMAKE_MATCH_2} ${CMAKE_MATCH_3} src flags ok reason)
        if(ok AND NOT ok STREQUAL "other-arch")
            add_library(q4t_l_${stem} OBJECT "${src}")
            target_compile_options(q4t_l_${stem} PRIVATE ${flags})
            target_sources(${target} PRIVATE $<TARGET_OBJECTS:q4t_l_${stem}>)
        endif()
    endforeach()
    file(STRINGS "${def_file}" lines REGEX "^Q4T_(KERNEL|VEC)\\(")
    set(out "/* generated from registry.def by cmake/isa.cmake: do not edit */\n")
    foreach(line IN LISTS lines)
        string(REGEX MATCH "^Q4T_(KERNEL|VEC)\\(([a-z0-9_]+), *([a-z0-9_]+), *([a-z0-9_]+), *\"([^\"]*)\"\\)" _ "${line}")
        if(NOT CMAKE_MATCH_0)
            message(FATAL_ERROR "registry.def: cannot read '${line}'")
        endif()
        set(prefix "")
        if(CMAKE_MATCH_1 STREQUAL "VEC")
            set(prefix "VEC_")
        endif()
        set(name "${CMAKE_MATCH_2}")
        set(arch "${CMAKE_MATCH_3}")
        set(token "${CMAKE_MATCH_4}")
        set(insns "${CMAKE_MATCH_5}")
        q4t_registry_source(${name} ${arch} ${token} src flags ok reason)
        if(ok STREQUAL "other-arch")
            continue()
        elseif(ok)
            add_library(q4t_k_${name} OBJECT "${src}")
            target_compile_options(q4t_k_${name} PRIVATE ${flags})
            target_sources(${target} PRIVATE $<TARGET_OBJECTS:q4t_k_${name}>)
            set_property(GLOBAL APPEND PROPERTY Q4T_KERNELS_BUILT "${name}|${insns}")
            string(APPEND out "Q4T_${prefix}BUILT(${name})\n")
        else()
            message(STATUS "q4tune: ${name} left out: ${CMAKE_C_COMPILER_ID} ${reason}")
            string(APPEND out "Q4T_${prefix}UNBUILT(${name}, \"${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION} ${reason}\")\n")
        endif()
    endforeach()
    file(CONFIGURE OUTPUT "${generated}" CONTENT "${out}")
endfunction()

# q4t_add_isa_sources(TARGET TOKEN FILE [TOKEN FILE ...]): compiles each FILE
# whose ISA group is for this architecture with that group's flags into TARGET.
function(q4t_add_isa_sources target)
    set(args ${ARGN})
    while(args)
        list(POP_FRONT args token file)
        q4t_isa_group(${token} arch flags)
        if(arch STREQUAL Q4T_ARCH)
            get_filename_component(stem "${file}" NAME_WE)
            add_library(q4t_isa_${stem} OBJECT "${file}")
            target_compile_options(q4t_isa_${stem} PRIVATE ${flags})
            target_include_directories(q4t_isa_${stem} PRIVATE kernels)
            target_sources(${target} PRIVATE $<TARGET_OBJECTS:q4t_isa_${stem}>)
        endif()
    endwhile()
endfunction()
