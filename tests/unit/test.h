/*
 * test.h - the unit test harness.
 *
 * A test is a function declared with TEST(name); it registers itself at
 * load time, so a new test file needs no edit anywhere else.  CHECK*
 * macros record a failure and return from the test.  The runner
 * (tests/unit/main.c) runs every test, or those whose name contains argv[1],
 * and ends with the line "N passed, N failed".
 */
#ifndef CASESD_TEST_H
#define CASESD_TEST_H

#include <stdint.h>
#include <string.h>

typedef void (*test_fn)(void);

void test_register(const char *file, const char *name, test_fn fn);
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define TEST(name)                                                   \
    static void name(void);                                          \
    __attribute__((constructor)) static void name##_register(void)   \
    {                                                                \
        test_register(__FILE__, #name, name);                        \
    }                                                                \
    static void name(void)

#define CHECK(cond)                                                  \
    do {                                                             \
        if (!(cond)) {                                               \
            test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);       \
            return;                                                  \
        }                                                            \
    } while (0)

#define CHECK_INT(got, want)                                         \
    do {                                                             \
        long long got_ = (long long)(got), want_ = (long long)(want); \
        if (got_ != want_) {                                         \
            test_fail(__FILE__, __LINE__, "%s == %lld, want %lld",   \
                      #got, got_, want_);                            \
            return;                                                  \
        }                                                            \
    } while (0)

#define CHECK_STR(got, want)                                         \
    do {                                                             \
        const char *got_ = (got), *want_ = (want);                   \
        if (!got_ || !want_ || strcmp(got_, want_) != 0) {           \
            test_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", \
                      #got, got_ ? got_ : "(null)",                  \
                      want_ ? want_ : "(null)");                     \
            return;                                                  \
        }                                                            \
    } while (0)

#endif
