/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The emitter's bounded XML writer (see cwmp_writer.h). Escaping follows
 * XML 1.0 §2.4 and §3.3.3: '&' and '<' always; '>' always, so "]]>" can
 * never appear in content; '"' always, since attribute values are quoted
 * with it; CR as a character reference, because a parser turns a literal
 * CR (or CR LF) into LF; in attribute values also TAB and LF, which
 * attribute-value normalisation would turn into spaces. Other C0 controls
 * cannot be written in XML 1.0 at all and are refused.
 */
#include <string.h>

#include "cwmp_writer.h"

void cwmp_writer_init(struct cwmp_writer *w, char *out, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->cap = cap;
}

static bool ok(const struct cwmp_writer *w)
{
	return !w->full && !w->misuse;
}

static bool put(struct cwmp_writer *w, const char *s, size_t n)
{
	if (!ok(w))
		return false;
	if (n > w->cap - w->len) {
		w->full = true;
		return false;
	}
	memcpy(w->out + w->len, s, n);
	w->len += n;
	return true;
}

static bool puts_(struct cwmp_writer *w, const char *s)
{
	return put(w, s, strlen(s));
}

/* Closes a pending start tag: content follows. */
static bool close_tag(struct cwmp_writer *w)
{
	if (!w->tag_open)
		return ok(w);
	w->tag_open = false;
	return put(w, ">", 1);
}

static bool escaped(struct cwmp_writer *w, const char *s, bool in_attr)
{
	while (*s && ok(w)) {
		size_t run = strcspn(s, "&<>\"\r\t\n\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
		                        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f");
		const char *ref = NULL;

		if (!put(w, s, run))
			return false;
		s += run;
		switch (*s) {
		case '\0': return true;
		case '&': ref = "&amp;"; break;
		case '<': ref = "&lt;"; break;
		case '>': ref = "&gt;"; break;
		case '"': ref = "&quot;"; break;
		case '\r': ref = "&#13;"; break;
		case '\t': ref = in_attr ? "&#9;" : "\t"; break;
		case '\n': ref = in_attr ? "&#10;" : "\n"; break;
		default: w->misuse = true; return false;   /* not an XML 1.0 character */
		}
		if (!puts_(w, ref))
			return false;
		s++;
	}
	return ok(w);
}

bool cwmp_writer_raw(struct cwmp_writer *w, const char *s)
{
	if (w->depth != 0)
		w->misuse = true;
	return puts_(w, s);
}

bool cwmp_writer_start(struct cwmp_writer *w, const char *name)
{
	if (!close_tag(w))
		return false;
	if (w->depth == CWMP_WRITER_DEPTH) {
		w->misuse = true;
		return false;
	}
	if (!put(w, "<", 1) || !puts_(w, name))
		return false;
	w->names[w->depth++] = name;
	w->tag_open = true;
	return true;
}

bool cwmp_writer_attr(struct cwmp_writer *w, const char *name, const char *value)
{
	if (!w->tag_open)
		w->misuse = true;
	return put(w, " ", 1) && puts_(w, name) && put(w, "=\"", 2) && escaped(w, value, true) &&
	       put(w, "\"", 1);
}

bool cwmp_writer_text(struct cwmp_writer *w, const char *text)
{
	if (w->depth == 0)
		w->misuse = true;
	return close_tag(w) && escaped(w, text, false);
}

bool cwmp_writer_end(struct cwmp_writer *w)
{
	if (w->depth == 0) {
		w->misuse = true;
		return false;
	}
	const char *name = w->names[--w->depth];
	if (w->tag_open) {
		w->tag_open = false;
		return put(w, "/>", 2);
	}
	return put(w, "</", 2) && puts_(w, name) && put(w, ">", 1);
}

enum mayday_err cwmp_writer_finish(const struct cwmp_writer *w, size_t *len)
{
	*len = 0;
	if (w->full)
		return MAYDAY_E_TOOBIG;
	if (w->misuse || w->depth != 0)
		return MAYDAY_E_INVALID;
	*len = w->len;
	return MAYDAY_OK;
}
