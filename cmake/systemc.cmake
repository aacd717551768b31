# SystemC/TLM-2.0 co-simulation: library dmasim_systemc (C++17), its tests, examples and benchmark.
#
# Included from the top-level CMakeLists.txt after the dmasim library targets are defined.
# SystemC 2.3.4 from Debian (libsystemc-dev) ships a pkg-config file only. Option DMASIM_SYSTEMC
# is ON by default when pkg-config finds it; with it OFF (or SystemC absent) the C library and its
# tests build exactly as before, and C++ is not even enabled. The one C test here
# (test/systemc/test_bus_transport.c: version-2 "transport" slaves of the bus) runs either way.

pkg_check_modules(SYSTEMC QUIET IMPORTED_TARGET systemc)
if(SYSTEMC_FOUND)
    set(_dmasim_systemc_default ON)
else()
    set(_dmasim_systemc_default OFF)
endif()
option(DMASIM_SYSTEMC "Build the SystemC/TLM-2.0 wrapper libdmasim_systemc (needs SystemC via pkg-config)"
    ${_dmasim_systemc_default})

if(DMASIM_SYSTEMC)
    if(NOT SYSTEMC_FOUND)
        message(FATAL_ERROR "DMASIM_SYSTEMC is ON but pkg-config finds no 'systemc' module. On Debian: "
            "apt-get install libsystemc-dev (or run scripts/install-deps.sh), or configure with "
            "-DDMASIM_SYSTEMC=OFF.")
    endif()
    enable_language(CXX)
    # SystemC 2.3.4 must be compiled as C++17 (C++20 fails at link time).
    set(CMAKE_CXX_STANDARD 17)
    set(CMAKE_CXX_STANDARD_REQUIRED ON)
    set(CMAKE_CXX_EXTENSIONS OFF)
    if(CMAKE_CXX_FLAGS_RELEASE STREQUAL "-O3 -DNDEBUG") # the project's -O2, as for C
        set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING
            "Flags used by the CXX compiler during RELEASE builds." FORCE)
    endif()
    message(STATUS "Found SystemC ${SYSTEMC_VERSION} (pkg-config): building dmasim_systemc")

    file(GLOB DMASIM_SYSTEMC_SOURCES CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/src/systemc/*.cpp")
    add_library(dmasim_systemc SHARED ${DMASIM_SYSTEMC_SOURCES} "${PROJECT_SOURCE_DIR}/include/dmasim/systemc.hpp")
    add_library(dmasim::dmasim_systemc ALIAS dmasim_systemc)
    set_target_properties(dmasim_systemc PROPERTIES
        VERSION ${PROJECT_VERSION}
        SOVERSION ${PROJECT_VERSION_MAJOR}
        CXX_VISIBILITY_PRESET hidden # exported: what systemc.hpp marks DMASIM_SYSTEMC_API
        VISIBILITY_INLINES_HIDDEN ON)
    target_compile_features(dmasim_systemc PUBLIC cxx_std_17)
    target_include_directories(dmasim_systemc PRIVATE "${PROJECT_SOURCE_DIR}/src/systemc")
    # In the build tree the pkg-config target; in the installed package the same libraries and
    # include directories by path (the package config then needs no pkg-config of its own).
    target_link_libraries(dmasim_systemc PUBLIC
        dmasim
        $<BUILD_INTERFACE:PkgConfig::SYSTEMC>
        "$<INSTALL_INTERFACE:${SYSTEMC_LINK_LIBRARIES}>")
    if(SYSTEMC_INCLUDE_DIRS)
        target_include_directories(dmasim_systemc SYSTEM INTERFACE
            "$<INSTALL_INTERFACE:${SYSTEMC_INCLUDE_DIRS}>")
    endif()

    install(TARGETS dmasim_systemc
        EXPORT dmasimTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
            COMPONENT Runtime NAMELINK_COMPONENT Development
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT Runtime)
    install(FILES "${PROJECT_SOURCE_DIR}/include/dmasim/systemc.hpp"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dmasim COMPONENT Development)

    # Examples (examples/systemc/*.cpp, one program each).
    file(GLOB _dmasim_sc_examples CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/examples/systemc/*.cpp")
    foreach(_src IN LISTS _dmasim_sc_examples)
        get_filename_component(_name "${_src}" NAME_WE)
        add_executable(sc_${_name} "${_src}")
        target_include_directories(sc_${_name} PRIVATE "${PROJECT_SOURCE_DIR}/examples/systemc")
        target_link_libraries(sc_${_name} PRIVATE dmasim_systemc)
        set_target_properties(sc_${_name} PROPERTIES
            RUNTIME_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/examples/systemc")
    endforeach()

    # Benchmark (docs/performance.md, section SystemC).
    if(DMASIM_BUILD_BENCH AND EXISTS "${PROJECT_SOURCE_DIR}/test/systemc/bench_systemc.cpp")
        add_executable(dmasim_systemc_bench "${PROJECT_SOURCE_DIR}/test/systemc/bench_systemc.cpp")
        target_include_directories(dmasim_systemc_bench PRIVATE "${PROJECT_SOURCE_DIR}/examples/systemc")
        target_compile_definitions(dmasim_systemc_bench PRIVATE
            "DMASIM_SOURCE_DIR=\"${PROJECT_SOURCE_DIR}\"")
        target_link_libraries(dmasim_systemc_bench PRIVATE dmasim_systemc)
        set_target_properties(dmasim_systemc_bench PROPERTIES
            RUNTIME_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/bench")
    endif()
endif()

# Tests are added at the end of the top-level CMakeLists.txt (after enable_testing() and the
# Check library are found there).
function(_dmasim_systemc_tests)
    if(NOT DMASIM_BUILD_TESTS)
        return()
    endif()
    set(_dir "${PROJECT_BINARY_DIR}/test/systemc")
    set(_env
        "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1"
        "DMASIM_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
    set(_c_env ${_env})
    if(DMASIM_SANITIZE)
        list(APPEND _c_env
            "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1"
            "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
            "CK_TIMEOUT_MULTIPLIER=10")
        # SystemC programs under ASan: libsystemc 2.3.4 announces each QuickThreads coroutine
        # switch with __sanitizer_start_switch_fiber(NULL, stack, size) (sc_cor_qt.cpp). A NULL
        # fake_stack_save tells ASan the fiber being left is finished, so its fake stack is
        # destroyed: with detect_stack_use_after_return=1 every frame of sc_main's callers is then
        # gone and the first access to one crashes (SEGV). And the main coroutine is announced
        # with no stack (size 0), so after a switch LeakSanitizer no longer scans the main stack:
        # a Check child that exits from inside sc_main (fork mode) reports everything the main
        # stack still points to (Check's runner, sc_elab_and_sim's argv) as leaked. Both are
        # SystemC's, not ours; so these tests run with detect_stack_use_after_return=0 and
        # CK_FORK=no (each ctest test is still one process running one test, i.e. one kernel),
        # with leak detection and everything else on.
        list(APPEND _env
            "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0"
            "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
            "CK_TIMEOUT_MULTIPLIER=10"
            "CK_FORK=no")
    endif()

    # The version-2 bus slave (plain C, no SystemC needed).
    add_executable(test_bus_transport "${PROJECT_SOURCE_DIR}/test/systemc/test_bus_transport.c")
    target_include_directories(test_bus_transport PRIVATE "${PROJECT_SOURCE_DIR}/src" "${PROJECT_SOURCE_DIR}/test")
    target_compile_definitions(test_bus_transport PRIVATE
        "DMASIM_TEST_DATA_DIR=\"${PROJECT_SOURCE_DIR}/test/data\"")
    target_link_libraries(test_bus_transport PRIVATE dmasim_static PkgConfig::CHECK ZLIB::ZLIB m)
    set_target_properties(test_bus_transport PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${_dir}")
    add_test(NAME test_bus_transport COMMAND test_bus_transport WORKING_DIRECTORY "${_dir}")
    set_tests_properties(test_bus_transport PROPERTIES TIMEOUT 600 ENVIRONMENT "${_c_env}")

    if(NOT DMASIM_SYSTEMC)
        return()
    endif()

    # SystemC tests: one SystemC kernel per process, so every test function is its own ctest
    # test, "<binary>.<test>", running `<binary> <test>` (Check runs that one test, forked).
    # Test names are the SC_TEST(name) lines of each source.
    file(GLOB _srcs CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/test/systemc/test_sc_*.cpp")
    set(_n 0)
    foreach(_src IN LISTS _srcs)
        get_filename_component(_bin "${_src}" NAME_WE)
        add_executable(${_bin} "${_src}")
        target_include_directories(${_bin} PRIVATE
            "${PROJECT_SOURCE_DIR}/test/systemc" "${PROJECT_SOURCE_DIR}/examples/systemc")
        target_compile_definitions(${_bin} PRIVATE
            "DMASIM_TEST_DATA_DIR=\"${PROJECT_SOURCE_DIR}/test/data\"")
        target_link_libraries(${_bin} PRIVATE dmasim_systemc PkgConfig::CHECK)
        set_target_properties(${_bin} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${_dir}")
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_src}") # new tests
        file(STRINGS "${_src}" _lines REGEX "^SC_TEST\\(([A-Za-z0-9_]+)\\)")
        foreach(_line IN LISTS _lines)
            string(REGEX REPLACE "^SC_TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" _t "${_line}")
            add_test(NAME ${_bin}.${_t} COMMAND ${_bin} ${_t} WORKING_DIRECTORY "${_dir}")
            set_tests_properties(${_bin}.${_t} PROPERTIES TIMEOUT 600 ENVIRONMENT "${_env}")
            math(EXPR _n "${_n} + 1")
        endforeach()
    endforeach()

    # The examples check their own results and exit 1 if wrong.
    foreach(_src IN LISTS _dmasim_sc_examples)
        get_filename_component(_name "${_src}" NAME_WE)
        add_test(NAME sc_example_${_name} COMMAND sc_${_name}
            WORKING_DIRECTORY "${PROJECT_BINARY_DIR}/examples/systemc")
        set_tests_properties(sc_example_${_name} PROPERTIES TIMEOUT 600 ENVIRONMENT "${_env}")
    endforeach()
    if(TARGET dmasim_systemc_bench)
        add_test(NAME systemc_bench_quick COMMAND dmasim_systemc_bench --quick
            WORKING_DIRECTORY "${PROJECT_BINARY_DIR}/bench")
        set_tests_properties(systemc_bench_quick PROPERTIES TIMEOUT 600 ENVIRONMENT "${_env}")
    endif()
    message(STATUS "dmasim SystemC tests: ${_n} test(s) in ${_dir}")
endfunction()
cmake_language(DEFER CALL _dmasim_systemc_tests)
