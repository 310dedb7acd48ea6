/* test_sla.c - the status rules of Sla related items, on a pinned clock. */
#include <jansson.h>

#include "api/sla.h"
#include "test.h"

#define MINUTE INT64_C(60000)
#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */

TEST(sla_target_is_association_plus_minutes)
{
    CHECK(sla_target_ms(T0, 1) == T0 + MINUTE);
    CHECK(sla_target_ms(T0, 1051200) == T0 + INT64_C(1051200) * MINUTE);
}

TEST(sla_status_table)
{
    static const struct {
        int64_t completion; /* offset from T0, or SLA_NOT_COMPLETED */
        int64_t now;        /* offset from T0 */
        sla_status want;
    } cases[] = {
        /* target is T0 + 10 minutes */
        {SLA_NOT_COMPLETED, 0, SLA_ACTIVE},
        {SLA_NOT_COMPLETED, 10 * MINUTE - 1, SLA_ACTIVE},
        {SLA_NOT_COMPLETED, 10 * MINUTE, SLA_OVERDUE},
        {SLA_NOT_COMPLETED, 365 * 24 * 60 * MINUTE, SLA_OVERDUE},
        {0, 0, SLA_MET},
        {10 * MINUTE, 10 * MINUTE, SLA_MET},
        /* once completed, the clock no longer matters */
        {5 * MINUTE, 100 * MINUTE, SLA_MET},
        {10 * MINUTE + 1, 10 * MINUTE + 1, SLA_NOT_MET},
        {60 * MINUTE, 0, SLA_NOT_MET},
    };
    int64_t target = sla_target_ms(T0, 10);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t done = cases[i].completion == SLA_NOT_COMPLETED
                           ? SLA_NOT_COMPLETED
                           : T0 + cases[i].completion;
        CHECK_INT(sla_status_at(target, done, T0 + cases[i].now),
                  cases[i].want);
    }
}

TEST(sla_status_names)
{
    CHECK_STR(sla_status_name(SLA_ACTIVE), "Active");
    CHECK_STR(sla_status_name(SLA_OVERDUE), "Overdue");
    CHECK_STR(sla_status_name(SLA_MET), "Met");
    CHECK_STR(sla_status_name(SLA_NOT_MET), "NotMet");
}

TEST(sla_completion_never_precedes_association)
{
    CHECK(sla_completion_ms(T0, T0 - 5 * MINUTE) == T0);
    CHECK(sla_completion_ms(T0, T0 + 5 * MINUTE) == T0 + 5 * MINUTE);
}

TEST(sla_target_reached_by_string_value)
{
    json_t *targets = json_loads("[{\"stringValue\":\"closed\"}]", 0, NULL);
    json_t *closed = json_loads("{\"stringValue\":\"closed\"}", 0, NULL);
    json_t *open = json_loads("{\"stringValue\":\"open\"}", 0, NULL);
    json_t *upper = json_loads("{\"stringValue\":\"Closed\"}", 0, NULL);
    json_t *number = json_loads("{\"doubleValue\":1}", 0, NULL);
    int ok = targets && closed && open && upper && number &&
             sla_target_reached(targets, closed) &&
             !sla_target_reached(targets, open) &&
             !sla_target_reached(targets, upper) &&
             !sla_target_reached(targets, number) &&
             !sla_target_reached(targets, NULL);

    json_decref(targets);
    json_decref(closed);
    json_decref(open);
    json_decref(upper);
    json_decref(number);
    CHECK(ok);
}
