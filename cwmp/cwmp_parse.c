/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CWMP envelope parser: expat, streaming into the decoder (cwmp_decode.c).
 * Cheap checks come first: the input is capped at CWMP_ENVELOPE_MAX and an
 * empty POST never reaches expat. Expat then runs with namespace
 * processing and locked down: a DOCTYPE stops it at once (SOAP forbids a
 * DTD), so no entity is ever declared, expanded or loaded; no external
 * entity handler is installed and parameter entities are never parsed, and
 * expat itself opens no file and no socket. Nesting is bounded by the
 * decoder while parsing (CWMP_DEPTH_MAX), text by each field's limit, and
 * expat's own memory by the capped input. The first error stops the
 * parser; the caller's struct is zeroed then, so no partial state is left.
 */
#include <string.h>

#include <expat.h>

#include "cwmp.h"
#include "cwmp_decode.h"

struct pctx {
	XML_Parser p;
	const char *buf;
	size_t len;
	struct cwmp_decode dec;
	enum mayday_err err;       /* the first error; events after it are ignored */
	const char *why;
	size_t at;
};

/* The byte offset of the start of the line holding offset `at`. */
static size_t line_start(const struct pctx *pc, size_t at)
{
	if (at > pc->len)
		at = pc->len;
	while (at > 0 && pc->buf[at - 1] != '\n')
		at--;
	return at;
}

static void stop(struct pctx *pc, enum mayday_err err, const char *why, size_t at)
{
	pc->err = err;
	pc->why = why;
	pc->at = at;
	XML_StopParser(pc->p, XML_FALSE);
}

/* A decoder's (semantic) error is reported at the line of its element. */
static void decoded(struct pctx *pc, enum mayday_err err)
{
	if (err != MAYDAY_OK)
		stop(pc, err, pc->dec.why, line_start(pc, pc->dec.err_at));
}

static size_t here(const struct pctx *pc)
{
	XML_Index at = XML_GetCurrentByteIndex(pc->p);
	return at >= 0 && (size_t)at <= pc->len ? (size_t)at : pc->len;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct pctx *pc = ud;
	if (pc->err == MAYDAY_OK)
		decoded(pc, cwmp_decode_start(&pc->dec, name, attrs, here(pc)));
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct pctx *pc = ud;
	(void)name;   /* expat has matched it with its start tag */
	if (pc->err == MAYDAY_OK)
		decoded(pc, cwmp_decode_end(&pc->dec));
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct pctx *pc = ud;
	if (pc->err == MAYDAY_OK && len > 0)
		decoded(pc, cwmp_decode_text(&pc->dec, s, (size_t)len));
}

/* SOAP forbids a DTD; refusing it at "<!DOCTYPE" means no entity is ever declared. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
	struct pctx *pc = ud;
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	if (pc->err == MAYDAY_OK)
		stop(pc, MAYDAY_E_MALFORMED, "DTD (document type declaration) refused", 0);
}

/* Unreachable while the DOCTYPE is refused; here so that stays true if that changes. */
static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
                                   const XML_Char *value, int value_len, const XML_Char *base,
                                   const XML_Char *sysid, const XML_Char *pubid,
                                   const XML_Char *notation)
{
	struct pctx *pc = ud;
	(void)name, (void)is_param, (void)value, (void)value_len, (void)base;
	(void)sysid, (void)pubid, (void)notation;
	if (pc->err == MAYDAY_OK)
		stop(pc, MAYDAY_E_MALFORMED, "entity declaration refused", 0);
}

static bool is_xs_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum mayday_err cwmp_parse(const char *buf, size_t len, struct cwmp_msg *msg,
                           struct mayday_diag *diag)
{
	struct pctx pc = { .buf = buf, .len = len, .err = MAYDAY_OK };
	size_t i;

	memset(msg, 0, sizeof(*msg));
	diag->offset = 0;
	diag->what = NULL;
	if (len > CWMP_ENVELOPE_MAX) {
		diag->offset = CWMP_ENVELOPE_MAX;
		diag->what = "envelope exceeds CWMP_ENVELOPE_MAX";
		return MAYDAY_E_TOOBIG;
	}
	for (i = 0; i < len && is_xs_space(buf[i]); i++)
		;
	if (i == len)
		return MAYDAY_OK;   /* the empty POST (some clients send a newline or two) */

	if (!(pc.p = XML_ParserCreateNS(NULL, CWMP_DECODE_NS_SEP))) {
		diag->what = "parser context";
		return MAYDAY_E_NOMEM;
	}
	cwmp_decode_init(&pc.dec, msg);
	XML_SetUserData(pc.p, &pc);
	XML_SetElementHandler(pc.p, on_start, on_end);
	XML_SetCharacterDataHandler(pc.p, on_text);
	XML_SetStartDoctypeDeclHandler(pc.p, on_doctype);
	XML_SetEntityDeclHandler(pc.p, on_entity_decl);
	XML_SetParamEntityParsing(pc.p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (XML_Parse(pc.p, buf, (int)len, XML_TRUE) != XML_STATUS_OK && pc.err == MAYDAY_OK) {
		enum XML_Error e = XML_GetErrorCode(pc.p);
		const XML_LChar *why = XML_ErrorString(e);
		pc.err = e == XML_ERROR_NO_MEMORY ? MAYDAY_E_NOMEM : MAYDAY_E_MALFORMED;
		pc.why = why ? why : "not well-formed XML";
		pc.at = here(&pc);
	}
	if (pc.err == MAYDAY_OK)
		cwmp_decode_finish(&pc.dec);
	XML_ParserFree(pc.p);
	if (pc.err != MAYDAY_OK) {
		memset(msg, 0, sizeof(*msg));
		diag->offset = pc.at;
		diag->what = pc.why;
	}
	return pc.err;
}
