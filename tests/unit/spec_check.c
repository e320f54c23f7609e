/* spec_check FILE...: runs the C spec parser (services/lib/spec.c) on each
 * file and prints one line per file it rejects, "FILE: status in table #index
 * field F"; exit status 1 if any was rejected. tests/sdc/run_tests.py uses it
 * to check that whatever tools/atoll-sdc accepts, init accepts too. */
#include <stdio.h>
#include <stdlib.h>

#include "services/lib/spec.h"

static int check_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("%s: cannot open\n", path);
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                break;
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        printf("%s: out of memory\n", path);
        return 1;
    }
    struct spec s;
    struct spec_error e;
    enum spec_status st = spec_parse(&s, buf, n, &e);
    free(buf);
    if (st == SPEC_OK)
        return 0;
    printf("%s: %s in %s #%u field %s\n", path, spec_status_name(st), spec_table_name(e.table),
           e.index, e.field);
    return 1;
}

int main(int argc, char **argv)
{
    int status = 0;
    for (int i = 1; i < argc; i++)
        status |= check_file(argv[i]);
    return status;
}
