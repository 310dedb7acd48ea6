/*
 * model.c - lookups over the generated model tables.
 *
 * tools/genmodel.py emits shapes and operations sorted by name (byte order,
 * as strcmp compares), so both lookups are binary searches.
 */
#include "model/model.h"

#include <string.h>

int model_shape_index(const model_service *svc, const char *name)
{
    int lo = 0, hi = svc->shape_count - 1;

    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int cmp = strcmp(name, svc->shapes[mid].name);
        if (cmp == 0)
            return mid;
        if (cmp < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return -1;
}

const model_operation *model_operation_find(const model_service *svc,
                                            const char *name)
{
    int lo = 0, hi = svc->operation_count - 1;

    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int cmp = strcmp(name, svc->operations[mid].name);
        if (cmp == 0)
            return &svc->operations[mid];
        if (cmp < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return NULL;
}
