/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQLite schema, version STORE_SQLITE_SCHEMA_VERSION, built as a chain
 * of migrations: a fresh file runs all of them, an older file the ones it
 * lacks, each step in the same IMMEDIATE transaction as the version bump.
 * So a migrated database and a fresh one are the same schema by
 * construction, and a failed step leaves the old version intact.
 *
 * indications has no foreign key to devices on purpose: unverified rows may
 * name devices that were never enrolled. Rows are unique per
 * (device_id, counter, trust) so an unverified forgery can never occupy the
 * place of a device's authentic record. History tables (indications, their
 * failed components, incident_events) are append-only, enforced by triggers.
 * Times are seconds since the epoch; 64-bit counters (and the replay
 * bitmap) are stored as their two's-complement INTEGER bit pattern.
 *
 * Version 2 (the four distress methods): indications.transport is the
 * method the row arrived by and trust its message authentication, as
 * before; channel_auth and peer_identity record how the channel
 * authenticated the sender (rows of version 1 came over plain UDP: 'none',
 * ''). psk_keys holds each device's PSK and the replay window of the PSK
 * method, advanced in the transaction that stores the indication.
 *
 * Version 5 (secrets at rest): psk_keys.psk_sealed holds the PSK sealed
 * under the key-encryption key (mayday/kek.h), bound to its kid and device
 * ID. The plaintext column psk stays only for rows of older versions, until
 * the first open with the KEK seals them (store_psk_kek): the migration
 * cannot, since the KEK is not the store's. Exactly one of the two is set.
 */
#include <stdio.h>
#include <string.h>

#include "store_sqlite.h"

static const char schema_v1[] =
	"CREATE TABLE schema_version (version INTEGER NOT NULL);"
	"CREATE TABLE devices ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" product_class TEXT NOT NULL,"
	" pubkey_pem TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'healthy',"
	" state_since INTEGER NOT NULL,"
	" enrolled_at INTEGER NOT NULL);"
	"CREATE TABLE incidents ("
	" id INTEGER PRIMARY KEY,"
	" device_id TEXT NOT NULL REFERENCES devices(id),"
	" opened_at INTEGER NOT NULL,"
	" closed_at INTEGER,"
	" state TEXT NOT NULL);"
	"CREATE UNIQUE INDEX incidents_one_open ON incidents(device_id) WHERE closed_at IS NULL;"
	"CREATE INDEX incidents_device ON incidents(device_id);"
	"CREATE TABLE indications ("
	" id INTEGER PRIMARY KEY,"
	" device_id TEXT NOT NULL,"
	" counter INTEGER NOT NULL,"
	" received_at INTEGER NOT NULL,"
	" device_time INTEGER NOT NULL,"
	" transport INTEGER NOT NULL,"
	" trust TEXT NOT NULL CHECK (trust IN ('signed', 'unverified')),"
	" peer TEXT NOT NULL,"
	" reason INTEGER NOT NULL,"
	" image_version TEXT NOT NULL,"
	" manifest_rollback INTEGER NOT NULL,"
	" dcf_version TEXT NOT NULL,"
	" slot INTEGER NOT NULL,"
	" boot_attempts INTEGER NOT NULL,"
	" free_space INTEGER NOT NULL,"
	" max_image_size INTEGER NOT NULL,"
	" incident_id INTEGER REFERENCES incidents(id),"
	" raw BLOB NOT NULL,"
	" digest BLOB NOT NULL,"
	" UNIQUE (device_id, counter, trust));"
	"CREATE INDEX indications_incident ON indications(incident_id);"
	"CREATE TABLE failed_components ("
	" indication_id INTEGER NOT NULL REFERENCES indications(id),"
	" idx INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" flags INTEGER NOT NULL,"
	" expected_size INTEGER NOT NULL,"
	" measured_size INTEGER NOT NULL,"
	" expected_digest TEXT NOT NULL,"
	" measured_digest TEXT NOT NULL,"
	" PRIMARY KEY (indication_id, idx));"
	"CREATE TABLE incident_events ("
	" id INTEGER PRIMARY KEY,"
	" incident_id INTEGER NOT NULL REFERENCES incidents(id),"
	" at INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" from_state TEXT,"
	" to_state TEXT,"
	" indication_id INTEGER REFERENCES indications(id));"
	"CREATE INDEX incident_events_incident ON incident_events(incident_id);"
	"CREATE TRIGGER indications_append_only_u BEFORE UPDATE ON indications"
	" BEGIN SELECT RAISE(ABORT, 'indications are append-only'); END;"
	"CREATE TRIGGER indications_append_only_d BEFORE DELETE ON indications"
	" BEGIN SELECT RAISE(ABORT, 'indications are append-only'); END;"
	"CREATE TRIGGER failed_components_append_only_u BEFORE UPDATE ON failed_components"
	" BEGIN SELECT RAISE(ABORT, 'failed_components are append-only'); END;"
	"CREATE TRIGGER failed_components_append_only_d BEFORE DELETE ON failed_components"
	" BEGIN SELECT RAISE(ABORT, 'failed_components are append-only'); END;"
	"CREATE TRIGGER incident_events_append_only_u BEFORE UPDATE ON incident_events"
	" BEGIN SELECT RAISE(ABORT, 'incident history is append-only'); END;"
	"CREATE TRIGGER incident_events_append_only_d BEFORE DELETE ON incident_events"
	" BEGIN SELECT RAISE(ABORT, 'incident history is append-only'); END;"
	"INSERT INTO schema_version (version) VALUES (1);";

