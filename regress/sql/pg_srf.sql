-- Set-returning functions: generate_series over integers, numerics and timestamps, in FROM (with
-- PostgreSQL's alias rules and correlated arguments) and in the select list.
\set VERBOSITY sqlstate
SELECT * FROM generate_series(1, 3);
SELECT * FROM generate_series(1, 10, 3);
SELECT * FROM generate_series(10, 1, -4);
SELECT * FROM generate_series(3, 1);
SELECT * FROM generate_series(1, 3) AS g;
SELECT * FROM generate_series(1, 3) AS g(i);
SELECT g.i * 10 AS tens FROM generate_series(1, 3) AS g(i) ORDER BY tens DESC;
SELECT x FROM generate_series(1, 5) AS x WHERE x > 3;
SELECT i, j FROM generate_series(1, 3) AS a(i), generate_series(i, 3) AS b(j) ORDER BY i, j;
SELECT count(*), sum(g), min(g), max(g) FROM generate_series(1, 100) g;
SELECT * FROM generate_series(1, 5, 0);
SELECT * FROM generate_series(NULL::int, 3);
SELECT * FROM generate_series(1, 3, NULL);
SELECT * FROM generate_series(2147483645, 2147483647, 2);
SELECT * FROM generate_series(9223372036854775806, 9223372036854775807);
SELECT * FROM generate_series(5000000000, 5000000002);
SELECT * FROM generate_series(1.5, 3);
SELECT * FROM generate_series('2024-01-31'::timestamp, '2024-05-01'::timestamp, '1 month');
SELECT * FROM generate_series('2024-01-01 00:00'::timestamp, '2024-01-01 02:00', '45 minutes');
SELECT * FROM generate_series('2024-03-03'::timestamp, '2024-03-01', '-1 day');
SELECT * FROM generate_series('2024-03-01'::timestamptz, '2024-03-03'::timestamptz, '1 day');
SELECT * FROM generate_series('2024-03-01'::timestamp, '2024-03-03'::timestamp, '0 days');
SELECT generate_series(1, 3);
SELECT generate_series(1, 3) AS n, 'x' AS tag;
SELECT 10 + generate_series(1, 2) AS eleven_twelve;
CREATE TABLE srf_t (a int);
INSERT INTO srf_t VALUES (1), (3), (0);
SELECT a, generate_series(1, a) FROM srf_t ORDER BY 1, 2;
SELECT a, s FROM srf_t, generate_series(1, a) AS s ORDER BY 1, 2;
SELECT a, s FROM srf_t LEFT JOIN generate_series(1, a) AS s ON true ORDER BY 1, 2;
SELECT * FROM generate_series(1, 2) AS g(a, b);
DROP TABLE srf_t;
