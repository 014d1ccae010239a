/// The queue's hot statements as PL/pgSQL functions (migrations 8 and 9). PL/pgSQL keeps each statement parsed
/// for the session, so the server parses intake, claims and outcomes once per connection instead of on every
/// call. Each call is still planned for its own values (`force_custom_plan`): a generic plan made while the table
/// was small (a fresh cluster) would scan the whole table for every claim and batch of outcomes once it grew.
/// (postgres-nio prepares statements only through its async API, which the queue's synchronous callers cannot
/// wait on without a cooperative thread, and `EXECUTE` takes no protocol parameters.) A host calls them with one
/// short statement each.
enum PostgresFunctions {
    /// Due deferred and parked messages join the queued ones, then up to `p_limit` queued ones go in flight under
    /// this claim's lease, highest priority and oldest first, skipping rows other hosts are claiming.
    static let claim = """
        CREATE FUNCTION herald_claim(
            p_channel text, p_now bigint, p_owner text, p_claim bigint, p_lease double precision, p_excluding text[],
            p_limit bigint)
        RETURNS TABLE (r_id text, r_priority integer, r_created_at bigint, r_due_at bigint, r_expires_at bigint,
                       r_attempts integer, r_campaign text, r_stage text, r_body bytea, r_domain text, r_parked_at bigint)
        LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
        BEGIN
            UPDATE message SET state = 'queued'
            WHERE id IN (SELECT id FROM message WHERE channel = p_channel AND state IN ('deferred', 'parked')
                         AND due_at <= p_now LIMIT 1000 FOR UPDATE SKIP LOCKED);
            RETURN QUERY
            UPDATE message m SET state = 'inflight', updated_at = p_now, lease_owner = p_owner, lease_claim = p_claim,
                lease_expires_at = now() + make_interval(secs => p_lease)
            FROM (SELECT id FROM message WHERE channel = p_channel AND state = 'queued'
                  AND (domain IS NULL OR NOT (domain = ANY(p_excluding)))
                  ORDER BY priority DESC, created_at LIMIT p_limit FOR UPDATE SKIP LOCKED) picked
            WHERE m.id = picked.id
            RETURNING m.id, m.priority, m.created_at, m.due_at, m.expires_at, m.attempts, m.campaign, m.stage, m.body,
                      m.domain, m.parked_at;
        END $$
        """

    static let finishedStates = "('delivered', 'expired', 'suppressed', 'capped', 'cancelled')"

    /// New messages, `ON CONFLICT (id) DO NOTHING`, and not an id that already finished (in `message_done`,
    /// any day's partition); returns the ids inserted and, if any, NOTIFYs the other hosts.
    static let insert = """
        CREATE FUNCTION herald_insert(
            p_ids text[], p_channels text[], p_states text[], p_priorities bigint[], p_created bigint[], p_due bigint[],
            p_expires bigint[], p_campaigns text[], p_stages text[], p_bodies bytea[], p_domains text[], p_host text)
        RETURNS SETOF text LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
        BEGIN
            RETURN QUERY
            INSERT INTO message (id, channel, state, priority, created_at, due_at, expires_at, campaign, stage,
                                 updated_at, body, domain, host)
            SELECT u.id, u.channel, u.state, u.priority, u.created_at, u.due_at, NULLIF(u.expires_at, -1),
                   NULLIF(u.campaign, ''), NULLIF(u.stage, ''), u.created_at, u.body, NULLIF(u.domain, ''), p_host
            FROM unnest(p_ids, p_channels, p_states, p_priorities, p_created, p_due, p_expires, p_campaigns, p_stages,
                        p_bodies, p_domains)
                 AS u(id, channel, state, priority, created_at, due_at, expires_at, campaign, stage, body, domain)
            WHERE NOT EXISTS (SELECT 1 FROM message_done d WHERE d.id = u.id)
            ON CONFLICT (id) DO NOTHING
            RETURNING message.id;
            IF FOUND THEN PERFORM pg_notify('\(PostgresWakeups.channel)', ''); END IF;
        END $$
        """

    /// Outcomes, fenced: only rows this owner holds under the claim that sent them; returns the ids recorded. A
    /// finished message (but a failed one, which waits for `herald requeue` with its body) leaves the claim table
    /// for `message_done`, without its body, in the same statement as its outcome; the rest are updated in place.
    static let apply = """
        CREATE FUNCTION herald_apply(
            p_owner text, p_now bigint, p_ids text[], p_states text[], p_due bigint[], p_attempts bigint[],
            p_codes text[], p_details text[], p_entries text[], p_channels text[], p_park_keys text[],
            p_park_since bigint[], p_claims bigint[])
        RETURNS SETOF text LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
        BEGIN
            RETURN QUERY
            WITH u AS (
                SELECT * FROM unnest(p_ids, p_states, p_due, p_attempts, p_codes, p_details, p_entries, p_channels,
                                     p_park_keys, p_park_since, p_claims)
                     AS u(id, state, due_at, attempts, code, detail, entry, channel, park_key, park_since, claim)),
            gone AS (
                DELETE FROM message m USING u
                WHERE m.id = u.id AND u.state IN \(finishedStates) AND m.state = 'inflight' AND m.lease_owner = p_owner
                  AND m.lease_claim = u.claim
                RETURNING m.id, m.channel, u.state, m.priority, m.created_at, u.attempts, m.campaign, m.stage,
                          NULLIF(u.code, '') AS code, NULLIF(u.detail, '') AS detail,
                          CASE WHEN u.entry = '' THEN m.history ELSE coalesce(m.history, '') || u.entry END AS history,
                          m.host),
            moved AS (
                INSERT INTO message_done (id, channel, state, priority, created_at, attempts, campaign, stage, last_code,
                                          last_detail, history, host, finished_at)
                SELECT gone.*, p_now FROM gone
                RETURNING message_done.id),
            kept AS (
                UPDATE message m SET state = u.state, due_at = u.due_at, attempts = u.attempts,
                    last_code = NULLIF(u.code, ''), last_detail = NULLIF(u.detail, ''), updated_at = p_now,
                    history = CASE WHEN u.entry = '' THEN m.history ELSE coalesce(m.history, '') || u.entry END,
                    channel = coalesce(NULLIF(u.channel, ''), m.channel), park_key = NULLIF(u.park_key, ''),
                    parked_at = CASE WHEN u.channel <> '' THEN NULL ELSE coalesce(NULLIF(u.park_since, -1), m.parked_at) END,
                    lease_owner = NULL, lease_expires_at = NULL
                FROM u
                WHERE m.id = u.id AND u.state NOT IN \(finishedStates) AND m.state = 'inflight' AND m.lease_owner = p_owner
                  AND m.lease_claim = u.claim
                RETURNING m.id)
            SELECT moved.id FROM moved UNION ALL SELECT kept.id FROM kept;
        END $$
        """
}
