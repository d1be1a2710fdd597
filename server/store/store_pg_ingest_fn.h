/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server-side half of PostgreSQL ingest (store_pg_ingest.c): the
 * schema (store_pg_schema.c) creates these functions, and a put is one
 * call of mayday_ingest_put, so one round trip instead of one per
 * statement (a device lock, a twin lookup, the incident, the row, its
 * components, the mark, the event: about seven before).
 *
 * mayday_ingest_put makes the decisions of store_ingest.h by the steps the
 * SQLite backend takes (store_sqlite_ingest.c, whose comments say why each
 * is there), in the same order:
 *  - a signed record locks its device's row (FOR UPDATE) and reads the
 *    mark, revocation, last contact and state under that lock; a revoked
 *    device's record goes on as unverified; a device not enrolled is
 *    refused ('unenrolled': MAYDAY_E_INVALID);
 *  - the counter rule: a signed record at or below the mark is answered
 *    from its stored twin (duplicate, or conflict -- replay under PSK),
 *    else stale, or replay when the PSK window refuses it too; an
 *    unverified record is answered from its twin when there is one;
 *  - a PSK record advances its kid's window, the row locked (FOR UPDATE),
 *    or is a replay; a kid not the device's is refused ('kid');
 *  - a signed record brings an unreachable device back (the state its
 *    latest 'silent' event left: store_pg_silence_back's rule, with no
 *    incident closed), then joins the open incident or opens one, moving
 *    the state by store_state_on_distress's table;
 *  - the row is inserted with ON CONFLICT DO NOTHING: an unverified row
 *    whose key another node took meanwhile is answered from that twin;
 *  - its failed components, the mark and last_seen (a newer second only),
 *    and the 'indication' history row.
 * The state names and store_state_on_distress's table are written out
 * here as in store_state.c: a change there must be made here too.
 *
 * Counters and replay windows are BIGINT holding the two's-complement bit
 * pattern of an unsigned 64-bit value (as in SQLite): mayday_u64 orders
 * them as unsigned, and mayday_replay is mayday_replay_update's window
 * (lib/src/replay.c) on those bit patterns, shifts done on bit(64).
 *
 * Its answer, one row: outcome ('new', 'duplicate', 'conflict', 'replay',
 * 'stale'; or 'unenrolled', 'kid', 'internal', which write nothing), the
 * trust stored, the indication and incident (0: none), the mark before
 * the record (NULL for an unverified record) and whether the device came
 * back from unreachable.
 */
#ifndef MAYDAY_STORE_PG_INGEST_FN_H
#define MAYDAY_STORE_PG_INGEST_FN_H

#define STORE_PG_STATES \
	"'healthy', 'in_distress', 'remediation_scheduled', 'remediation_in_progress'," \
	" 'installed', 'recovered', 'remediation_failed', 'unreachable'"

/* The twin of (p_device, p_counter, o_trust) answered: v_found says if there was one. */
#define STORE_PG_TWIN \
	"  SELECT id, digest, coalesce(incident_id, 0) INTO v_id, v_digest, v_inc" \
	"   FROM indications WHERE device_id = p_device AND counter = p_counter" \
	"   AND trust = o_trust;" \
	"  v_found := FOUND;" \
	"  IF v_found THEN" \
	"   IF v_digest = p_digest THEN" \
	"    o_outcome := 'duplicate'; o_indication := v_id; o_incident := v_inc;" \
	"   ELSIF p_channel = 'psk' THEN o_outcome := 'replay';" \
	"   ELSE o_outcome := 'conflict'; END IF;" \
	"  END IF;"