static const char migrate_v2[] =
	"ALTER TABLE indications ADD COLUMN channel_auth TEXT NOT NULL DEFAULT 'none'"
	" CHECK (channel_auth IN ('none', 'mtls', 'ike', 'psk'));"
	"ALTER TABLE indications ADD COLUMN peer_identity TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE psk_keys ("
	" kid BLOB PRIMARY KEY NOT NULL CHECK (length(kid) BETWEEN 8 AND 16),"
	" device_id TEXT NOT NULL UNIQUE REFERENCES devices(id),"
	" psk BLOB NOT NULL CHECK (length(psk) = 32),"
	" replay_highest INTEGER NOT NULL DEFAULT 0,"
	" replay_bitmap INTEGER NOT NULL DEFAULT 0,"
	" enrolled_at INTEGER NOT NULL);"
	"UPDATE schema_version SET version = 2;";

/* Version 3 (remediation, store_remed.h): operator approvals per incident
 * and the ACS's attempts. Attempts are updated in place (result, token
 * use); the history of state changes stays in incident_events. */
static const char migrate_v3[] =
	"CREATE TABLE remediation_approvals ("
	" incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),"
	" approved_at INTEGER NOT NULL);"
	"CREATE TABLE remediation_attempts ("
	" id INTEGER PRIMARY KEY,"
	" incident_id INTEGER NOT NULL REFERENCES incidents(id),"
	" device_id TEXT NOT NULL REFERENCES devices(id),"
	" attempt INTEGER NOT NULL,"
	" command_key TEXT NOT NULL UNIQUE,"
	" token TEXT NOT NULL,"
	" token_used INTEGER NOT NULL DEFAULT 0,"
	" bundle TEXT NOT NULL,"
	" bundle_size INTEGER NOT NULL,"
	" free_space INTEGER NOT NULL,"
	" max_image_size INTEGER NOT NULL,"
	" started_at INTEGER NOT NULL,"
	" finished_at INTEGER,"
	" result TEXT NOT NULL CHECK (result IN"
	"  ('in_progress', 'installed', 'recovered', 'failed')),"
	" fault_code INTEGER NOT NULL DEFAULT 0,"
	" detail TEXT NOT NULL DEFAULT '',"
	" UNIQUE (incident_id, attempt));"
	"CREATE INDEX remediation_attempts_device ON remediation_attempts(device_id);"
	"CREATE INDEX remediation_attempts_token ON remediation_attempts(token) WHERE token != '';"
	"UPDATE schema_version SET version = 3;";

