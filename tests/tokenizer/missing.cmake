# A test that cannot run here: fails with the reason (cmake -DWHAT=<reason> -P missing.cmake).
message(FATAL_ERROR "${WHAT}")
