/*
 * sla.h - the status of an Sla related item.
 *
 * A pure module, so the rules are tested on their own with any clock
 * (tests/unit/test_sla.c); related_search.c applies them whenever an Sla
 * item is read.
 *
 * An SLA is created at its association time with a target time of
 * association time + targetSlaMinutes.  It completes when its case's field
 * holds one of the target values; the completion time is recorded once,
 * the first time a read finds it, and never changes afterwards.  Its
 * status at a time `now` is then:
 *
 *   completed at or before the target time     Met
 *   completed after the target time            NotMet
 *   not completed, now before the target time  Active
 *   not completed, now at or after the target  Overdue
 */
#ifndef CASESD_SLA_H
#define CASESD_SLA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    SLA_ACTIVE,
    SLA_OVERDUE,
    SLA_MET,
    SLA_NOT_MET,
} sla_status;

/* completion_ms of an SLA that has not completed. */
#define SLA_NOT_COMPLETED INT64_MIN

/* The model's names: "Active", "Overdue", "Met", "NotMet". */
const char *sla_status_name(sla_status status);

/* associated_ms + minutes, in milliseconds. */
int64_t sla_target_ms(int64_t associated_ms, int64_t minutes);

/* The status at now_ms of an SLA with target target_ms that completed at
 * completion_ms (SLA_NOT_COMPLETED when it has not). */
sla_status sla_status_at(int64_t target_ms, int64_t completion_ms,
                         int64_t now_ms);

/* Whether value (a FieldValueUnion, or NULL when the field has none) is
 * one of targets (a list of FieldValueUnion).  Values compare by their
 * stringValue, the only member a SingleSelect field holds. */
bool sla_target_reached(const json_t *targets, const json_t *value);

/*
 * When an SLA completed, given the time its field last changed to the
 * target value (reached_ms): an SLA associated with a case whose field
 * already held the target completes on association, never before it.
 */
int64_t sla_completion_ms(int64_t associated_ms, int64_t reached_ms);

#endif
