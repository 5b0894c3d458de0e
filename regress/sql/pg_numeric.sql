-- numeric(p,s): values of such columns and casts are printed with the type's scale, as PostgreSQL
-- prints them (storage keeps only the number). Unconstrained numeric literals are not covered yet.
\set VERBOSITY sqlstate
CREATE TABLE num_t (a numeric(5,2), b numeric(10,0), c numeric(8,3));
INSERT INTO num_t VALUES (1.5, 2.5, 1.0005), (2, 7, -0.0004), (-1.005, 123.4, 12345.6789), (NULL, 0, 0.5);
SELECT a, b, c FROM num_t ORDER BY b;
SELECT 1.50::numeric(5,2) AS x, 2::numeric(6,3) AS y, 9.999::numeric(5,2) AS z, 0.005::numeric(4,2) AS w,
       (-0.001)::numeric(3,2) AS negzero, 12::numeric(4,0) AS i;
COPY num_t (a, c) TO STDOUT;
COPY (SELECT a FROM num_t WHERE a > 0 ORDER BY a) TO STDOUT WITH (FORMAT csv);
DROP TABLE num_t;
