-- Dates and times: typed literals, casts, date_trunc, extract/date_part, to_char, to_timestamp.
\set VERBOSITY sqlstate
SELECT date '2024-03-05' AS d, timestamp '2024-03-05 12:34:56.5' AS ts, timestamptz '2024-03-05 12:34:56+02' AS tstz;
SELECT '2024-03-05 01:02:03'::timestamp AS a, cast('2024-03-05' AS date) AS b, '2024-03-05 01:02:03+02'::timestamptz::date AS c;
SELECT 'epoch'::timestamptz AS e, '2024-2-9'::date AS short;
SELECT '2024-02-30'::date;
SELECT 'yesterday-ish'::timestamp;
SELECT date_trunc('month', timestamp '2024-03-05 12:34:56.789') AS m,
       date_trunc('hour', timestamptz '2024-03-05 12:34:56+02') AS h,
       date_trunc('week', date '2024-03-07') AS w,
       date_trunc('year', timestamp '2024-03-05 12:34:56') AS y,
       date_trunc('quarter', timestamp '2024-08-05 12:34:56') AS q,
       date_trunc('minute', timestamp '2024-03-05 12:34:56') AS mi;
SELECT date_trunc('fortnight', timestamp '2024-03-05');
SELECT extract(year FROM timestamp '2024-03-05 12:34:56') AS y, extract(month FROM date '2024-03-05') AS m,
       extract(dow FROM date '2024-03-05') AS dow, extract(isodow FROM date '2024-03-10') AS isodow,
       extract(doy FROM date '2024-12-31') AS doy, extract(week FROM date '2024-01-01') AS wk,
       extract(quarter FROM date '2024-08-01') AS q, extract(hour FROM timestamp '2024-03-05 12:34:56') AS h;
SELECT extract(epoch FROM timestamptz '2024-03-05 12:34:56+00') AS ep, extract(second FROM timestamp '2024-03-05 12:34:56.5') AS s;
SELECT date_part('year', timestamp '2024-03-05 12:34:56') AS y, date_part('epoch', timestamptz '1970-01-02 00:00:00+00') AS ep;
SELECT to_char(timestamp '2024-03-05 14:04:09.123', 'YYYY-MM-DD HH24:MI:SS.MS') AS a,
       to_char(date '2024-03-05', 'FMDay, DD Mon YYYY') AS b,
       to_char(timestamp '2024-03-05 00:04:09', 'HH12:MI AM "Q"Q') AS c,
       to_char(timestamp '2024-11-25 18:00:00', 'DY dd MONTH yy') AS d;
SELECT to_timestamp(1700000000) AS t1, to_timestamp(1700000000.5) AS t2,
       to_timestamp('05 Mar 2024 14:04', 'DD Mon YYYY HH24:MI') AS t3;
CREATE TABLE ev (id int PRIMARY KEY, at timestamp);
INSERT INTO ev VALUES (1, '2024-03-05 10:00:00'), (2, '2024-03-06 11:30:00'), (3, '2024-04-01 00:00:00');
SELECT date_trunc('month', at) AS month, count(*) FROM ev GROUP BY 1 ORDER BY 1;
SELECT id FROM ev WHERE at >= timestamp '2024-03-06' ORDER BY id;
DROP TABLE ev;
