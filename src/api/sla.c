/* sla.c - the status rules of Sla related items (see sla.h). */
#include "api/sla.h"

#include <string.h>

#define MS_PER_MINUTE INT64_C(60000)

const char *sla_status_name(sla_status status)
{
    static const char *const names[] = {
        [SLA_ACTIVE] = "Active",
        [SLA_OVERDUE] = "Overdue",
        [SLA_MET] = "Met",
        [SLA_NOT_MET] = "NotMet",
    };
    return names[status];
}

int64_t sla_target_ms(int64_t associated_ms, int64_t minutes)
{
    return associated_ms + minutes * MS_PER_MINUTE;
}

sla_status sla_status_at(int64_t target_ms, int64_t completion_ms,
                         int64_t now_ms)
{
    if (completion_ms != SLA_NOT_COMPLETED)
        return completion_ms <= target_ms ? SLA_MET : SLA_NOT_MET;
    return now_ms < target_ms ? SLA_ACTIVE : SLA_OVERDUE;
}

bool sla_target_reached(const json_t *targets, const json_t *value)
{
    const char *have = json_string_value(json_object_get(value, "stringValue"));
    const json_t *target;
    size_t i;

    if (!have)
        return false;
    json_array_foreach(targets, i, target) {
        const char *want =
            json_string_value(json_object_get(target, "stringValue"));
        if (want && strcmp(want, have) == 0)
            return true;
    }
    return false;
}

int64_t sla_completion_ms(int64_t associated_ms, int64_t reached_ms)
{
    return reached_ms > associated_ms ? reached_ms : associated_ms;
}