/* Version 4 (the automatic pause of remediation per product class,
 * store_remed.h): pauses and the operators' resumes, append-only like the
 * rest of the history. failures: the failed attempts in a row that paused
 * the class (0 for a resume). The indexes serve the pause rule, which looks
 * at a class's newest finished attempts. A database migrated with failed
 * attempts already in it pauses a class whose newest ones all failed. */
static const char migrate_v4[] =
	"CREATE TABLE remediation_class_events ("
	" id INTEGER PRIMARY KEY,"
	" product_class TEXT NOT NULL,"
	" at INTEGER NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('paused', 'resumed')),"
	" failures INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX remediation_class_events_class"
	" ON remediation_class_events(product_class, id);"
	"CREATE TRIGGER remediation_class_events_append_only_u"
	" BEFORE UPDATE ON remediation_class_events"
	" BEGIN SELECT RAISE(ABORT, 'class history is append-only'); END;"
	"CREATE TRIGGER remediation_class_events_append_only_d"
	" BEFORE DELETE ON remediation_class_events"
	" BEGIN SELECT RAISE(ABORT, 'class history is append-only'); END;"
	"CREATE INDEX devices_class ON devices(product_class);"
	"CREATE INDEX remediation_attempts_finished ON remediation_attempts(finished_at)"
	" WHERE result IN ('failed', 'recovered');"
	"UPDATE schema_version SET version = 4;";

/* Version 5: psk_keys rebuilt (SQLite cannot alter a column's CHECK) with
 * psk_sealed beside the old plaintext column, now nullable. */
static const char migrate_v5[] =
	"CREATE TABLE psk_keys_v5 ("
	" kid BLOB PRIMARY KEY NOT NULL CHECK (length(kid) BETWEEN 8 AND 16),"
	" device_id TEXT NOT NULL UNIQUE REFERENCES devices(id),"
	" psk BLOB CHECK (psk IS NULL OR length(psk) = 32),"
	" psk_sealed BLOB CHECK (psk_sealed IS NULL OR length(psk_sealed) = 60),"
	" replay_highest INTEGER NOT NULL DEFAULT 0,"
	" replay_bitmap INTEGER NOT NULL DEFAULT 0,"
	" enrolled_at INTEGER NOT NULL,"
	" CHECK ((psk IS NULL) <> (psk_sealed IS NULL)));"
	"INSERT INTO psk_keys_v5 (kid, device_id, psk, replay_highest, replay_bitmap, enrolled_at)"
	" SELECT kid, device_id, psk, replay_highest, replay_bitmap, enrolled_at FROM psk_keys;"
	"DROP TABLE psk_keys;"
	"ALTER TABLE psk_keys_v5 RENAME TO psk_keys;"
	"UPDATE schema_version SET version = 5;";

/* Version 6 (the counter rule, store_ingest.h): each device's high-water
 * mark, the highest counter of its signed rows (NULL: none yet), advanced
 * by ingest in the transaction that stores a row above it. A column rather
 * than max() over indications: the unique index orders counters as signed
 * integers and passes over every unverified row above the mark, which a
 * forger can pile up. Counters are compared unsigned, so the mark of an
 * existing database is the largest bit pattern taken as unsigned: the
 * largest negative one if any (counters of 2^63 and above), else the
 * largest. */
static const char migrate_v6[] =
	"ALTER TABLE devices ADD COLUMN signed_counter INTEGER;"
	"UPDATE devices SET signed_counter = coalesce("
	" (SELECT max(counter) FROM indications"
	"  WHERE device_id = devices.id AND trust = 'signed' AND counter < 0),"
	" (SELECT max(counter) FROM indications"
	"  WHERE device_id = devices.id AND trust = 'signed'));"
	"UPDATE schema_version SET version = 6;";

