-- Basic DDL, DML and queries in the subset PostgreSQL and Mica share; errors compare by SQLSTATE.
\set VERBOSITY sqlstate
CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty int, tag varchar(20));
INSERT INTO items VALUES (1, 'apple', 10, 'fruit'), (2, 'bread', 3, NULL), (3, 'cheese', 0, 'dairy');
SELECT * FROM items ORDER BY id;
SELECT name, qty * 2 AS double_qty FROM items WHERE qty > 0 ORDER BY name;
SELECT count(*) AS n, sum(qty) AS total, max(name) AS last_name, min(qty) AS least FROM items;
SELECT tag, count(*) AS n FROM items WHERE tag IS NOT NULL GROUP BY tag ORDER BY tag;
SELECT i.name, j.name AS other FROM items i JOIN items j ON j.id = i.id + 1 ORDER BY i.id;
SELECT name FROM items WHERE id IN (SELECT id FROM items WHERE qty < 5) ORDER BY name;
SELECT name, CASE WHEN qty > 5 THEN 'many' WHEN qty > 0 THEN 'few' ELSE 'none' END AS amount FROM items ORDER BY id;
SELECT 1 + 1 AS two, 'a' || 'b' AS ab, 7 / 2 AS div, 7 % 3 AS mod, -5 AS neg;
SELECT name FROM items ORDER BY qty DESC LIMIT 2;
SELECT name FROM items ORDER BY id LIMIT 1 OFFSET 1;
SELECT DISTINCT tag AS t FROM items WHERE tag IS NOT NULL ORDER BY t;
SELECT coalesce(tag, 'none') AS t, nullif(qty, 0) AS q FROM items ORDER BY id;
SELECT upper(name) AS u, length(name) AS len FROM items ORDER BY id;
SELECT name FROM items WHERE name LIKE 'b%';
UPDATE items SET qty = qty + 1 WHERE id = 3;
DELETE FROM items WHERE id = 2;
SELECT id, name, qty FROM items ORDER BY id;
INSERT INTO items VALUES (1, 'dup', 0, NULL);
INSERT INTO items (id, qty) VALUES (9, 1);
SELECT * FROM nosuchtable;
SELECT nosuchcolumn FROM items;
SELEC 1;
SELECT count(*) AS n FROM items;
DROP TABLE items;
SELECT * FROM items;
-- dollar-quoted strings
SELECT $$it's $1 and 'quoted'$$ AS a, $tag$a $$ inside$tag$ AS b, length($$$$) AS empty;
SELECT $q$multi
line; with a semicolon$q$ AS c;
-- division by zero is an error, as in PostgreSQL (SQLite gives NULL)
SELECT 1 / 0 AS a;
SELECT 1.5 / 0 AS b;
SELECT 7 % 0 AS c;
SELECT 7 / 2 AS d, 7 % 3 AS e;
-- booleans: TRUE/FALSE literals and predicates are bool
SELECT true AS t, false AS f, 1 = 1 AS eq, NOT false AS n;
