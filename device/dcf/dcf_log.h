/* The DCF's log: one line per event on stderr, prefixed "mayday-dcf: ". */
#ifndef MAYDAY_DCF_LOG_H
#define MAYDAY_DCF_LOG_H

void dcf_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
