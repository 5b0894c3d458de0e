-- Statistics: sqlite_stat1 written by ANALYZE drives index choice and join order.
CREATE TABLE t(a INTEGER, b INTEGER, c INTEGER);
CREATE INDEX ta ON t(a);
CREATE INDEX tb ON t(b);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
  INSERT INTO t SELECT i % 2, i, i % 7 FROM n;
EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1 AND b = 5;
ANALYZE;
SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx;
EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1 AND b = 5;
EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1 AND b > 5;
CREATE TABLE big(k INTEGER, v);
CREATE INDEX bigk ON big(k);
CREATE TABLE small(k INTEGER, w);
INSERT INTO sqlite_stat1 VALUES('big', 'bigk', '100000 2');
INSERT INTO sqlite_stat1 VALUES('small', NULL, '10');
ANALYZE sqlite_schema;
EXPLAIN QUERY PLAN SELECT * FROM big, small WHERE big.k = small.k;
EXPLAIN QUERY PLAN SELECT * FROM small, big WHERE big.k = small.k;
