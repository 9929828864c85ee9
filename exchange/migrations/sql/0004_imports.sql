-- Bulk import of a partner's earn lines: a job, its staged lines (UNLOGGED: a crashed job's
-- staging is disposable, the ledger rows it posted are not), the per-line error report, and
-- set-based validation and posting. A chunk is posted by one call of import_post_chunk in
-- one transaction: every line of it is fully posted (idempotency record included) or not.

CREATE TABLE import_jobs (
    id bigserial PRIMARY KEY,
    partner_id bigint NOT NULL REFERENCES partners (id),
    status text NOT NULL DEFAULT 'QUEUED'
        CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
    file_name text,
    format text NOT NULL CHECK (format IN ('JSONL', 'CSV')),
    idempotency_key text,
    file_sha256 text,
    lines_total bigint NOT NULL DEFAULT 0,
    lines_posted bigint NOT NULL DEFAULT 0,
    lines_already bigint NOT NULL DEFAULT 0,
    lines_rejected bigint NOT NULL DEFAULT 0,
    failure text,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
);
CREATE UNIQUE INDEX uq_import_jobs_key ON import_jobs (partner_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX ix_import_jobs_partner ON import_jobs (partner_id, id);

CREATE TABLE import_errors (
    job_id bigint NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    line_no bigint NOT NULL,
    idempotency_key text,
    code text NOT NULL,
    message text NOT NULL,
    PRIMARY KEY (job_id, line_no)
);

CREATE UNLOGGED TABLE import_lines (
    job_id bigint NOT NULL,
    line_no bigint NOT NULL,
    status text NOT NULL DEFAULT 'READY'
        CHECK (status IN ('READY', 'POSTED', 'ALREADY', 'REJECTED')),
    error_code text,
    error_message text,
    member_id bigint,
    by_card boolean NOT NULL DEFAULT false,
    idem_key text,
    request_hash text,
    order_id text,
    amount numeric,
    currency text,
    occurred_at timestamptz,
    points bigint,
    earn_rate numeric(18, 6),
    issue_price numeric(18, 6),
    details jsonb,
    PRIMARY KEY (job_id, line_no)
);

-- Lines whose key was already used: the same input is already imported, another conflicts.
CREATE FUNCTION import_classify_used_keys(p_job_id bigint, p_caller text, p_first bigint,
                                          p_last bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE import_lines l
       SET status = CASE WHEN r.operation = 'earnPoints' AND r.request_hash = l.request_hash
                         THEN 'ALREADY' ELSE 'REJECTED' END,
           error_code = CASE WHEN r.operation = 'earnPoints' AND r.request_hash = l.request_hash
                             THEN NULL ELSE 'IDEMPOTENCY_CONFLICT' END,
           error_message = CASE WHEN r.operation = 'earnPoints' AND r.request_hash = l.request_hash
                                THEN NULL
                                ELSE 'this idempotencyKey was already used with a different input'
                           END
      FROM idempotency_records r
     WHERE l.job_id = p_job_id AND l.line_no BETWEEN p_first AND p_last AND l.status = 'READY'
       AND r.caller = p_caller AND r.key = l.idem_key
$$;

-- Set-based checks of the READY lines of [p_first, p_last]; marks lines REJECTED or ALREADY.
-- Run just before the range is posted, in the same transaction: a key used by a line of an
-- earlier range was claimed when that range was posted. Card numbers show their member to
-- the partner (as presenting a card at a till does).
CREATE FUNCTION import_validate(p_job_id bigint, p_partner_id bigint, p_caller text,
                                p_first bigint, p_last bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO member_partner_links (member_id, partner_id)
    SELECT DISTINCT l.member_id, p_partner_id FROM import_lines l
     WHERE l.job_id = p_job_id AND l.line_no BETWEEN p_first AND p_last AND l.status = 'READY'
       AND l.by_card AND l.member_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    UPDATE import_lines l
       SET status = 'REJECTED', error_code = 'MEMBER_NOT_FOUND',
           error_message = 'no member with this identifier'
     WHERE l.job_id = p_job_id AND l.line_no BETWEEN p_first AND p_last AND l.status = 'READY'
       AND (l.member_id IS NULL OR NOT EXISTS (
               SELECT 1 FROM member_partner_links k
                WHERE k.member_id = l.member_id AND k.partner_id = p_partner_id)
            OR NOT EXISTS (SELECT 1 FROM member_balances b WHERE b.member_id = l.member_id));
    UPDATE import_lines l
       SET status = 'REJECTED', error_code = 'MEMBER_CLOSED',
           error_message = 'this member''s account is closed'
      FROM members m
     WHERE l.job_id = p_job_id AND l.line_no BETWEEN p_first AND p_last AND l.status = 'READY'
       AND m.id = l.member_id AND m.status <> 'ACTIVE';
    UPDATE import_lines l
       SET issue_price = (SELECT pr.issue_price FROM partner_prices pr
                           WHERE pr.partner_id = p_partner_id
                             AND pr.effective_from <= l.occurred_at
                           ORDER BY pr.effective_from DESC LIMIT 1)
     WHERE l.job_id = p_job_id AND l.line_no BETWEEN p_first AND p_last AND l.status = 'READY';
    UPDATE import_lines l
       SET status = 'REJECTED', error_code = 'NO_PRICE_IN_FORCE',
           error_message = format('no price was in force at %s', iso_utc(l.occurred_at))
     WHERE l.job_id = p_job_id AND l.line_no BETWEEN p_first AND p_last AND l.status = 'READY'
       AND l.issue_price IS NULL;
    PERFORM import_classify_used_keys(p_job_id, p_caller, p_first, p_last);
    -- a key repeated in the range: the first line takes it, the others are its replays
    WITH ranked AS (
        SELECT line_no, first_value(line_no) OVER w AS first_line,
               first_value(request_hash) OVER w AS first_hash
          FROM import_lines
         WHERE job_id = p_job_id AND line_no BETWEEN p_first AND p_last AND status = 'READY'
        WINDOW w AS (PARTITION BY idem_key ORDER BY line_no))
    UPDATE import_lines l
       SET status = CASE WHEN r.first_hash = l.request_hash THEN 'ALREADY' ELSE 'REJECTED' END,
           error_code = CASE WHEN r.first_hash = l.request_hash THEN NULL
                             ELSE 'IDEMPOTENCY_CONFLICT' END,
           error_message = CASE WHEN r.first_hash = l.request_hash THEN NULL
                                ELSE format('line %s already used this idempotencyKey with a'
                                            ' different input', r.first_line) END
      FROM ranked r
     WHERE l.job_id = p_job_id AND l.line_no = r.line_no AND r.line_no <> r.first_line;
END $$;

-- Posts the READY lines of [p_first, p_last] as EARN entries, exactly as ledger_earn would
-- one by one in line order: the chunk's members are locked in id order first. Returns the
-- number of lines posted. Posted lines keep the status READY in the staging table (marking
-- them would write every staged row once more); import_finish counts them as posted.
CREATE FUNCTION import_post_chunk(p_job_id bigint, p_partner_id bigint, p_caller text,
                                  p_first bigint, p_last bigint, p_now timestamptz)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    issued_account bigint;
    validity bigint;
    posted bigint;
    unclaimed bigint[];
    v_created text := iso_utc(p_now);
    v_partner_gid text := global_id('Partner', p_partner_id);
BEGIN
    SELECT p.point_validity_days INTO validity FROM partners p
     WHERE p.id = p_partner_id AND p.status = 'ACTIVE';
    IF NOT FOUND THEN
        PERFORM ledger_fail('PARTNER_SUSPENDED', 'this partner is suspended');
    END IF;
    SELECT id INTO issued_account FROM accounts
     WHERE partner_id = p_partner_id AND kind = 'PARTNER_ISSUED';
    PERFORM 1 FROM member_balances
     WHERE member_id IN (SELECT member_id FROM import_lines
                          WHERE job_id = p_job_id AND line_no BETWEEN p_first AND p_last
                            AND status = 'READY')
     ORDER BY member_id FOR UPDATE;
    -- closed while the import ran (read after the locks are held)
    UPDATE import_lines l
       SET status = 'REJECTED', error_code = 'MEMBER_CLOSED',
           error_message = 'this member''s account is closed'
      FROM members m
     WHERE l.job_id = p_job_id AND l.line_no BETWEEN p_first AND p_last AND l.status = 'READY'
       AND m.id = l.member_id AND m.status <> 'ACTIVE';

    CREATE TEMP TABLE import_chunk ON COMMIT DROP AS
    SELECT l.*, nextval('journal_entries_id_seq') AS entry_id,
           'evt_' || replace(gen_random_uuid()::text, '-', '') AS event_id
      FROM import_lines l
     WHERE l.job_id = p_job_id AND l.line_no BETWEEN p_first AND p_last AND l.status = 'READY'
     ORDER BY l.line_no;
    -- a key claimed by a single earn since validation is left out here, classified below
    WITH claimed AS (
        INSERT INTO idempotency_records (caller, key, operation, request_hash, response)
        SELECT p_caller, c.idem_key, 'earnPoints', c.request_hash,
               jsonb_build_object('member_id', c.member_id, 'points', c.points,
                                  'transaction_id', c.entry_id, 'hold_id', NULL, 'debt', 0)
          FROM import_chunk c
        ON CONFLICT DO NOTHING RETURNING key),
    dropped AS (
        DELETE FROM import_chunk c
         WHERE NOT EXISTS (SELECT 1 FROM claimed WHERE claimed.key = c.idem_key)
        RETURNING c.line_no)
    SELECT array_agg(line_no) INTO unclaimed FROM dropped;

    CREATE TEMP TABLE import_posting ON COMMIT DROP AS
    SELECT c.*, b.account_id,
           b.seq + row_number() OVER w AS seq,
           b.balance + sum(c.points) OVER w AS balance_after,
           greatest(0, least(c.points, b.debt - (sum(c.points) OVER w - c.points))) AS repaid
      FROM import_chunk c JOIN member_balances b ON b.member_id = c.member_id
    WINDOW w AS (PARTITION BY c.member_id ORDER BY c.line_no);

    INSERT INTO journal_entries (id, kind, member_id, partner_id, points, order_id, reason,
                                 occurred_at, posted_at, currency, amount, issue_price,
                                 earn_rate, details)
    SELECT entry_id, 'EARN', member_id, p_partner_id, points, order_id,
           format('Purchase %s %s', amount, currency), occurred_at, p_now, currency, amount,
           issue_price, earn_rate, details
      FROM import_posting ORDER BY line_no;
    INSERT INTO postings (entry_id, account_id, points)
    SELECT p.entry_id, side.account_id, side.points
      FROM import_posting p
     CROSS JOIN LATERAL (VALUES (p.account_id, p.points), (issued_account, -p.points))
           AS side (account_id, points)
     WHERE p.points > 0;
    WITH new_lots AS (
        INSERT INTO lots (member_id, issuer_partner_id, entry_id, points, remaining,
                          issue_price, earned_at, available_at, expires_at)
        SELECT member_id, p_partner_id, entry_id, points, points - repaid, issue_price,
               occurred_at, p_now, occurred_at + make_interval(days => validity::int)
          FROM import_posting WHERE points > 0 ORDER BY line_no
        RETURNING id, entry_id)
    INSERT INTO lot_consumptions (lot_id, entry_id, member_id, kind, issuer_partner_id, points)
    SELECT n.id, p.entry_id, p.member_id, 'DEBT', p_partner_id, p.repaid
      FROM new_lots n JOIN import_posting p ON p.entry_id = n.entry_id
     WHERE p.repaid > 0;
    UPDATE member_balances b
       SET balance = b.balance + a.points, debt = b.debt - a.repaid, seq = b.seq + a.lines,
           updated_at = p_now
      FROM (SELECT member_id, sum(points) AS points, sum(repaid) AS repaid, count(*) AS lines
              FROM import_posting GROUP BY member_id) a
     WHERE b.member_id = a.member_id;
    INSERT INTO outbox_events (event_id, event_type, partner_id, member_id, member_seq, entry_id,
                               payload, created_at)
    SELECT event_id, 'points.earned', p_partner_id, member_id, seq, entry_id,
           jsonb_build_object('type', 'points.earned', 'id', event_id,
                              'createdAt', v_created, 'partnerId', v_partner_gid,
                              'data', jsonb_build_object(
                                  'transactionId', global_id('Transaction', entry_id),
                                  'memberId', global_id('Member', member_id), 'points', points,
                                  'orderId', order_id,
                                  'amount', jsonb_build_object('amount', amount::text,
                                                               'currency', currency),
                                  'balance', balance_after, 'memberSequence', seq)),
           p_now
      FROM import_posting ORDER BY line_no;
    SELECT count(*) INTO posted FROM import_posting;
    IF unclaimed IS NOT NULL THEN
        PERFORM import_classify_used_keys(p_job_id, p_caller, line_no, line_no)
           FROM unnest(unclaimed) AS line_no;
    END IF;
    UPDATE import_jobs SET lines_posted = lines_posted + posted WHERE id = p_job_id;
    DROP TABLE import_chunk;
    DROP TABLE import_posting;
    RETURN posted;
END $$;

-- Ends the job: counts by outcome, the rejected lines into the error report, staging gone.
CREATE FUNCTION import_finish(p_job_id bigint, p_now timestamptz) RETURNS import_jobs
LANGUAGE plpgsql AS $$
DECLARE
    finished import_jobs;
BEGIN
    INSERT INTO import_errors (job_id, line_no, idempotency_key, code, message)
    SELECT job_id, line_no, idem_key, error_code, error_message FROM import_lines
     WHERE job_id = p_job_id AND status = 'REJECTED'
    ON CONFLICT DO NOTHING;
    UPDATE import_jobs j
       SET status = 'SUCCEEDED', finished_at = p_now,
           lines_total = c.total, lines_posted = c.posted, lines_already = c.already,
           lines_rejected = c.rejected
      FROM (SELECT count(*) AS total,
                   count(*) FILTER (WHERE status IN ('READY', 'POSTED')) AS posted,
                   count(*) FILTER (WHERE status = 'ALREADY') AS already,
                   count(*) FILTER (WHERE status = 'REJECTED') AS rejected
              FROM import_lines WHERE job_id = p_job_id) c
     WHERE j.id = p_job_id
    RETURNING j.* INTO finished;
    DELETE FROM import_lines WHERE job_id = p_job_id;
    RETURN finished;
END $$;
