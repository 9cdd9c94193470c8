-- DuckDB's side of benches/facts_vs_duckdb.sh: kefu's four fact tables
-- (conversation_facts, rounds, inquiries, survey_facts; see
-- crates/kefu-analytics/src/facts.rs and build.rs) built in SQL from the store's
-- messages, orders and surveys Parquet files, and written back out as Parquet
-- partitioned by month, as kefu writes them. The script replaces @TABLES@ (the
-- store's tables directory) and @OUT@ (an empty output directory) before running it.
--
-- Comparable work, not bit-for-bit equality. Where this simplifies METRICS.md or
-- kefu's builder:
--  * One configuration for every shop, the defaults: timezone Asia/Shanghai,
--    assessment window 08:00-23:00 every day with no holidays or weekday overrides
--    (so business seconds are a closed formula), repeat_window 48 h, round_start
--    first, business_hours off, after_sales_lookback 15 days, conversion window
--    3 natural days on order creation, CSAT credited to the conversation's last agent.
--  * Messages are taken as unique by (shop_id, message_id) (the ingest deduplicates);
--    kefu drops repeated message ids again per group.
--  * Conversation keys are (shop_id, conversation_id); a conversation's customer is
--    the customer_id of its earliest message that has one (ties at one instant are
--    broken by the message kind only, not by message id).
--  * Messages at one instant are ordered reopen < customer < everything else, then
--    message id, as kefu orders them.
--  * Care cycles (split at reopen events), bot rounds, the human clock (skipping bot
--    rounds, restarting at a transfer to a human before the first human reply),
--    outbound cycles, inferred and explicit resolution, repeat contact, one-touch,
--    not-served and the 3-minute rule are all computed.
--  * Orders are deduplicated by id as kefu does (the paid, then the latest row wins).
--    Survey responses are matched by conversation id, else to the customer's latest
--    conversation started at or before the response (ASOF join); a response that
--    matches no conversation is dropped (kefu keeps it when the customer has other
--    messages in the shop). Row and group keys are DuckDB hashes, not kefu's.
--  * Complaint categories are read as a comma-separated list per message; the
--    benchmark ingests with --no-text, so they are empty on both sides (untested).
--
-- On the demo data (and a hand-made file of reopens, transfers, same-second replies,
-- outbound and customer-less conversations) the four tables equal kefu's row for row
-- on every column compared (all but keys and categories).

SET preserve_insertion_order = false;

-- Shop time and the assessment window.
CREATE MACRO local_ts(t) AS timezone('Asia/Shanghai', t);
CREATE MACRO local_date(t) AS local_ts(t)::DATE;
CREATE MACRO local_hour(t) AS CAST(hour(local_ts(t)) AS INTEGER);
CREATE MACRO secs(a, b) AS (epoch_us(b) - epoch_us(a)) / 1e6;
CREATE MACRO in_window(t) AS hour(local_ts(t)) BETWEEN 8 AND 22;
-- Seconds inside the 08:00-23:00 window from the (local) epoch to t; the
-- business seconds of [a, b) are win_cum(b) - win_cum(a).
CREATE MACRO win_cum(t) AS
    floor(epoch_us(local_ts(t)) / 86400e6) * 54000
    + least(greatest((epoch_us(local_ts(t)) % 86400000000) / 1e6 - 28800, 0), 54000);
CREATE MACRO business_secs(a, b) AS
    CASE WHEN a IS NULL OR b IS NULL THEN NULL WHEN b > a THEN win_cum(b) - win_cum(a) ELSE 0 END;

-- 1. Messages, classified as METRICS.md reads them (build.rs `classify`), with the
--    builder's sort key and their care cycle.
CREATE TEMP TABLE msg AS
WITH raw AS (
    SELECT shop_id, conversation_id, message_id, platform, channel, ts, sender,
           agent_id, customer_id, product_id, categories,
           CASE
               WHEN kind = 'transfer' THEN 'transfer'
               WHEN kind = 'resolve' THEN 'resolve'
               WHEN kind = 'reopen' THEN 'reopen'
               WHEN sender = 'customer' THEN 'customer'
               WHEN sender = 'bot' THEN CASE WHEN kind = 'greeting' THEN 'bot_greeting' ELSE 'bot' END
               WHEN sender = 'system' THEN 'system'
               WHEN kind IN ('greeting', 'auto_reply') THEN 'auto'   -- agent greeting / auto-reply
               WHEN kind = 'system' THEN 'system'
               ELSE 'human'                                           -- METRICS.md human reply
           END AS cls
    FROM read_parquet('@TABLES@/messages/*/*.parquet', hive_partitioning = false)
), keyed AS (
    -- sort key: instant, then reopen (0) < customer (1) < the rest (2)
    SELECT *, epoch_us(ts) * 4 + CASE cls WHEN 'reopen' THEN 0 WHEN 'customer' THEN 1 ELSE 2 END AS sk
    FROM raw
)
SELECT *,
       -- a reopen opens a new cycle, unless it is the conversation's first message
       CAST(sum((cls = 'reopen')::INT) OVER w - first_value((cls = 'reopen')::INT) OVER w AS INTEGER) AS cycle
FROM keyed
WINDOW w AS (PARTITION BY shop_id, conversation_id ORDER BY sk, message_id
             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);

-- 2. Conversation-level facts.
CREATE TEMP TABLE conv AS
SELECT shop_id, conversation_id,
       arg_min(customer_id, sk) AS customer_id,               -- arg_min skips NULL ids
       coalesce(arg_min(customer_id, sk), conversation_id) AS customer,
       arg_min(platform, sk) AS platform,
       arg_min(channel, sk) AS channel,
       min(ts) AS conv_start_ts,
       max(ts) AS conv_end_ts,
       CAST(max(cycle) + 1 AS INTEGER) AS cycles,
       min(ts) FILTER (WHERE cls = 'customer') AS first_customer_ts,
       arg_max(agent_id, sk) FILTER (WHERE cls = 'human') AS conv_last_agent,
       coalesce(bool_or(cls = 'customer' AND in_window(ts)), false) AS window_customer,
       coalesce(bool_or(cls = 'human'), false) AS any_human,
       count(*) FILTER (WHERE cls IN ('resolve', 'reopen')) > 0 AS explicit_status,
       min(ts) FILTER (WHERE cls = 'resolve') AS first_resolve_ts,
       max(ts) FILTER (WHERE cls = 'resolve') AS final_resolve_ts,
       max(ts) FILTER (WHERE cls = 'reopen') AS last_reopen_ts,
       string_agg(DISTINCT product_id, ',' ORDER BY product_id) AS product_ids,
       nullif(array_to_string(list_sort(list_distinct(flatten(
           list(string_split(categories, ',')) FILTER (WHERE categories IS NOT NULL AND categories <> '')))), ','), '')
           AS categories
FROM msg
GROUP BY shop_id, conversation_id;

-- 3. Rounds: runs of customer messages in a cycle, closed by the next human or bot
--    reply (greetings, auto-replies, system and status rows are skipped).
CREATE TEMP TABLE rnd AS
WITH seq AS (
    SELECT shop_id, conversation_id, cycle, cls, ts, sk, message_id,
           lag(cls) OVER w AS prev_cls,
           lead(cls) OVER w AS next_cls,
           lead(ts) OVER w AS next_ts,
           lead(agent_id) OVER w AS next_agent,
           -- the agent serving the cycle so far (credited with unanswered rounds)
           last_value(CASE WHEN cls = 'human' THEN agent_id END IGNORE NULLS) OVER w AS serving
    FROM msg
    WHERE cls IN ('customer', 'human', 'bot')
    WINDOW w AS (PARTITION BY shop_id, conversation_id, cycle ORDER BY sk, message_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), cust AS (
    SELECT *,
           prev_cls IS DISTINCT FROM 'customer' AS opens,
           next_cls IS DISTINCT FROM 'customer' AS closes,
           CAST(sum((prev_cls IS DISTINCT FROM 'customer')::INT)
               OVER (PARTITION BY shop_id, conversation_id, cycle ORDER BY sk, message_id
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - 1 AS INTEGER) AS round
    FROM seq
    WHERE cls = 'customer'
)
SELECT shop_id, conversation_id, cycle, round,
       min(ts) AS start_ts,
       max(ts) AS last_customer_ts,
       count(*) AS customer_messages,
       CASE max(next_cls) FILTER (WHERE closes)
           WHEN 'human' THEN 'human' WHEN 'bot' THEN 'bot' ELSE 'unanswered' END AS kind,
       max(next_ts) FILTER (WHERE closes) AS reply_ts,
       CASE max(next_cls) FILTER (WHERE closes)
           WHEN 'human' THEN max(next_agent) FILTER (WHERE closes)
           WHEN 'bot' THEN NULL
           ELSE max(serving) FILTER (WHERE opens) END AS agent_id
FROM cust
GROUP BY shop_id, conversation_id, cycle, round;

-- Per-round response times and flags (round_start = first, calendar seconds).
CREATE TEMP TABLE rounds_f AS
SELECT r.*,
       CASE WHEN kind <> 'unanswered' THEN secs(start_ts, reply_ts) END AS response_secs_first,
       CASE WHEN kind <> 'unanswered' THEN secs(last_customer_ts, reply_ts) END AS response_secs_last,
       CASE WHEN kind <> 'unanswered' THEN business_secs(start_ts, reply_ts) END AS business_secs_first,
       CASE WHEN kind <> 'unanswered' THEN business_secs(last_customer_ts, reply_ts) END AS business_secs_last,
       in_window(start_ts) AS starts_in_window
FROM rnd r;

-- 4. Care cycles: counts, agents, the human clock and the first response.
CREATE TEMP TABLE cyc AS
WITH m AS (
    SELECT shop_id, conversation_id, cycle,
           min(ts) AS start_ts,
           max(ts) AS end_ts,
           count(*) FILTER (WHERE cls = 'customer') AS customer_messages,
           count(*) FILTER (WHERE cls = 'human') AS agent_messages,
           count(*) FILTER (WHERE cls IN ('bot', 'bot_greeting')) AS bot_messages,
           count(*) FILTER (WHERE cls = 'auto') AS auto_messages,
           count(*) FILTER (WHERE cls = 'system') AS system_messages,
           count(*) FILTER (WHERE cls = 'transfer') AS transfers,
           string_agg(DISTINCT agent_id, ',' ORDER BY agent_id) FILTER (WHERE cls = 'human') AS agents,
           arg_min(agent_id, sk) FILTER (WHERE cls = 'human') AS first_agent,
           arg_max(agent_id, sk) FILTER (WHERE cls = 'human') AS last_agent,
           -- the first customer message or human reply decides "outbound"
           coalesce(arg_min(cls, sk) FILTER (WHERE cls IN ('customer', 'human')) = 'human', false) AS outbound,
           min(ts) FILTER (WHERE cls = 'human') AS first_human_ts,
           list({'ts': ts, 'agent': agent_id} ORDER BY sk, message_id) FILTER (WHERE cls = 'human') AS human,
           -- transfers not sent by an agent: hand-offs to a human
           list(ts) FILTER (WHERE cls = 'transfer' AND sender <> 'agent') AS to_human,
           min(ts) FILTER (WHERE cls = 'resolve') AS cycle_first_resolve_ts
    FROM msg
    GROUP BY shop_id, conversation_id, cycle
), r AS (
    SELECT shop_id, conversation_id, cycle,
           count(*) FILTER (WHERE kind = 'human') AS human_rounds,
           count(*) FILTER (WHERE kind = 'bot') AS bot_rounds,
           count(*) FILTER (WHERE kind = 'unanswered') AS unanswered_rounds,
           count(*) FILTER (WHERE starts_in_window AND kind <> 'bot') AS window_rounds,
           count(*) FILTER (WHERE starts_in_window AND kind = 'human' AND response_secs_first <= 180) AS three_min_rounds,
           min(start_ts) FILTER (WHERE kind <> 'bot') AS first_non_bot_round_ts,
           arg_max(kind, round) AS last_round_kind
    FROM rounds_f
    GROUP BY shop_id, conversation_id, cycle
), clocked AS (
    SELECT m.*, r.* EXCLUDE (shop_id, conversation_id, cycle),
           CASE WHEN NOT outbound THEN coalesce(
               -- METRICS.md human clock: a transfer to a human before the first
               -- human reply restarts it, else the first round a bot did not close
               list_max(list_filter(to_human, lambda t: first_human_ts IS NULL OR t <= first_human_ts)),
               first_non_bot_round_ts) END AS human_clock_ts
    FROM m LEFT JOIN r USING (shop_id, conversation_id, cycle)
)
SELECT * EXCLUDE (human, to_human),
       list_filter(human, lambda h: h.ts >= human_clock_ts)[1] AS first_reply,
       -- changes of replying agent between consecutive human replies
       len(list_filter(range(2, len(human) + 1), lambda i: human[i].agent IS DISTINCT FROM human[i - 1].agent))
           AS agent_switches
FROM clocked;

-- 5. Repeat contact: another conversation of the same shop x customer, started
--    later, whose first customer message follows t within repeat_window (48 h).
CREATE TEMP TABLE contact AS
SELECT c.shop_id, c.conversation_id,
       coalesce(bool_or(o.first_customer_ts > c.conv_end_ts
                        AND o.first_customer_ts <= c.conv_end_ts + INTERVAL 48 HOUR), false) AS after_end,
       coalesce(bool_or(o.first_customer_ts > c.final_resolve_ts
                        AND o.first_customer_ts <= c.final_resolve_ts + INTERVAL 48 HOUR), false) AS after_final_resolve
FROM conv c
JOIN conv o ON o.shop_id = c.shop_id AND o.customer = c.customer
           AND (o.conv_start_ts > c.conv_start_ts
                OR (o.conv_start_ts = c.conv_start_ts AND o.conversation_id > c.conversation_id))
GROUP BY c.shop_id, c.conversation_id;

-- 6. Resolution (explicit events when the conversation has status events, else
--    inferred: last round answered and no repeat contact within the window).
CREATE TEMP TABLE res AS
WITH per_conv AS (
    SELECT shop_id, conversation_id, coalesce(sum(human_rounds), 0) AS human_rounds_total,
           arg_max_null(last_round_kind, cycle) AS last_round_kind  -- of the last cycle (NULL: no round)
    FROM cyc GROUP BY shop_id, conversation_id
), base AS (
    SELECT c.shop_id, c.conversation_id, l.human_rounds_total,
           CASE WHEN c.explicit_status THEN c.first_resolve_ts IS NOT NULL
                ELSE coalesce(l.last_round_kind IN ('human', 'bot'), false)
                     AND NOT coalesce(k.after_end, false) END AS resolved,
           c.explicit_status, c.first_resolve_ts, c.final_resolve_ts, c.last_reopen_ts, c.conv_end_ts,
           k.after_end, k.after_final_resolve
    FROM conv c
    JOIN per_conv l USING (shop_id, conversation_id)
    LEFT JOIN contact k USING (shop_id, conversation_id)
)
SELECT shop_id, conversation_id, resolved, human_rounds_total,
       CASE WHEN resolved THEN CASE WHEN explicit_status THEN 'explicit' ELSE 'inferred' END END AS resolution_source,
       CASE WHEN resolved THEN CASE WHEN explicit_status THEN first_resolve_ts ELSE conv_end_ts END END AS resolved_at,
       CASE WHEN resolved THEN CASE WHEN explicit_status THEN final_resolve_ts ELSE conv_end_ts END END AS final_resolved_at,
       coalesce(resolved AND last_reopen_ts > first_resolve_ts, false) AS reopened,
       coalesce(resolved AND CASE WHEN explicit_status THEN after_final_resolve ELSE after_end END, false) AS repeat_contact
FROM base;

-- 7. Conversion: 询单 units (shop x customer x shop-local day with a customer message).
CREATE TEMP TABLE conv_days AS
SELECT m.shop_id, m.conversation_id, c.customer, c.customer_id, local_date(m.ts) AS local_date,
       min(m.ts) AS first_ts, arg_min(m.platform, m.sk) AS platform, arg_min(m.channel, m.sk) AS channel
FROM msg m JOIN conv c USING (shop_id, conversation_id)
WHERE m.cls = 'customer'
GROUP BY ALL;

CREATE TEMP TABLE ord AS
SELECT *
FROM read_parquet('@TABLES@/orders/*/*.parquet', hive_partitioning = false)
WHERE customer_id IS NOT NULL
-- a re-export may repeat an order: the paid, then the latest row wins
QUALIFY row_number() OVER (PARTITION BY shop_id, customer_id, order_id
                           ORDER BY paid_at IS NOT NULL DESC, created_at DESC, paid_at DESC NULLS LAST,
                                    source_file DESC, source_row DESC) = 1;

CREATE TEMP TABLE days AS
SELECT shop_id, customer, any_value(customer_id) AS customer_id, local_date,
       min(first_ts) AS first_ts, arg_min(platform, first_ts) AS platform, arg_min(channel, first_ts) AS channel,
       count(*) AS conversations
FROM conv_days
GROUP BY shop_id, customer, local_date;

CREATE TEMP TABLE day_orders AS
SELECT d.shop_id, d.customer, d.local_date, o.order_id, o.amount, o.created_at,
       coalesce(o.paid_at < d.first_ts AND local_date(o.paid_at) >= d.local_date - 15, false) AS paid_before,
       o.created_at >= d.first_ts AND local_date(o.created_at) <= d.local_date + 2 AS qualifies
FROM days d JOIN ord o ON o.shop_id = d.shop_id AND o.customer_id = d.customer_id;

-- each order is credited to the latest unit whose window holds it
CREATE TEMP TABLE credited AS
SELECT shop_id, customer, max(local_date) AS local_date, order_id, any_value(amount) AS amount
FROM day_orders WHERE qualifies
GROUP BY shop_id, customer, order_id;

-- human replies per shop x customer, for crediting an agent with each unit
CREATE TEMP TABLE hum AS
SELECT m.shop_id, c.customer, m.ts, m.agent_id
FROM msg m JOIN conv c USING (shop_id, conversation_id)
WHERE m.cls = 'human' AND m.agent_id IS NOT NULL;

CREATE TEMP TABLE inq AS
WITH flags AS (
    SELECT d.*,
           coalesce(bool_or(o.paid_before), false) AS after_sales,
           min(o.created_at) FILTER (WHERE o.qualifies) AS converted_at
    FROM days d
    LEFT JOIN day_orders o USING (shop_id, customer, local_date)
    GROUP BY ALL
), cr AS (
    SELECT shop_id, customer, local_date, count(*) AS orders, sum(amount) AS order_amount,
           string_agg(order_id, ',' ORDER BY order_id) AS order_ids
    FROM credited GROUP BY ALL
), target AS (
    -- last human reply at or before the order, else on the unit's day
    SELECT f.*, coalesce(f.converted_at,
                         timezone('Asia/Shanghai', (f.local_date + 1)::TIMESTAMP) - INTERVAL 1 MICROSECOND) AS agent_before
    FROM flags f
)
SELECT t.* EXCLUDE (agent_before),
       NOT t.after_sales OR t.converted_at IS NOT NULL AS inquiry,
       t.converted_at IS NOT NULL AS converted,
       cr.order_ids, coalesce(cr.orders, 0) AS orders, coalesce(cr.order_amount, 0) AS order_amount,
       CASE WHEN t.converted_at IS NOT NULL OR local_date(h.ts) = t.local_date THEN h.agent_id END AS agent_id
FROM target t
ASOF LEFT JOIN hum h ON h.shop_id = t.shop_id AND h.customer = t.customer AND t.agent_before >= h.ts
LEFT JOIN cr ON cr.shop_id = t.shop_id AND cr.customer = t.customer AND cr.local_date = t.local_date;

-- conversations: whether their customer days are 询单 units and converted
CREATE TEMP TABLE conv_conv AS
SELECT d.shop_id, d.conversation_id, bool_or(i.inquiry) AS inquiry, bool_or(i.converted) AS converted
FROM conv_days d JOIN inq i USING (shop_id, customer, local_date)
GROUP BY ALL;

-- 8. Satisfaction: responses matched to a conversation, credited to its last agent.
CREATE TEMP TABLE sv AS
WITH s AS (
    SELECT *
    FROM read_parquet('@TABLES@/surveys/*/*.parquet', hive_partitioning = false)
    QUALIFY row_number() OVER (PARTITION BY shop_id, survey_id ORDER BY ts) = 1
), by_id AS (
    SELECT s.*, c.conversation_id AS matched
    FROM s LEFT JOIN conv c ON c.shop_id = s.shop_id AND c.conversation_id = s.conversation_id
), by_time AS (
    -- no conversation id (or an unknown one): the customer's latest conversation
    -- started at or before the response
    SELECT b.* EXCLUDE (matched), c.conversation_id AS matched
    FROM (SELECT * FROM by_id WHERE matched IS NULL) b
    ASOF JOIN conv c ON c.shop_id = b.shop_id AND c.customer = b.customer_id AND b.ts >= c.conv_start_ts
)
SELECT x.shop_id, x.survey_id, coalesce(c.conv_last_agent, x.agent_id) AS agent_id, true AS is_primary,
       c.conversation_id, c.customer, c.platform, c.channel, x.ts,
       local_date(x.ts) AS local_date, local_hour(x.ts) AS local_hour,
       local_date(c.conv_start_ts) AS conv_local_date,
       x.dimension, x.scale, x.score,
       CASE WHEN x.scale <> 10 THEN x.score >= 4 END AS satisfied,
       CASE WHEN x.scale <> 10 THEN x.score <= 2 END AS dissatisfied,
       CASE WHEN x.scale = 10 THEN x.score >= 9 END AS promoter,
       CASE WHEN x.scale = 10 THEN x.score <= 6 END AS detractor,
       c.categories
FROM (SELECT * FROM by_id WHERE matched IS NOT NULL UNION ALL BY NAME SELECT * FROM by_time) x
JOIN conv c ON c.shop_id = x.shop_id AND c.conversation_id = x.matched;

CREATE TEMP TABLE conv_sv AS
SELECT shop_id, conversation_id, count(*) AS surveys,
       arg_max(score, (ts, survey_id)) FILTER (WHERE scale <> 10 AND coalesce(lower(trim(dimension)), '')
                                               IN ('', 'overall', '总体', '整体')) AS csat_score,
       arg_max(score, (ts, survey_id)) FILTER (WHERE scale = 10) AS nps_score
FROM sv GROUP BY ALL;

-- 9. Write the four fact tables, partitioned by shop-local month like kefu's.
COPY (
    SELECT hash(y.shop_id, y.conversation_id, y.cycle) AS row_key, hash(c.shop_id, c.customer) AS group_key,
           y.shop_id, y.conversation_id, y.cycle, c.cycles, c.platform, c.channel, c.customer, c.customer_id,
           c.conv_start_ts, local_date(c.conv_start_ts) AS conv_local_date,
           y.start_ts, y.end_ts, local_date(y.start_ts) AS local_date, local_hour(y.start_ts) AS local_hour,
           CAST(isodow(local_ts(y.start_ts)) AS INTEGER) AS weekday,
           y.agents, y.first_agent, y.last_agent, c.conv_last_agent, y.outbound,
           y.human_clock_ts, y.first_reply.ts AS first_reply_ts,
           secs(y.human_clock_ts, y.first_reply.ts) AS frt_secs,
           business_secs(y.human_clock_ts, y.first_reply.ts) AS frt_business_secs,
           y.first_reply.agent AS frt_agent,
           CASE WHEN y.human_clock_ts IS NOT NULL THEN y.first_reply IS NOT NULL END AS frt_answered,
           coalesce(y.human_rounds, 0) AS human_rounds, coalesce(y.bot_rounds, 0) AS bot_rounds,
           coalesce(y.unanswered_rounds, 0) AS unanswered_rounds,
           coalesce(y.window_rounds, 0) AS window_rounds, coalesce(y.three_min_rounds, 0) AS three_min_rounds,
           CASE WHEN y.window_rounds > 0 THEN y.window_rounds = y.three_min_rounds END AS three_min_buyer_ok,
           c.window_customer, c.window_customer AND NOT c.any_human AS not_served,
           y.transfers, coalesce(y.agent_switches, 0) AS agent_switches,
           r.resolved, r.resolution_source, r.resolved_at,
           secs(c.conv_start_ts, r.resolved_at) AS resolution_secs,
           business_secs(c.conv_start_ts, r.resolved_at) AS resolution_business_secs,
           secs(c.conv_start_ts, r.final_resolved_at) AS full_resolution_secs,
           r.reopened, r.repeat_contact,
           r.resolved AND r.human_rounds_total = 1 AND NOT r.reopened AND NOT r.repeat_contact AS one_touch,
           CASE WHEN c.explicit_status THEN y.cycle_first_resolve_ts
                WHEN y.cycle = c.cycles - 1 THEN r.resolved_at END AS cycle_resolved_at,
           secs(y.start_ts, cycle_resolved_at) AS cycle_resolution_secs,
           coalesce(s.surveys, 0) AS surveys, s.csat_score, s.nps_score,
           coalesce(v.inquiry, false) AS inquiry, coalesce(v.converted, false) AS converted,
           c.product_ids, c.categories,
           y.customer_messages, y.agent_messages, y.bot_messages, y.auto_messages, y.system_messages,
           strftime(local_date(c.conv_start_ts), '%Y-%m') AS month
    FROM cyc y
    JOIN conv c USING (shop_id, conversation_id)
    JOIN res r USING (shop_id, conversation_id)
    LEFT JOIN conv_sv s USING (shop_id, conversation_id)
    LEFT JOIN conv_conv v USING (shop_id, conversation_id)
) TO '@OUT@/conversation_facts' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (month));

COPY (
    SELECT hash(r.shop_id, r.conversation_id, r.cycle, r.round) AS row_key, hash(c.shop_id, c.customer) AS group_key,
           r.shop_id, r.conversation_id, r.cycle, r.round, c.platform, c.channel, c.customer,
           c.conv_start_ts, local_date(c.conv_start_ts) AS conv_local_date,
           r.start_ts, r.last_customer_ts, local_date(r.start_ts) AS local_date, local_hour(r.start_ts) AS local_hour,
           r.kind, r.reply_ts, r.agent_id, r.customer_messages,
           r.response_secs_first AS response_secs, r.response_secs_first, r.response_secs_last,
           r.business_secs_first, r.business_secs_last,
           -- within-T: human rounds by their response time, unanswered rounds fail, bot rounds NULL
           CASE r.kind WHEN 'bot' THEN NULL WHEN 'unanswered' THEN false ELSE r.response_secs_first <= 30 END AS within_30s,
           CASE r.kind WHEN 'bot' THEN NULL WHEN 'unanswered' THEN false ELSE r.response_secs_first <= 60 END AS within_1m,
           CASE r.kind WHEN 'bot' THEN NULL WHEN 'unanswered' THEN false ELSE r.response_secs_first <= 180 END AS within_3m,
           CASE r.kind WHEN 'bot' THEN NULL WHEN 'unanswered' THEN false ELSE r.response_secs_first <= 300 END AS within_5m,
           CASE r.kind WHEN 'bot' THEN NULL WHEN 'unanswered' THEN false ELSE r.response_secs_first <= 600 END AS within_10m,
           CASE r.kind WHEN 'bot' THEN NULL WHEN 'unanswered' THEN false ELSE r.response_secs_first <= 1800 END AS within_30m,
           CASE r.kind WHEN 'bot' THEN NULL WHEN 'unanswered' THEN false ELSE r.response_secs_first <= 3600 END AS within_1h,
           r.starts_in_window,
           -- 3-minute rule: only human and unanswered rounds starting in the window
           CASE WHEN r.starts_in_window AND r.kind <> 'bot'
                THEN r.kind = 'human' AND r.response_secs_first <= 180 END AS three_min_ok,
           c.categories,
           strftime(local_date(c.conv_start_ts), '%Y-%m') AS month
    FROM rounds_f r JOIN conv c USING (shop_id, conversation_id)
) TO '@OUT@/rounds' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (month));

COPY (
    SELECT hash(shop_id, customer, local_date) AS row_key, hash(shop_id, customer) AS group_key,
           shop_id, customer, customer_id, local_date, platform, channel, first_ts,
           local_hour(first_ts) AS local_hour, conversations, after_sales, inquiry, converted, converted_at,
           order_ids, orders, order_amount, agent_id,
           strftime(local_date, '%Y-%m') AS month
    FROM inq
) TO '@OUT@/inquiries' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (month));

COPY (
    SELECT hash(shop_id, survey_id, agent_id) AS row_key, hash(shop_id, customer) AS group_key, *,
           strftime(conv_local_date, '%Y-%m') AS month
    FROM sv
) TO '@OUT@/survey_facts' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (month));