/* Version 7 (silence, store_silence.h): devices.last_seen, the time of
 * the device's latest authenticated contact (a signed indication, a CWMP
 * Inform over mTLS); NULL until it is first heard from, when enrolled_at
 * stands in for it. The partial index on that expression is what the
 * silence sweep reads: devices not yet unreachable, oldest contact first,
 * per class and over all classes. Self-contained, so a merge that puts
 * another migration before it only renumbers the last line. */
static const char migrate_v7[] =
	"ALTER TABLE devices ADD COLUMN last_seen INTEGER;"
	"CREATE INDEX devices_silence ON devices(coalesce(last_seen, enrolled_at))"
	" WHERE state != 'unreachable';"
	"CREATE INDEX devices_class_silence"
	" ON devices(product_class, coalesce(last_seen, enrolled_at))"
	" WHERE state != 'unreachable';"
	"UPDATE schema_version SET version = 7;";

/* Version 8 (issue 12, store_acs.h): HTTP credentials of CPEs without a
 * client certificate, as HA1s only (never the password), and the ACS's
 * decisions per device, append-only like the rest of the history; the
 * ConnectionRequestURL each CPE last announced and when the ACS last used it. */
static const char migrate_v8[] =
	"CREATE TABLE cwmp_credentials ("
	" device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices(id),"
	" username TEXT NOT NULL UNIQUE,"
	" ha1_md5 TEXT NOT NULL CHECK (length(ha1_md5) = 32),"
	" ha1_sha256 TEXT NOT NULL CHECK (length(ha1_sha256) = 64),"
	" set_at INTEGER NOT NULL);"
	"CREATE TABLE acs_decisions ("
	" id INTEGER PRIMARY KEY,"
	" device_id TEXT NOT NULL REFERENCES devices(id),"
	" incident_id INTEGER REFERENCES incidents(id),"
	" at INTEGER NOT NULL,"
	" text TEXT NOT NULL);"
	"CREATE INDEX acs_decisions_device ON acs_decisions(device_id, id);"
	"CREATE TABLE cwmp_connreq ("
	" device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices(id),"
	" url TEXT NOT NULL,"
	" requested_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE TRIGGER acs_decisions_append_only_u BEFORE UPDATE ON acs_decisions"
	" BEGIN SELECT RAISE(ABORT, 'ACS decisions are append-only'); END;"
	"CREATE TRIGGER acs_decisions_append_only_d BEFORE DELETE ON acs_decisions"
	" BEGIN SELECT RAISE(ABORT, 'ACS decisions are append-only'); END;"
	"UPDATE schema_version SET version = 8;";

/* Version 9 (EAT claims, docs/protocol.md §6.2): indications.msg_version,
 * the message version the row's claims came in: 1 (mayday's own keys) or 2
 * (an EAT claims set). Rows of older versions were all version 1. Self-
 * contained, like v7, so a merge that puts another migration before it only
 * renumbers the last line. */
static const char migrate_v9[] =
	"ALTER TABLE indications ADD COLUMN msg_version INTEGER NOT NULL DEFAULT 1"
	" CHECK (msg_version IN (1, 2));"
	"UPDATE schema_version SET version = 9;";

/* Version 10 (issue 13 point 3, store_events.h): the outbox. Every change
 * an operator's systems hear about leaves an events row, written by a
 * trigger on the history row that records the change, so the event is in
 * the same transaction by construction: a rolled-back change leaves none.
 * incident_events gives incident.opened, incident.state_changed (every
 * other kind but 'indication'), device.unreachable ('silent') and
 * device.reachable ('heard'); remediation_class_events gives class.paused
 * and class.resumed; an attempt leaving in_progress gives
 * remediation.attempt_result. Append-only: ids are never reused, and a
 * consumer's cursor (event_cursors.delivered_up_to, the highest id it
 * acknowledged) is all delivery needs. Self-contained, like v7. */
