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

void init(void)
{
    /* The library attached the console before init(): printf goes
     * through the serial driver. */
    if (!console_attached()) {
        printf("readline: no console channel\n");
        return;
    }
    printf("readline: type a line\n");
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
        printf("readline: line %u: '%s' (%lu bytes); %lu bytes printed through the console\n",
               ++lines, line, (uint64_t)length, console_bytes_written());
        length = 0;
    }
}
