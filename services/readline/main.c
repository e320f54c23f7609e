/* A console client (examples/serial.toml): asks for a line on the serial
 * console, collects what the serial driver delivers until a newline, and
 * answers with what it got, all over its console rings
 * (services/lib/console.h). */
#include "component.h"
#include "console.h"

#define LINE_MAX 80

static char line[LINE_MAX + 1];
static size_t length;
static unsigned lines;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    char buf[LINE_MAX * 2];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_write(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
}

void init(void)
{
    if (!console_attach()) {
        printf("readline: no console channel\n");
        return;
    }
    say("readline: type a line\n");
}

void notified(channel_t ch)
{
    if (ch != CONSOLE_CHANNEL)
        return;
    char c;
    while (console_read(&c, 1)) {
        if (c != '\n') {
            if (length < LINE_MAX)
                line[length++] = c;
            continue;
        }
        line[length] = '\0';
        say("readline: line %u: '%s' (%lu bytes)\n", ++lines, line, (uint64_t)length);
        length = 0;
    }
}
