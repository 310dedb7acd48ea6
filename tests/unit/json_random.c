/* json_random.c - random JSON values for the JSON tests (json_random.h). */
#include <math.h>
#include <string.h>

#include "json_random.h"
#include "util/jalloc.h"

uint32_t lcg_next(lcg *g)
{
    g->state = g->state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(g->state >> 32);
}

uint32_t lcg_below(lcg *g, uint32_t n)
{
    return lcg_next(g) % n;
}

uint64_t lcg_next64(lcg *g)
{
    uint64_t high = lcg_next(g);
    return high << 32 | lcg_next(g);
}

size_t put_utf8(char *out, uint32_t code)
{
    if (code < 0x80) {
        out[0] = (char)code;
        return 1;
    }
    if (code < 0x800) {
        out[0] = (char)(0xc0 | code >> 6);
        out[1] = (char)(0x80 | (code & 0x3f));
        return 2;
    }
    if (code < 0x10000) {
        out[0] = (char)(0xe0 | code >> 12);
        out[1] = (char)(0x80 | (code >> 6 & 0x3f));
        out[2] = (char)(0x80 | (code & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | code >> 18);
    out[1] = (char)(0x80 | (code >> 12 & 0x3f));
    out[2] = (char)(0x80 | (code >> 6 & 0x3f));
    out[3] = (char)(0x80 | (code & 0x3f));
    return 4;
}

static uint32_t random_code(lcg *g, bool nul)
{
    static const char specials[] = {'"', '\\', '/', 0x7f};
    uint32_t kind = lcg_below(g, 12), code;

    if (kind < 6)
        return 0x20 + lcg_below(g, 0x5f);
    if (kind == 6)
        return nul ? lcg_below(g, 0x20) : 1 + lcg_below(g, 0x1f);
    if (kind == 7)
        return (unsigned char)specials[lcg_below(g, sizeof specials)];
    if (kind == 8)
        return 0x80 + lcg_below(g, 0x780);
    if (kind == 11)
        return 0x10000 + lcg_below(g, 0x100000);
    do
        code = 0x800 + lcg_below(g, 0xf800);
    while (code >= 0xd800 && code <= 0xdfff);
    return code;
}

size_t random_text(lcg *g, const json_shape *shape, char *out)
{
    size_t len = 0;

    for (uint32_t n = lcg_below(g, shape->max_chars); n > 0; n--)
        len += put_utf8(out + len, random_code(g, shape->nul));
    return len;
}

double random_real(lcg *g)
{
    for (;;) {
        double value;
        uint64_t bits = lcg_next64(g);
        switch (lcg_below(g, 4)) {
        case 0:
            memcpy(&value, &bits, sizeof value);
            break;
        case 1:
            value = (double)(int32_t)lcg_next(g) / (lcg_below(g, 2) ? 8 : 1);
            break;
        case 2:
            value = (double)(int32_t)lcg_next(g) / pow(10, lcg_below(g, 12));
            break;
        default:
            value = pow(10, (double)lcg_below(g, 640) - 320);
            break;
        }
        if (isfinite(value))
            return value;
    }
}

json_int_t random_integer(lcg *g)
{
    switch (lcg_below(g, 4)) {
    case 0:
        return (json_int_t)lcg_below(g, 100) - 50;
    case 1:
        return lcg_below(g, 2) ? INT64_MIN : INT64_MAX;
    default:
        return (json_int_t)lcg_next64(g);
    }
}

json_t *random_container(lcg *g, const json_shape *shape, int depth,
                         bool object)
{
    json_t *container = object ? json_object() : json_array();
    char key[256];

    for (uint32_t n = lcg_below(g, shape->max_children); n > 0; n--) {
        json_t *member = random_value(g, shape, depth + 1);
        if (object)
            json_object_setn_new(container, key, random_text(g, shape, key),
                                 member);
        else
            json_array_append_new(container, member);
    }
    return container;
}

json_t *random_value(lcg *g, const json_shape *shape, int depth)
{
    char text[256];
    uint32_t kind = lcg_below(g, depth < shape->container_depth ? 10 : 8);

    switch (kind) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(lcg_below(g, 2));
    case 2:
    case 3:
        return json_integer(random_integer(g));
    case 4:
        return json_real(random_real(g));
    case 5:
    case 6:
    case 7:
        return json_stringn(text, random_text(g, shape, text));
    default:
        return random_container(g, shape, depth, kind == 8);
    }
}

char *dumps_copy(const json_t *v, size_t flags)
{
    char *text = json_dumps(v, flags);
    char *copy = text ? strdup(text) : NULL;

    jalloc_free(text);
    return copy;
}