static const char migrate_v10[] =
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" created_at INTEGER NOT NULL,"
	" type TEXT NOT NULL,"
	" device_id TEXT,"
	" payload TEXT NOT NULL CHECK (json_valid(payload)));"
	"CREATE TABLE event_cursors ("
	" endpoint TEXT PRIMARY KEY NOT NULL,"
	" delivered_up_to INTEGER NOT NULL DEFAULT 0);"
	"CREATE TRIGGER events_append_only_u BEFORE UPDATE ON events"
	" BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TRIGGER events_append_only_d BEFORE DELETE ON events"
	" BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TRIGGER events_of_incident AFTER INSERT ON incident_events"
	" WHEN new.kind != 'indication' BEGIN"
	" INSERT INTO events (created_at, type, device_id, payload)"
	"  SELECT new.at, CASE new.kind WHEN 'opened' THEN 'incident.opened'"
	"   WHEN 'silent' THEN 'device.unreachable' WHEN 'heard' THEN 'device.reachable'"
	"   ELSE 'incident.state_changed' END, i.device_id,"
	"   json_object('incident_id', new.incident_id, 'kind', new.kind,"
	"    'from_state', new.from_state, 'to_state', new.to_state,"
	"    'indication_id', new.indication_id)"
	"  FROM incidents i WHERE i.id = new.incident_id; END;"
	"CREATE TRIGGER events_of_class AFTER INSERT ON remediation_class_events BEGIN"
	" INSERT INTO events (created_at, type, device_id, payload)"
	"  VALUES (new.at, 'class.' || new.kind, NULL,"
	"   json_object('product_class', new.product_class, 'failures', new.failures)); END;"
	"CREATE TRIGGER events_of_attempt AFTER UPDATE OF result ON remediation_attempts"
	" WHEN old.result = 'in_progress' AND new.result != 'in_progress' BEGIN"
	" INSERT INTO events (created_at, type, device_id, payload)"
	"  VALUES (coalesce(new.finished_at, new.started_at), 'remediation.attempt_result',"
	"   new.device_id, json_object('incident_id', new.incident_id, 'attempt', new.attempt,"
	"    'command_key', new.command_key, 'result', new.result,"
	"    'fault_code', new.fault_code, 'detail', new.detail)); END;"
	"UPDATE schema_version SET version = 10;";

/* Version 11 (the fleet view, store_fleet.h): a partial index of signed
 * indications by arrival, carrying the device and image version (and
 * trust, without which SQLite reads each row to test the partial index's
 * own condition), so a window of the fleet is read from the index alone;
 * and the fleet
 * anomalies found, append-only like the rest of the history, each also an
 * outbox event (fleet.anomaly, version 10's events) written by a trigger in
 * the same transaction. Self-contained, so a merge that puts another
 * migration before it only renumbers the last line. */
static const char migrate_v11[] =
	"CREATE INDEX indications_fleet"
	" ON indications(received_at, device_id, image_version, trust) WHERE trust = 'signed';"
	"CREATE TABLE fleet_anomalies ("
	" id INTEGER PRIMARY KEY,"
	" product_class TEXT NOT NULL,"
	" component TEXT NOT NULL,"
	" at INTEGER NOT NULL,"
	" devices INTEGER NOT NULL,"
	" threshold INTEGER NOT NULL,"
	" window_s INTEGER NOT NULL,"
	" paused INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX fleet_anomalies_pair ON fleet_anomalies(product_class, component, at);"
	"CREATE TRIGGER fleet_anomalies_append_only_u BEFORE UPDATE ON fleet_anomalies"
	" BEGIN SELECT RAISE(ABORT, 'fleet anomalies are append-only'); END;"
	"CREATE TRIGGER fleet_anomalies_append_only_d BEFORE DELETE ON fleet_anomalies"
	" BEGIN SELECT RAISE(ABORT, 'fleet anomalies are append-only'); END;"
	"CREATE TRIGGER events_of_fleet_anomaly AFTER INSERT ON fleet_anomalies BEGIN"
	" INSERT INTO events (created_at, type, device_id, payload)"
	"  VALUES (new.at, 'fleet.anomaly', NULL,"
	"   json_object('anomaly_id', new.id, 'product_class', new.product_class,"
	"    'component', new.component, 'devices', new.devices, 'threshold', new.threshold,"
	"    'window_s', new.window_s, 'paused', new.paused)); END;"
	"UPDATE schema_version SET version = 11;";

