/* test_dispatch.c - which operations run off the event threads
 * (api_mark_writes, api_mark_long_reads). */
#include <stdbool.h>
#include <string.h>

#include "api/api.h"
#include "app.h"
#include "model/model.h"
#include "test.h"

/* The index of operation name in svc, or -1. */
static int op_at(const model_service *svc, const char *name)
{
    for (int i = 0; i < svc->operation_count; i++)
        if (!strcmp(svc->operations[i].name, name))
            return i;
    return -1;
}

TEST(searches_are_long_reads)
{
    bool long_reads[APP_MAX_OPERATIONS];
    const char *searches[] = {"SearchCases", "SearchRelatedItems",
                              "SearchAllRelatedItems"};

    api_mark_long_reads(&model_connectcases, long_reads);
    for (size_t i = 0; i < sizeof searches / sizeof *searches; i++) {
        int at = op_at(&model_connectcases, searches[i]);
        CHECK(at >= 0);
        CHECK(long_reads[at]);
    }
}

TEST(other_operations_are_not_long_reads)
{
    bool long_reads[APP_MAX_OPERATIONS], writes[APP_MAX_OPERATIONS];
    int marked = 0;

    api_mark_long_reads(&model_connectcases, long_reads);
    api_mark_writes(&model_connectcases, writes);
    for (int i = 0; i < model_connectcases.operation_count; i++) {
        const char *name = model_connectcases.operations[i].name;
        bool search = strncmp(name, "Search", 6) == 0;
        CHECK(long_reads[i] == search);
        /* a long read is a read: it never runs on the write threads */
        CHECK(!(long_reads[i] && writes[i]));
        marked += long_reads[i];
    }
    CHECK_INT(marked, 3);
}
