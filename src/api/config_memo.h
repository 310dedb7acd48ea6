/*
 * config_memo.h - configuration records a thread has read, kept for as long
 * as the configuration they came from is the store's.
 *
 * Every CreateCase reads and parses its template and each field it sets,
 * and looks up the option of each SingleSelect value: about a tenth of its
 * CPU.  They only change with the configuration, and every committed change
 * to the configuration (options included) raises the store's configuration
 * version (store_config_version), which no two committed configurations
 * share.  So a record read in a snapshot whose version is v is that record
 * in every snapshot whose version is v.
 *
 * Each thread keeps its own records (no lock), a few dozen at most, and
 * drops them all when it is asked under another version.  A caller gets a
 * reference to the kept document itself, not a copy (copying cost as much
 * as parsing): it may keep it, pass it to other threads (jansson counts
 * references atomically) and drop it, but never change it.
 *
 * Only a version read in a snapshot may be given: inside a write
 * transaction the version can belong to a change that is later rolled
 * back, and the same number then named a different configuration.
 */
#ifndef CASESD_CONFIG_MEMO_H
#define CASESD_CONFIG_MEMO_H

#include <stdint.h>

#include "store/store.h"
#include "util/arena.h"

/*
 * store_record_get() through the thread's memo, for a read snapshot of conn
 * whose configuration version is version.  Strings of *out come from a;
 * its doc is a reference the caller drops, to a document nobody may
 * change.  Same results as store_record_get().
 */
int config_memo_record(store_conn *conn, const store_scope *scope,
                       int64_t version, resource_kind kind,
                       const char *domain_id, const char *id, arena *a,
                       store_record *out);

/* store_option_get() through the thread's memo, as config_memo_record(). */
int config_memo_option(store_conn *conn, const store_scope *scope,
                       int64_t version, const char *domain_id,
                       const char *field_id, const char *value, arena *a,
                       store_option *out);

#endif
