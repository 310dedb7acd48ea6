/*
 * timeutil.c - clocks and the ISO-8601 forms of millisecond timestamps.
 *
 * Calendar arithmetic is done here on the proleptic Gregorian calendar with
 * plain integer maths, so it is thread-safe, locale-free and needs neither
 * gmtime_r nor timegm (whose range and TZ handling vary by platform).
 */
#include "util/timeutil.h"

#include <stdbool.h>
#include <time.h>

#define MS_PER_DAY INT64_C(86400000)
#define DAYS_PER_ERA 146097 /* days in 400 Gregorian years */
/* Days from 0000-03-01 (start of era 0 as counted below) to 1970-01-01. */
#define EPOCH_SHIFT 719468

/* What time_format_iso can print in its fixed 24 characters. */
#define FORMAT_MIN_MS INT64_C(-62167219200000) /* 0000-01-01T00:00:00.000Z */
#define FORMAT_MAX_MS INT64_C(253402300799999) /* 9999-12-31T23:59:59.999Z */

int64_t time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Years are counted from March so that the leap day falls at the end of a
 * year; then every 400-year era has the same length and the day of the
 * year follows from the month by a linear formula (153 days per 5 months).
 */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int month_from_march = month > 2 ? month - 3 : month + 9;
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 -
                         year_of_era / 100 + day_of_year;
    return era * DAYS_PER_ERA + day_of_era - EPOCH_SHIFT;
}

typedef struct {
    int64_t year;
    int month;
    int day;
} civil_date;

static civil_date civil_from_days(int64_t days)
{
    days += EPOCH_SHIFT;
    int64_t era = (days >= 0 ? days : days - (DAYS_PER_ERA - 1)) / DAYS_PER_ERA;
    int64_t day_of_era = days - era * DAYS_PER_ERA;
    /* Undo the leap days of the 4-, 100- and 400-year cycles. */
    int64_t year_of_era = (day_of_era - day_of_era / 1460 +
                           day_of_era / 36524 - day_of_era / (DAYS_PER_ERA - 1)) /
                          365;
    int64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int month_from_march = (int)((5 * day_of_year + 2) / 153);
    civil_date date;
    date.day = (int)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    date.month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
    date.year = year_of_era + era * 400 + (date.month <= 2);
    return date;
}

static int64_t floor_div(int64_t n, int64_t d)
{
    int64_t q = n / d;
    return (n % d < 0) ? q - 1 : q;
}

static char *put_digits(char *out, int64_t value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
    return out + width;
}

/* Out-of-range instants are clamped so the output is always 24 characters. */
void time_format_iso(int64_t ms, char out[TIME_ISO_LEN])
{
    if (ms < FORMAT_MIN_MS)
        ms = FORMAT_MIN_MS;
    if (ms > FORMAT_MAX_MS)
        ms = FORMAT_MAX_MS;
    int64_t days = floor_div(ms, MS_PER_DAY);
    int64_t ms_of_day = ms - days * MS_PER_DAY;
    civil_date date = civil_from_days(days);

    char *p = out;
    p = put_digits(p, date.year, 4);
    *p++ = '-';
    p = put_digits(p, date.month, 2);
    *p++ = '-';
    p = put_digits(p, date.day, 2);
    *p++ = 'T';
    p = put_digits(p, ms_of_day / 3600000, 2);
    *p++ = ':';
    p = put_digits(p, ms_of_day / 60000 % 60, 2);
    *p++ = ':';
    p = put_digits(p, ms_of_day / 1000 % 60, 2);
    *p++ = '.';
    p = put_digits(p, ms_of_day % 1000, 3);
    *p++ = 'Z';
    *p = '\0';
}

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : lengths[month - 1];
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly `width` ASCII digits; false (and *p unmoved) otherwise. */
static bool read_digits(const char **p, int width, int *value)
{
    int n = 0;
    for (int i = 0; i < width; i++) {
        if (!is_digit((*p)[i]))
            return false;
        n = n * 10 + ((*p)[i] - '0');
    }
    *p += width;
    *value = n;
    return true;
}

static bool expect(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

/* YYYY-MM-DD, a real day of years 0001-9999. */
static bool parse_date(const char **p, int64_t *days)
{
    int year, month, day;
    if (!read_digits(p, 4, &year) || !expect(p, '-') ||
        !read_digits(p, 2, &month) || !expect(p, '-') || !read_digits(p, 2, &day))
        return false;
    if (year < 1 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month))
        return false;
    *days = days_from_civil(year, month, day);
    return true;
}

/* HH:MM:SS[.fraction]; no hour 24 and no leap second. */
static bool parse_clock(const char **p, int64_t *ms_of_day)
{
    int hour, minute, second, fraction_ms = 0;
    if (!read_digits(p, 2, &hour) || !expect(p, ':') ||
        !read_digits(p, 2, &minute) || !expect(p, ':') ||
        !read_digits(p, 2, &second))
        return false;
    if (hour > 23 || minute > 59 || second > 59)
        return false;
    if (expect(p, '.')) {
        int ndigits = 0;
        for (; is_digit(**p); (*p)++, ndigits++)
            if (ndigits < 3)
                fraction_ms = fraction_ms * 10 + (**p - '0');
        if (ndigits < 1 || ndigits > 9)
            return false;
        for (int i = ndigits; i < 3; i++)
            fraction_ms *= 10;
    }
    *ms_of_day = ((hour * 60 + minute) * 60 + second) * INT64_C(1000) + fraction_ms;
    return true;
}

/* Z, ±HH:MM or ±HHMM, as milliseconds to add to local time to get UTC. */
static bool parse_zone(const char **p, int64_t *to_utc_ms)
{
    if (expect(p, 'Z')) {
        *to_utc_ms = 0;
        return true;
    }
    int sign = **p == '+' ? -1 : **p == '-' ? 1 : 0;
    if (!sign)
        return false;
    (*p)++;
    int hours, minutes;
    if (!read_digits(p, 2, &hours))
        return false;
    expect(p, ':');
    if (!read_digits(p, 2, &minutes) || hours > 23 || minutes > 59)
        return false;
    *to_utc_ms = sign * (hours * 60 + minutes) * INT64_C(60000);
    return true;
}

int time_parse_iso(const char *s, int64_t *ms)
{
    const char *p = s;
    int64_t days, ms_of_day = 0, to_utc_ms = 0;

    if (!s || !parse_date(&p, &days))
        return -1;
    if (*p != '\0') {
        if (!expect(&p, 'T') || !parse_clock(&p, &ms_of_day) ||
            !parse_zone(&p, &to_utc_ms) || *p != '\0')
            return -1;
    }
    *ms = days * MS_PER_DAY + ms_of_day + to_utc_ms;
    return 0;
}
