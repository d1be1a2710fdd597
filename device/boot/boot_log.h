/*
 * Local log of the TrE and the normal-code stand-in: one line per event on
 * stderr, prefixed with the program name ("mayday-boot: ..."). This is the
 * device's local failure record; nothing here reaches the network.
 */
#ifndef MAYDAY_BOOT_LOG_H
#define MAYDAY_BOOT_LOG_H

#include <stddef.h>
#include <stdint.h>

void boot_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Lowercase hex of a SHA-256 digest into `out` (65 bytes), for log lines. */
void boot_log_digest(const uint8_t *digest, char out[65]);

#endif
