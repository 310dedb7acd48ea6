/* test_timeutil.c - clocks and ISO-8601 formatting and parsing. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "test.h"
#include "util/timeutil.h"

#define MS_PER_DAY INT64_C(86400000)

TEST(time_format_known_instants)
{
    static const struct {
        int64_t ms;
        const char *want;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {1, "1970-01-01T00:00:00.001Z"},
        {951827696789, "2000-02-29T12:34:56.789Z"},
        {1709164800000, "2024-02-29T00:00:00.000Z"},
        {1795845289123, "2026-11-28T05:54:49.123Z"},
        {-2203891200000, "1900-03-01T00:00:00.000Z"},
        {-11670998400000, "1600-02-29T00:00:00.000Z"},
        {-62135596800000, "0001-01-01T00:00:00.000Z"},
        {-62167219200000, "0000-01-01T00:00:00.000Z"},
        {253402300799999, "9999-12-31T23:59:59.999Z"},
        /* Out of range: clamped to the ends of years 0000-9999. */
        {-62167219200001, "0000-01-01T00:00:00.000Z"},
        {INT64_MIN, "0000-01-01T00:00:00.000Z"},
        {253402300800000, "9999-12-31T23:59:59.999Z"},
        {INT64_MAX, "9999-12-31T23:59:59.999Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[TIME_ISO_LEN];
        time_format_iso(cases[i].ms, out);
        CHECK_STR(out, cases[i].want);
    }
}

/* Every day from 1900 to 2200 agrees with the C library's calendar. */
TEST(time_format_matches_gmtime_daily)
{
    int64_t from = -2208988800000; /* 1900-01-01 */
    int64_t to = 7258118400000;    /* 2200-01-01 */
    for (int64_t ms = from; ms < to; ms += MS_PER_DAY + 3723004) {
        char got[TIME_ISO_LEN], want[96];
        time_t seconds = (time_t)(ms / 1000 - (ms % 1000 < 0));
        struct tm tm;
        CHECK(gmtime_r(&seconds, &tm));
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (int)(((ms % 1000) + 1000) % 1000));
        time_format_iso(ms, got);
        CHECK_STR(got, want);
    }
}

TEST(time_parse_accepts)
{
    static const struct {
        const char *text;
        int64_t want;
    } cases[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"1970-01-01T00:00:00.000Z", 0},
        {"1969-12-31T23:59:59.999Z", -1},
        {"2000-02-29T12:34:56.789Z", 951827696789},
        {"2000-02-29T12:34:56.7Z", 951827696700},
        {"2000-02-29T12:34:56.78Z", 951827696780},
        {"2000-02-29T12:34:56.789999999Z", 951827696789}, /* truncated */
        {"2024-02-29", 1709164800000},
        {"1600-02-29", -11670998400000},
        {"0001-01-01", -62135596800000},
        {"0001-01-01T00:00:00+01:00", -62135600400000},
        {"9999-12-31T23:59:59.999Z", 253402300799999},
        {"2026-01-01T00:00:00+05:30", 1767205800000},
        {"2026-01-01T00:00:00+0530", 1767205800000},
        {"2026-01-01T00:00:00-08:00", 1767254400000},
        {"2026-01-01T00:00:00-0800", 1767254400000},
        {"2026-01-01T05:30:00+05:30", 1767225600000},
        {"2026-01-01T00:00:00+00:00", 1767225600000},
        {"2026-01-01T00:00:00-00:00", 1767225600000},
        {"2026-01-01T00:00:00+23:59", 1767225600000 - 86340000},
        {"2026-11-28T05:54:49.123Z", 1795845289123},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ms = 42;
        if (time_parse_iso(cases[i].text, &ms) != 0) {
            test_fail(__FILE__, __LINE__, "rejected \"%s\"", cases[i].text);
            return;
        }
        CHECK_INT(ms, cases[i].want);
    }
}

TEST(time_parse_rejects)
{
    static const char *const cases[] = {
        "",
        "2026",
        "2026-01",
        "2026-1-01",
        "2026-01-1",
        "26-01-01",
        "+2026-01-01",
        "20260101",
        "2026-01-01T",
        "2026-01-01Z",
        "2026-01-01 ",
        " 2026-01-01",
        "2026-01-01T00:00:00",        /* no zone */
        "2026-01-01T00:00Z",          /* no seconds */
        "2026-01-01t00:00:00Z",       /* lower-case t */
        "2026-01-01T00:00:00z",       /* lower-case z */
        "2026-01-01 00:00:00Z",       /* space for T */
        "2026-01-01T00:00:00.Z",      /* empty fraction */
        "2026-01-01T00:00:00.1234567890Z", /* 10 fraction digits */
        "2026-01-01T00:00:00,5Z",
        "2026-01-01T00:00:00ZZ",
        "2026-01-01T00:00:00Z ",
        "2026-01-01T00:00:00+05",
        "2026-01-01T00:00:00+5:30",
        "2026-01-01T00:00:00+05:3",
        "2026-01-01T00:00:00+053",
        "2026-01-01T00:00:00+05:30:00",
        "2026-01-01T00:00:00+24:00",
        "2026-01-01T00:00:00+05:60",
        "2026-01-01T00:00:00 +05:30",
        "2026-01-01T24:00:00Z",       /* hour 24 */
        "2026-01-01T23:60:00Z",       /* minute 60 */
        "2026-12-31T23:59:60Z",       /* leap second */
        "2026-01-01T1:00:00Z",
        "2026-00-01",
        "2026-13-01",
        "2026-01-00",
        "2026-01-32",
        "2026-02-29",                 /* not a leap year */
        "1900-02-29",                 /* century, not a leap year */
        "2026-02-30",
        "2026-04-31",
        "2026-06-31",
        "2026-09-31",
        "2026-11-31",
        "0000-01-01",                 /* year 0 */
        "0000-12-31T23:59:59Z",
        "2026-01-01T00:00:00.5",
        "2026-0a-01",
        "２026-01-01",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ms = 42;
        if (time_parse_iso(cases[i], &ms) != -1) {
            test_fail(__FILE__, __LINE__, "accepted \"%s\"", cases[i]);
            return;
        }
        CHECK_INT(ms, 42); /* untouched on failure */
    }
    int64_t ms = 0;
    CHECK_INT(time_parse_iso(NULL, &ms), -1);
}

/* Parsing what we format gives back the same instant, across the range. */
TEST(time_format_parse_round_trip)
{
    int64_t from = -62135596800000; /* 0001-01-01 */
    int64_t to = 253402300799999;   /* 9999-12-31T23:59:59.999 */
    int64_t step = (to - from) / 100003;
    for (int64_t ms = from; ms <= to; ms += step) {
        char text[TIME_ISO_LEN];
        int64_t back = 0;
        time_format_iso(ms, text);
        CHECK_INT(time_parse_iso(text, &back), 0);
        CHECK_INT(back, ms);
    }
    char text[TIME_ISO_LEN];
    int64_t back = 0;
    time_format_iso(to, text);
    CHECK_INT(time_parse_iso(text, &back), 0);
    CHECK_INT(back, to);
}

TEST(time_clocks_are_sane)
{
    int64_t now = time_now_ms();
    CHECK(now > INT64_C(1577836800000)); /* after 2020-01-01 */
    CHECK(now < INT64_C(4102444800000)); /* before 2100-01-01 */
    int64_t before = time_mono_ns();
    int64_t after = time_mono_ns();
    CHECK(before > 0);
    CHECK(after >= before);
}
