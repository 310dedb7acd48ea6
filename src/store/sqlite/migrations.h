/* migrations.h - the numbered schema migrations embedded at build time. */
#ifndef CASESD_SQLITE_MIGRATIONS_H
#define CASESD_SQLITE_MIGRATIONS_H

typedef struct {
    int number;
    const char *name;
    const char *sql;
} store_migration;

extern const store_migration store_migrations[];
extern const int store_migration_count;

#endif
