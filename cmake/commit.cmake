# Writes OUT (a C header defining Q4T_COMMIT) from `git describe` of SRC:
# the abbreviated commit, "-dirty" when the tree has changes, "unknown"
# outside a git checkout. Run at every build; the file changes only when the
# commit does, so only device.c recompiles.
execute_process(COMMAND git -C "${SRC}" describe --always --dirty --abbrev=10
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE code)
if(NOT code EQUAL 0 OR commit STREQUAL "")
    set(commit unknown)
endif()
file(WRITE "${OUT}.tmp" "#define Q4T_COMMIT \"${commit}\"\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
