-- The LIKE prefix optimisation where the collation allows it; GLOB.
CREATE TABLE t(a TEXT, b TEXT COLLATE NOCASE);
CREATE INDEX ta ON t(a);
CREATE INDEX tb ON t(b);
INSERT INTO t VALUES('apple', 'Apple'), ('banana', 'BANANA'), ('apricot', 'apricot');
EXPLAIN QUERY PLAN SELECT * FROM t WHERE b LIKE 'ap%';
EXPLAIN QUERY PLAN SELECT * FROM t WHERE a LIKE 'ap%';
EXPLAIN QUERY PLAN SELECT * FROM t WHERE a GLOB 'ap*';
EXPLAIN QUERY PLAN SELECT * FROM t WHERE b LIKE '%an%';
PRAGMA case_sensitive_like = ON;
EXPLAIN QUERY PLAN SELECT * FROM t WHERE a LIKE 'ap%';
SELECT a FROM t WHERE a LIKE 'ap%' ORDER BY a;
PRAGMA case_sensitive_like = OFF;
SELECT b FROM t WHERE b LIKE 'AP%' ORDER BY b;
SELECT a FROM t WHERE a GLOB 'ap*' ORDER BY a;
