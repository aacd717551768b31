// Check for SystemC tests: one SystemC kernel per process.
//
// A SystemC kernel can be elaborated only once per process, so each test is run on its own:
// `test_sc_x NAME` runs the test NAME (Check forks it, unless CK_FORK=no), `test_sc_x --list`
// lists them, and without an argument every test runs, each in its own forked child (refused
// with CK_FORK=no). cmake/systemc.cmake makes one ctest test per SC_TEST(name) line.
//
//   SC_TEST(test_name)
//   {
//       ... build modules, sc_start(), ck_assert ...
//   }
//
// sc_main() is the entry point (libsystemc's main() calls it): see SC_CHECK_MAIN.
#ifndef DMASIM_SC_CHECK_HPP
#define DMASIM_SC_CHECK_HPP

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <systemc>

#include <check.h>
#undef fail // check.h's deprecated fail() macro breaks C++ headers included after it (basic_ios::fail)

namespace sctest {

inline std::vector<const TTest *> &registry()
{
    static std::vector<const TTest *> tests;
    return tests;
}

struct Registrar {
    explicit Registrar(const TTest *t) { registry().push_back(t); }
};

inline int run(int argc, char **argv, const char *suite_name)
{
    if (argc > 1 && std::strcmp(argv[1], "--list") == 0) {
        for (const TTest *t : registry())
            std::printf("%s\n", t->name);
        return 0;
    }
    const char *only = argc > 1 ? argv[1] : nullptr;
    Suite *s = suite_create(suite_name);
    for (const TTest *t : registry()) {
        TCase *tc = tcase_create(t->name);
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, t);
        suite_add_tcase(s, tc);
    }
    SRunner *sr = srunner_create(s);
    if (!only && srunner_fork_status(sr) == CK_NOFORK && registry().size() > 1) {
        std::fprintf(stderr, "%s: with CK_FORK=no name one test (--list lists them): one SystemC kernel "
                             "per process\n", argv[0]);
        srunner_free(sr);
        return 2;
    }
    srunner_run(sr, suite_name, only, CK_NORMAL);
    int ran = srunner_ntests_run(sr), failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (ran == 0) {
        std::fprintf(stderr, "%s: no test named '%s' (--list lists them)\n", argv[0], only ? only : "");
        return 2;
    }
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

} // namespace sctest

#define SC_TEST(name)                                                                            \
    static void name##_fn(int _i CK_ATTRIBUTE_UNUSED);                                           \
    static const TTest name##_ttest = {#name, name##_fn, __FILE__, __LINE__};                    \
    static const sctest::Registrar name##_registrar(&name##_ttest);                              \
    static void name##_fn(int _i CK_ATTRIBUTE_UNUSED)

#define SC_CHECK_MAIN(suite_name)                                                                \
    int sc_main(int argc, char **argv) { return sctest::run(argc, argv, suite_name); }

#endif
