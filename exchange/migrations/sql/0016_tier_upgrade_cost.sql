-- The upgrade at an earn, cheaper (migration 0013's trigger, same rule, measured on one
-- connection, 1,000 single-earn statements, the minimum of 7 runs on a shared 2-core
-- machine): the ladder in force and its top rank are read in the one statement that reads
-- the earns' events (no ladder: about 5 us a statement instead of about 10-16), and the
-- qualifying points are summed in the trigger's own query instead of through the SQL
-- function tier_qualifying_points (a member below the top tier: about 50 us with 20 earns
-- in the window, 75-90 with 400, instead of 65-90 and 80-140). What it does is
-- unchanged: members below the top tier of the ladder in force at the earn's posting time
-- are placed by their qualifying points then and raised, never lowered, in the earn's own
-- transaction, under the lock the earn holds.
CREATE OR REPLACE FUNCTION tiers_after_earns() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v record;
    raised record;
BEGIN
    SELECT e.at, l.id, l.window_days, l.review_every_days,
           (SELECT max(t.rank) FROM tier_levels t WHERE t.ladder_id = l.id) AS top
      INTO v
      FROM (SELECT max(created_at) AS at FROM emitted WHERE event_type = 'points.earned') e
      CROSS JOIN LATERAL (SELECT * FROM tier_ladders WHERE effective_from <= e.at
                           ORDER BY effective_from DESC, version DESC LIMIT 1) l;
    IF v.top IS NULL THEN
        RETURN NULL;
    END IF;
    FOR raised IN
        WITH earners AS (
            SELECT DISTINCT member_id FROM emitted WHERE event_type = 'points.earned'),
        placed AS (
            SELECT e.member_id,
                   coalesce((SELECT max(l.rank) FROM tier_levels l
                              WHERE l.ladder_id = v.id
                                AND (lower(l.name) = lower(t.tier) OR l.threshold = 0)),
                            0) AS rank
              FROM earners e LEFT JOIN member_tiers t ON t.member_id = e.member_id),
        qualifying AS MATERIALIZED (
            SELECT p.member_id, p.rank,
                   coalesce((SELECT sum(e.points) FROM journal_entries e
                              WHERE e.member_id = p.member_id AND e.kind = 'EARN'
                                AND e.occurred_at > v.at - make_interval(days => v.window_days)),
                            0)
                 - coalesce((SELECT sum(r.points) FROM journal_entries r
                               JOIN journal_entries o ON o.id = r.original_entry_id
                              WHERE r.member_id = p.member_id AND r.kind = 'EARN_REVERSAL'
                                AND o.occurred_at
                                    > v.at - make_interval(days => v.window_days)),
                            0) AS points
              FROM placed p WHERE p.rank < v.top)
        SELECT q.member_id, reached.name
          FROM qualifying q
          CROSS JOIN LATERAL (SELECT l.name, l.rank FROM tier_levels l
                               WHERE l.ladder_id = v.id AND l.threshold <= q.points
                               ORDER BY l.rank DESC LIMIT 1) reached
         WHERE reached.rank > q.rank
         ORDER BY q.member_id
    LOOP
        PERFORM tier_row(raised.member_id, v.at);
        UPDATE member_tiers
           SET tier = raised.name,
               review_at = v.at + make_interval(days => v.review_every_days),
               changed_at = v.at
         WHERE member_id = raised.member_id;
        PERFORM tier_announce(raised.member_id, 'QUALIFIED', v.at, v.at);
    END LOOP;
    RETURN NULL;
END $$;
