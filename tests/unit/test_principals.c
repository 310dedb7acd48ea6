/* test_principals.c - the credentials file reader (auth/principals.h). */
#include <stdio.h>
#include <string.h>

#include "auth/principals.h"
#include "test.h"

#define ALICE "AKIDALICE s3cret 111111111111 arn:aws:iam::111111111111:user/alice"
#define BOB "AKIDBOB bobs-secret 222222222222 arn:aws:sts::222222222222:assumed-role/r/s"
#define USER_ARN "arn:aws:connect:us-east-1:111111111111:instance/i-1/agent/u-1"

static principals *parse(const char *text, char *err, size_t errlen)
{
    err[0] = '\0';
    return principals_parse(text, strlen(text), "creds", err, errlen);
}

TEST(principals_parse_and_find)
{
    char err[256];
    principals *set = parse("# comment\n\n" ALICE " " USER_ARN "  # note\r\n"
                            "\t" BOB "\n", err, sizeof err);
    const principal *p;

    CHECK(set != NULL);
    CHECK_INT(principals_count(set), 2);
    p = principals_find(set, "AKIDALICE");
    CHECK(p != NULL);
    CHECK_STR(p->secret_key, "s3cret");
    CHECK_STR(p->account_id, "111111111111");
    CHECK_STR(p->arn, "arn:aws:iam::111111111111:user/alice");
    CHECK_STR(p->connect_user_arn, USER_ARN);
    CHECK_INT(p->line, 3);
    p = principals_find(set, "AKIDBOB");
    CHECK(p != NULL);
    CHECK(p->connect_user_arn == NULL);
    CHECK(principals_find(set, "AKIDCAROL") == NULL);
    CHECK(principals_find(set, "AKIDALIC") == NULL);
    principals_free(set);
}

static const struct {
    const char *text;
    const char *error; /* expected message, after "creds:" */
} bad_files[] = {
    {"# only a comment\n", "creds: defines no principals"},
    {"\n\nAKID secret 111111111111\n", "creds:3: expected 4 or 5 fields"},
    {ALICE " " USER_ARN " extra\n", "creds:1: expected 4 or 5 fields"},
    {"K s 11111111111 arn:aws:iam::11111111111:user/a\n",
     "creds:1: column 3 (account id) must be exactly 12 digits"},
    {"K s 11111111111a arn:aws:iam::111111111111:user/a\n",
     "creds:1: column 3 (account id)"},
    {"K s 111111111111 arn:aws:s3:::bucket\n", "creds:1: column 4 (principal ARN)"},
    {"K s 111111111111 arn:aws:iam::111111111111:\n", "creds:1: column 4"},
    {"K s 111111111111 user/alice\n", "creds:1: column 4"},
    {"K s 111111111111 arn:aws:iam::222222222222:user/a\n",
     "creds:1: column 4 (principal ARN) names a different account"},
    {ALICE " arn:aws:connect:us-east-1:111111111111:instance/i-1\n",
     "creds:1: column 5 (Connect user ARN)"},
    {ALICE " arn:aws:connect:us-east-1:111111111111:instance/i/agent/u/x\n",
     "creds:1: column 5"},
    {ALICE " arn:aws:iam::111111111111:instance/i/agent/u\n", "creds:1: column 5"},
    {"K/1 s 111111111111 arn:aws:iam::111111111111:user/a\n",
     "creds:1: column 1 (access key id) may hold only"},
    {ALICE "\n" BOB "\n" ALICE "\n",
     "creds:3: duplicate access key id (first defined on line 1)"},
};

TEST(principals_errors_name_the_line)
{
    char err[256];

    for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
        principals *set = parse(bad_files[i].text, err, sizeof err);
        if (set || strncmp(err, bad_files[i].error,
                           strlen(bad_files[i].error)) != 0) {
            test_fail(__FILE__, __LINE__, "case %zu: got \"%s\", want \"%s...\"",
                      i, err, bad_files[i].error);
            principals_free(set);
            return;
        }
    }
}

TEST(principals_over_long_values)
{
    char text[PRINCIPALS_LINE_MAX * 2], err[256];
    char key[PRINCIPAL_AKID_MAX + 2], secret[PRINCIPAL_SECRET_MAX + 2];

    memset(key, 'K', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    snprintf(text, sizeof text, "%s s 111111111111 arn:aws:iam::111111111111:u\n",
             key);
    CHECK(parse(text, err, sizeof err) == NULL);
    CHECK(strstr(err, "creds:1: column 1 (access key id) is longer") != NULL);
    memset(secret, 's', sizeof secret - 1);
    secret[sizeof secret - 1] = '\0';
    snprintf(text, sizeof text, "K %s 111111111111 arn:aws:iam::111111111111:u\n",
             secret);
    CHECK(parse(text, err, sizeof err) == NULL);
    CHECK(strstr(err, "column 2 (secret access key) is longer") != NULL);
    memset(text, ' ', PRINCIPALS_LINE_MAX + 1);
    text[PRINCIPALS_LINE_MAX + 1] = '\0';
    CHECK(parse(text, err, sizeof err) == NULL);
    CHECK(strstr(err, "creds:1: line is longer") != NULL);
}

TEST(principals_errors_never_quote_values)
{
    char err[256];

    CHECK(parse("K topsecretvalue 1111 arn:aws:iam::111111111111:u\n", err,
                sizeof err) == NULL);
    CHECK(strstr(err, "topsecretvalue") == NULL);
    CHECK(parse("K arn:aws:iam::111111111111:u topsecretvalue 111111111111\n",
                err, sizeof err) == NULL);
    CHECK(strstr(err, "topsecretvalue") == NULL);
}

TEST(principals_nul_byte_is_refused)
{
    static const char text[] = ALICE "\n" "K s\0x 111111111111 a\n";
    char err[256];

    CHECK(principals_parse(text, sizeof text - 1, "creds", err, sizeof err) ==
          NULL);
    CHECK(strstr(err, "creds:2: line contains a NUL byte") != NULL);
}

TEST(principals_load_missing_file)
{
    char err[256];

    CHECK(principals_load("/nonexistent/creds", err, sizeof err) == NULL);
    CHECK(strstr(err, "cannot open /nonexistent/creds") != NULL);
}