/* Version 12 (issue 13 points 1 and 2, store_api.h): the operators' writes.
 * api_tokens holds the API's bearer tokens, the SHA-256 of each secret
 * only. devices.revoked_at/revoked_by: a revoked device's indications are
 * still recorded, never trusted (store_ingest.h). Approvals and manual
 * pauses record who (NULL: before this version, or the automatic rule).
 * operator_actions is the append-only journal of every write an operator
 * made through the API. The outbox (version 10) gains device.enrolled (a
 * new device, or a new key), device.revoked, and the identity behind a
 * class event ("by", null for the automatic pause). Self-contained, like
 * v7, so a merge that puts another migration before it only renumbers the
 * last line. */
static const char migrate_v12[] =
	"CREATE TABLE api_tokens ("
	" id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 20 AND id GLOB 'mdt_*'),"
	" name TEXT NOT NULL UNIQUE,"
	" role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),"
	" secret_sha256 BLOB NOT NULL CHECK (length(secret_sha256) = 32),"
	" created_at INTEGER NOT NULL,"
	" created_by TEXT NOT NULL,"
	" last_used_at INTEGER,"
	" revoked_at INTEGER);"
	"ALTER TABLE devices ADD COLUMN revoked_at INTEGER;"
	"ALTER TABLE devices ADD COLUMN revoked_by TEXT;"
	"ALTER TABLE remediation_approvals ADD COLUMN approved_by TEXT;"
	"ALTER TABLE remediation_class_events ADD COLUMN by_identity TEXT;"
	"CREATE TABLE operator_actions ("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" identity TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" target TEXT NOT NULL,"
	" detail TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX operator_actions_target ON operator_actions(target, id);"
	"CREATE TRIGGER operator_actions_append_only_u BEFORE UPDATE ON operator_actions"
	" BEGIN SELECT RAISE(ABORT, 'operator actions are append-only'); END;"
	"CREATE TRIGGER operator_actions_append_only_d BEFORE DELETE ON operator_actions"
	" BEGIN SELECT RAISE(ABORT, 'operator actions are append-only'); END;"
	"CREATE TRIGGER events_of_enrol AFTER INSERT ON devices BEGIN"
	" INSERT INTO events (created_at, type, device_id, payload)"
	"  VALUES (new.enrolled_at, 'device.enrolled', new.id,"
	"   json_object('product_class', new.product_class, 'new_key', json('false'))); END;"
	"CREATE TRIGGER events_of_reenrol AFTER UPDATE OF pubkey_pem ON devices"
	" WHEN old.pubkey_pem IS NOT new.pubkey_pem BEGIN"
	" INSERT INTO events (created_at, type, device_id, payload)"
	"  VALUES (new.enrolled_at, 'device.enrolled', new.id,"
	"   json_object('product_class', new.product_class, 'new_key', json('true'))); END;"
	"CREATE TRIGGER events_of_revoke AFTER UPDATE OF revoked_at ON devices"
	" WHEN old.revoked_at IS NULL AND new.revoked_at IS NOT NULL BEGIN"
	" INSERT INTO events (created_at, type, device_id, payload)"
	"  VALUES (new.revoked_at, 'device.revoked', new.id,"
	"   json_object('product_class', new.product_class, 'revoked_by', new.revoked_by)); END;"
	"DROP TRIGGER events_of_class;"
	"CREATE TRIGGER events_of_class AFTER INSERT ON remediation_class_events BEGIN"
	" INSERT INTO events (created_at, type, device_id, payload)"
	"  VALUES (new.at, 'class.' || new.kind, NULL,"
	"   json_object('product_class', new.product_class, 'failures', new.failures,"
	"    'by', new.by_identity)); END;"
	"UPDATE schema_version SET version = 12;";

