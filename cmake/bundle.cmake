# The relocatable bundle: cmake -DPROG=q4tune -DLAUNCHER=q4tune_launcher
#   -DOUT=DIR -DREADELF=readelf -DDIRS=dir:dir... -DLOADER=name -DSRC=source
#   [-DASSETS=report assets dir] [-DPREDICTED=predicted table] -P bundle.cmake
# OUT/bin/q4tune is the launcher (static); OUT/lib holds q4tune, every shared
# library it needs (NEEDED, recursively, each found in DIRS: the target's
# library directories) under its soname, and the dynamic loader; OUT/share/q4tune
# the README, the results' schemas, the report's assets and the predicted
# table (q4tune predict). Nothing outside
# OUT is needed to run it.
cmake_minimum_required(VERSION 3.20)
string(REPLACE ":" ";" dirs "${DIRS}")
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}/bin" "${OUT}/lib" "${OUT}/share/q4tune")

function(find_lib name out)
    foreach(d ${dirs})
        if(EXISTS "${d}/${name}")
            file(REAL_PATH "${d}/${name}" real)
            set(${out} "${real}" PARENT_SCOPE)
            return()
        endif()
    endforeach()
    message(FATAL_ERROR "bundle: ${name} is in none of ${dirs}")
endfunction()

set(queue "${PROG}")
set(seen "")
while(queue)
    list(POP_FRONT queue file)
    execute_process(COMMAND "${READELF}" -d "${file}" OUTPUT_VARIABLE dynamic RESULT_VARIABLE code)
    if(NOT code EQUAL 0)
        message(FATAL_ERROR "bundle: ${READELF} -d ${file} failed")
    endif()
    string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*" needed "${dynamic}")
    foreach(line ${needed})
        string(REGEX REPLACE ".*\\[([^]]+)\\].*" "\\1" name "${line}")
        if(name IN_LIST seen)
            continue()
        endif()
        list(APPEND seen "${name}")
        find_lib("${name}" real)
        file(COPY_FILE "${real}" "${OUT}/lib/${name}")
        list(APPEND queue "${real}")
    endforeach()
endwhile()
find_lib("${LOADER}" loader)
file(COPY_FILE "${loader}" "${OUT}/lib/${LOADER}")
file(COPY_FILE "${PROG}" "${OUT}/lib/q4tune")
file(COPY_FILE "${LAUNCHER}" "${OUT}/bin/q4tune")
file(CHMOD "${OUT}/bin/q4tune" "${OUT}/lib/q4tune" "${OUT}/lib/${LOADER}"
     PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
file(COPY "${SRC}/README.md" DESTINATION "${OUT}/share/q4tune")
file(COPY "${SRC}/results/schema" DESTINATION "${OUT}/share/q4tune")
if(PREDICTED AND EXISTS "${PREDICTED}")
    file(COPY "${PREDICTED}" DESTINATION "${OUT}/share/q4tune")
endif()
if(ASSETS AND EXISTS "${ASSETS}/vega.min.js")
    file(GLOB assets "${ASSETS}/*.js" "${ASSETS}/*.css")
    file(COPY ${assets} DESTINATION "${OUT}/share/q4tune/report")
endif()
list(LENGTH seen n)
message(STATUS "bundle: ${OUT}: q4tune, ${n} libraries and ${LOADER}")