#define STORE_PG_INGEST_FN_SQL \
	"CREATE FUNCTION mayday_u64(v BIGINT) RETURNS NUMERIC LANGUAGE sql IMMUTABLE AS $$" \
	" SELECT CASE WHEN v < 0 THEN v::numeric + 18446744073709551616 ELSE v::numeric END $$;" \
	"CREATE FUNCTION mayday_replay(p_highest BIGINT, p_bitmap BIGINT, p_counter BIGINT," \
	" OUT o_ok BOOLEAN, OUT o_highest BIGINT, OUT o_bitmap BIGINT)" \
	" LANGUAGE plpgsql IMMUTABLE AS $$" \
	" DECLARE v_gap NUMERIC;" \
	" BEGIN" \
	"  o_ok := false; o_highest := p_highest; o_bitmap := p_bitmap;" \
	"  IF p_counter = 0 THEN RETURN; END IF;" \
	"  IF mayday_u64(p_counter) > mayday_u64(p_highest) THEN" \
	"   v_gap := mayday_u64(p_counter) - mayday_u64(p_highest);" \
	"   o_bitmap := (CASE WHEN v_gap >= 64 THEN 0" \
	"    ELSE (p_bitmap::bit(64) << v_gap::integer)::bigint END) | 1;" \
	"   o_highest := p_counter; o_ok := true; RETURN;" \
	"  END IF;" \
	"  v_gap := mayday_u64(p_highest) - mayday_u64(p_counter);" \
	"  IF v_gap >= 64 OR ((p_bitmap >> v_gap::integer) & 1) = 1 THEN RETURN; END IF;" \
	"  o_bitmap := (p_bitmap::bit(64) | (1::bigint::bit(64) << v_gap::integer))::bigint;" \
	"  o_ok := true;" \
	" END $$;" \
	"CREATE FUNCTION mayday_ingest_put(p_device TEXT, p_counter BIGINT, p_trust TEXT," \
	" p_channel TEXT, p_kid BYTEA, p_received BIGINT, p_device_time BIGINT," \
	" p_transport BIGINT, p_peer TEXT, p_reason BIGINT, p_image TEXT, p_rollback BIGINT," \
	" p_dcf TEXT, p_slot BIGINT, p_boots BIGINT, p_free BIGINT, p_max_image BIGINT," \
	" p_raw BYTEA, p_digest BYTEA, p_identity TEXT, p_msg_version INTEGER," \
	" p_failed TEXT[]," \
	" OUT o_outcome TEXT, OUT o_trust TEXT, OUT o_indication BIGINT, OUT o_incident BIGINT," \
	" OUT o_high BIGINT, OUT o_back BOOLEAN)" \
	" LANGUAGE plpgsql AS $$" \
	" DECLARE" \
	"  v_revoked BOOLEAN; v_mark BIGINT; v_seen BIGINT; v_state TEXT; v_next TEXT;" \
	"  v_from TEXT; v_id BIGINT; v_digest BYTEA; v_inc BIGINT; v_opened BOOLEAN;" \
	"  v_owner TEXT; v_ok BOOLEAN; v_wh BIGINT; v_wb BIGINT; v_found BOOLEAN;" \
	"  v_back BOOLEAN := false;" \
	" BEGIN" \
	"  o_trust := p_trust; o_indication := 0; o_incident := 0; o_back := false;" \
	"  IF o_trust = 'signed' THEN" \
	"   SELECT revoked_at IS NOT NULL, signed_counter, coalesce(last_seen, 0), state" \
	"    INTO v_revoked, v_mark, v_seen, v_state FROM devices WHERE id = p_device FOR UPDATE;" \
	"   IF NOT FOUND THEN o_outcome := 'unenrolled'; RETURN; END IF;" \
	"   IF v_revoked THEN o_trust := 'unverified';" \
	"   ELSE o_high := coalesce(v_mark, 0); END IF;" \
	"  END IF;" \
	/* The counter rule, and the twin of an unverified record. */ \
	"  IF o_trust = 'unverified' OR" \
	"     (v_mark IS NOT NULL AND mayday_u64(p_counter) <= mayday_u64(v_mark)) THEN" \
	STORE_PG_TWIN \
	"   IF v_found THEN RETURN; END IF;" \
	"   IF o_trust = 'signed' THEN" \
	"    o_outcome := 'stale';" \
	"    IF p_channel = 'psk' THEN" \
	"     SELECT replay_highest, replay_bitmap INTO v_wh, v_wb FROM psk_keys" \
	"      WHERE kid = p_kid AND device_id = p_device;" \
	"     IF NOT FOUND THEN o_outcome := 'kid'; RETURN; END IF;" \
	"     IF NOT (mayday_replay(v_wh, v_wb, p_counter)).o_ok THEN" \
	"      o_outcome := 'replay';" \
	"     END IF;" \
	"    END IF;" \
	"    RETURN;" \
	"   END IF;" \
	"  END IF;" \
	/* The PSK window, advanced in this transaction. */ \
	"  IF p_channel = 'psk' THEN" \
	"   SELECT device_id, replay_highest, replay_bitmap INTO v_owner, v_wh, v_wb" \
	"    FROM psk_keys WHERE kid = p_kid FOR UPDATE;" \
	"   IF NOT FOUND OR v_owner <> p_device THEN o_outcome := 'kid'; RETURN; END IF;" \
	"   SELECT r.o_ok, r.o_highest, r.o_bitmap INTO v_ok, v_wh, v_wb" \
	"    FROM mayday_replay(v_wh, v_wb, p_counter) r;" \
	/* Waiting for the kid's row may have let a twin commit: answered from it. */ \
	"   IF NOT v_ok THEN" \
	STORE_PG_TWIN \
	"    IF NOT v_found THEN o_outcome := 'replay'; END IF;" \
	"    RETURN;" \
	"   END IF;" \
	"   UPDATE psk_keys SET replay_highest = v_wh, replay_bitmap = v_wb WHERE kid = p_kid;" \
	"  END IF;" \
	/* The incident of a signed record, the device back from unreachable first. */ \
	"  v_inc := NULL;" \
	"  IF o_trust = 'signed' THEN" \
	"   IF v_state IS NULL OR v_state NOT IN (" STORE_PG_STATES ") THEN" \
	"    v_state := 'healthy';" \
	"   END IF;" \
	"   IF v_state = 'unreachable' THEN" \
	"    SELECT i.id, (SELECT e.from_state FROM incident_events e" \
	"      WHERE e.incident_id = i.id AND e.kind = 'silent' ORDER BY e.id DESC LIMIT 1)" \
	"     INTO v_inc, v_from FROM incidents i" \
	"     WHERE i.device_id = p_device AND i.closed_at IS NULL;" \
	"    v_found := FOUND;" \
	"    IF NOT v_found OR v_from IS NULL OR v_from = 'unreachable'" \
	"       OR v_from NOT IN (" STORE_PG_STATES ") THEN" \
	"     v_from := 'healthy';" \
	"    END IF;" \
	"    UPDATE devices SET state = v_from, state_since = p_received WHERE id = p_device;" \
	"    IF v_found THEN" \
	"     UPDATE incidents SET state = v_from WHERE id = v_inc;" \
	"     INSERT INTO incident_events (incident_id, at, kind, from_state, to_state," \
	"      indication_id) VALUES (v_inc, p_received, 'heard', 'unreachable', v_from, NULL);" \
	"    END IF;" \
	"    v_state := v_from; v_back := true;" \
	"   END IF;" \
	"   v_next := CASE WHEN v_state IN ('remediation_scheduled', 'remediation_in_progress'," \
	"    'installed', 'remediation_failed') THEN v_state ELSE 'in_distress' END;" \
	"   SELECT id INTO v_inc FROM incidents WHERE device_id = p_device AND closed_at IS NULL;" \
	"   v_opened := NOT FOUND;" \
	"   IF v_opened THEN" \
	"    INSERT INTO incidents (device_id, opened_at, state)" \
	"     VALUES (p_device, p_received, v_next) RETURNING id INTO v_inc;" \
	"   END IF;" \
	"   IF v_next <> v_state THEN" \
	"    UPDATE devices SET state = v_next, state_since = p_received WHERE id = p_device;" \
	"    IF NOT v_opened THEN UPDATE incidents SET state = v_next WHERE id = v_inc; END IF;" \
	"   END IF;" \
	"   IF v_opened OR v_next <> v_state THEN" \
	"    INSERT INTO incident_events (incident_id, at, kind, from_state, to_state," \
	"     indication_id) VALUES (v_inc, p_received," \
	"     CASE WHEN v_opened THEN 'opened' ELSE 'state' END, v_state, v_next, NULL);" \
	"   END IF;" \
	"  END IF;" \
	"  v_id := NULL;" \
	"  INSERT INTO indications (device_id, counter, received_at, device_time, transport," \
	"   trust, peer, reason, image_version, manifest_rollback, dcf_version, slot," \
	"   boot_attempts, free_space, max_image_size, incident_id, raw, digest, channel_auth," \
	"   peer_identity, msg_version)" \
	"   VALUES (p_device, p_counter, p_received, p_device_time, p_transport, o_trust, p_peer," \
	"   p_reason, p_image, p_rollback, p_dcf, p_slot, p_boots, p_free, p_max_image, v_inc," \
	"   p_raw, p_digest, p_channel, p_identity, p_msg_version)" \
	"   ON CONFLICT (device_id, counter, trust) DO NOTHING RETURNING id INTO v_id;" \
	"  IF v_id IS NULL THEN" \
	/* Only an unverified row can lose its key here (a signed one holds its \
	 * device's lock): answered from the twin that won, committed and visible. */ \
	STORE_PG_TWIN \
	"   IF NOT v_found THEN o_outcome := 'internal'; END IF;" \
	"   RETURN;" \
	"  END IF;" \
	"  INSERT INTO failed_components (indication_id, idx, name, flags, expected_size," \
	"   measured_size, expected_digest, measured_digest)" \
	"   SELECT v_id, i - 1, p_failed[i][1], p_failed[i][2]::bigint, p_failed[i][3]::bigint," \
	"   p_failed[i][4]::bigint, p_failed[i][5], p_failed[i][6]" \
	"   FROM generate_subscripts(p_failed, 1) i;" \
	"  IF o_trust = 'signed' THEN" \
	"   IF p_received > v_seen THEN" \
	"    UPDATE devices SET signed_counter = p_counter, last_seen = p_received" \
	"     WHERE id = p_device;" \
	"   ELSE" \
	"    UPDATE devices SET signed_counter = p_counter WHERE id = p_device;" \
	"   END IF;" \
	"  END IF;" \
	"  IF v_inc IS NOT NULL THEN" \
	"   INSERT INTO incident_events (incident_id, at, kind, from_state, to_state," \
	"    indication_id) VALUES (v_inc, p_received, 'indication', NULL, NULL, v_id);" \
	"  END IF;" \
	"  o_outcome := 'new'; o_indication := v_id; o_incident := coalesce(v_inc, 0);" \
	"  o_back := v_back;" \
	" END $$;"

#endif