/* Version 13: the API's counts (GET /v1/devices/counts) read the remediation
 * attempts of a window (those started in the last 30 days, docs/api.md), a
 * range of this index, which also holds the result they are grouped by, so
 * the count never reads the table nor the history before the window.
 * Self-contained, like v7, so a merge that puts another migration before it
 * only renumbers the last line. */
static const char migrate_v13[] =
	"CREATE INDEX remediation_attempts_started ON remediation_attempts(started_at, result);"
	"UPDATE schema_version SET version = 13;";

/* migrations[i] takes a database from version i to i + 1. */
static const char *const migrations[STORE_SQLITE_SCHEMA_VERSION] = {
	schema_v1, migrate_v2, migrate_v3, migrate_v4, migrate_v5, migrate_v6, migrate_v7,
	migrate_v8, migrate_v9, migrate_v10, migrate_v11, migrate_v12, migrate_v13};

static enum mayday_err version_of(sqlite3 *db, int *version)
{
	sqlite3_stmt *stmt = NULL;
	enum mayday_err err = MAYDAY_OK;
	int rc = sqlite3_prepare_v2(db,
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
		-1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		err = store_sqlite_err(rc);
		goto out;
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		*version = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		err = store_sqlite_err(rc);
		goto out;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;
	rc = sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1, &stmt, NULL);
	if (rc != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		err = MAYDAY_E_IO;
		goto out;
	}
	*version = sqlite3_column_int(stmt, 0);
out:
	sqlite3_finalize(stmt);
	return err;
}

enum mayday_err store_sqlite_schema_apply(sqlite3 *db, bool create, const char *path, char *why,
					  size_t why_cap)
{
	enum mayday_err err = MAYDAY_OK;
	int version = 0;
	/* IMMEDIATE: two processes opening a fresh file create the schema once.
	 * A reader that may not create takes no write lock. */
	int rc = sqlite3_exec(db, create ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(why, why_cap, "%s: %s", path, sqlite3_errmsg(db));
		return store_sqlite_err(rc);
	}
	err = version_of(db, &version);
	if (err != MAYDAY_OK) {
		snprintf(why, why_cap, "%s: cannot read its schema version: %s", path,
			 sqlite3_errmsg(db));
		goto out;
	}
	if (version < 0 || version > STORE_SQLITE_SCHEMA_VERSION) {
		snprintf(why, why_cap, "%s has schema version %d; this program knows %d at most: "
			 "use the release that wrote it", path, version, STORE_SQLITE_SCHEMA_VERSION);
		err = MAYDAY_E_UNSUPPORTED;
		goto out;
	}
	if (!create && version == 0) {
		snprintf(why, why_cap, "%s is not a mayday store (no schema): check the path",
			 path);
		err = MAYDAY_E_NOTFOUND;
		goto out;
	}
	if (!create && version < STORE_SQLITE_SCHEMA_VERSION) {
		snprintf(why, why_cap, "%s has schema version %d, older than this program's %d: "
			 "start maydayd of this release once, which migrates it", path, version,
			 STORE_SQLITE_SCHEMA_VERSION);
		err = MAYDAY_E_UNSUPPORTED;
		goto out;
	}
	for (int v = version; v < STORE_SQLITE_SCHEMA_VERSION; v++) {
		rc = sqlite3_exec(db, migrations[v], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(why, why_cap, "%s: migrating schema %d to %d: %s", path, v, v + 1,
				 sqlite3_errmsg(db));
			err = store_sqlite_err(rc);
			goto out;
		}
	}
	rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(why, why_cap, "%s: %s", path, sqlite3_errmsg(db));
		err = store_sqlite_err(rc);
	}
out:
	if (err != MAYDAY_OK)
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}
