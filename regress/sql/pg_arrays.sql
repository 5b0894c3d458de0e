-- One-dimensional arrays: input and output text, casts, ARRAY[...], subscripts, ANY/ALL, array_agg,
-- the array functions, array columns (stored as PostgreSQL's array text) and errors.
\set VERBOSITY sqlstate
-- array input: quoting, whitespace, NULL, escapes, dimension decoration
SELECT '{a, "b c", NULL, "NULL", ""}'::text[] AS t, '{ 1 , 2 }'::int[] AS i, '[1:2]={3,4}'::int[] AS dims;
SELECT '{}'::int[] AS e, '{ }'::text[] AS e2, '{a b\ }'::text[] AS trailing, '{"x\"y", "back\\slash", \NULL}'::text[] AS esc;
SELECT '{"{", "}", ",", " lead"}'::text[] AS specials;
-- element types are read and printed as their own type
SELECT '{1.50, 1e2, -0, NaN}'::numeric[] AS n, '{1.5, 1e20, -0, NaN, inf}'::float8[] AS f8, '{1.1}'::float4[] AS f4;
SELECT '{t, yes, 0, off}'::bool[] AS b, '{"\\x01", "abc"}'::bytea[] AS by, '{2024-1-2}'::date[] AS d;
SELECT '{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}'::uuid[] AS u, '{"1 day 2 hours"}'::interval[] AS iv,
  '{"2024-01-02 03:04:05+02"}'::timestamptz[] AS tz, '{"2024-01-02 03:04"}'::timestamp[] AS ts, '{12:30}'::time[] AS tm;
SELECT '{1}'::int2[] AS i2, '{1}'::int8[] AS i8, '{x}'::varchar[] AS v, '{ab}'::bpchar[] AS bp, '{abc}'::name[] AS nm, '{7}'::oid[] AS o;
SELECT '{"{\"a\": 1}"}'::json[] AS j, '{"{\"a\": 1}"}'::jsonb[] AS jb;
-- malformed input and bad elements
SELECT '{1,,2}'::int[];
SELECT '{1,2'::int[];
SELECT '{1,2}x'::int[];
SELECT '1'::int[];
SELECT '{"a"b}'::text[];
SELECT '{a}'::int[];
SELECT '{3000000000}'::int[];
SELECT '{maybe}'::bool[];
SELECT '[1:3]={1,2}'::int[];
-- ARRAY[...] and its element type
SELECT ARRAY[1, 2, NULL] AS a, ARRAY['x', NULL, 'y z'] AS b, ARRAY[true, false] AS c, ARRAY[1.5::float8, 0.1] AS d;
SELECT ARRAY[1, 2.5] AS num, ARRAY[1, 3000000000] AS big, ARRAY[NULL, NULL] AS nulls, ARRAY['\x01'::bytea] AS by;
SELECT ARRAY[]::int[] AS empty_int, ARRAY[]::text[] AS empty_text, ARRAY['1', '2']::int[] AS cast_elems;
SELECT ARRAY[1, 'a'];
SELECT ARRAY[];
-- subscripts: 1-based, NULL outside
SELECT (ARRAY[1, 2, 3])[2] AS two, (ARRAY[1, 2, 3])[5] AS none, (ARRAY['a', 'b'])[0] AS zero, ('{x,y}'::text[])[2] AS y;
SELECT (ARRAY[10, 20])[1] + 1 AS plus, (ARRAY[true])[1] AS b, (ARRAY['2024-01-02'::date])[1] AS d;
-- ANY / SOME / ALL with SQL's NULL logic
SELECT 2 = ANY(ARRAY[1, 2]) AS a, 3 = ANY('{1,2}'::int[]) AS b, 3 = SOME('{1,NULL}'::int[]) AS c, 1 = ANY('{1,NULL}'::int[]) AS d;
SELECT 1 = ANY(NULL::int[]) AS a, NULL = ANY('{1}'::int[]) AS b, 5 > ANY('{}'::int[]) AS c, 5 > ALL('{}'::int[]) AS d;
SELECT 3 <> ALL('{1,2}'::int[]) AS a, 2 <> ALL('{1,2}') AS b, 5 > ALL('{1,2}'::int[]) AS c, 1 >= ALL('{1,NULL}'::int[]) AS d;
SELECT 'b' = ANY('{a,b}'::text[]) AS t, 1.5 = ANY('{1,2}'::int[]) AS frac, '2' = ANY('{1,2}'::int[]) AS lit;
SELECT 2 = ANY(SELECT 2) AS in_sub, 2 <> ALL(SELECT 2) AS not_in_sub;
-- array functions
SELECT array_length(ARRAY[1, 2], 1) AS a, array_length('{}'::int[], 1) AS b, array_length(ARRAY[1], 2) AS c, cardinality('{}'::int[]) AS d, cardinality(ARRAY[1, 2]) AS e;
SELECT array_lower(ARRAY[5, 6], 1) AS lo, array_upper(ARRAY[5, 6], 1) AS hi, array_ndims(ARRAY[5]) AS nd, array_ndims('{}'::int[]) AS nd0;
SELECT array_to_string(ARRAY[1, NULL, 3], ',') AS a, array_to_string(ARRAY[1, NULL, 3], ',', '*') AS b, array_to_string('{}'::text[], ',') AS c;
SELECT string_to_array('a,b,,c', ',') AS a, string_to_array('a,b,,c', ',', '') AS b, string_to_array('abc', NULL) AS c, string_to_array('', ',') AS d;
SELECT string_to_array('a b', '') AS a, string_to_array('x,', ',') AS b, string_to_array('1,2,3', ',')::int[] AS c;
SELECT array_position(ARRAY['a', 'b', 'a'], 'a') AS a, array_position(ARRAY[1, 2], 3) AS b, array_position(ARRAY[1, NULL], NULL) AS c, array_position(ARRAY[1, 2, 1], 1, 2) AS d;
SELECT array_append(ARRAY[1], 2) AS a, array_append(NULL::int[], 1) AS b, array_prepend(0, ARRAY[1]) AS c, array_prepend(1, NULL) AS d;
SELECT array_cat(ARRAY[1], ARRAY[2, 3]) AS a, array_cat(NULL, ARRAY[1]) AS b, array_cat('{}'::int[], '{}') AS c, array_remove(ARRAY[1, 2, 1], 1) AS d;
SELECT ARRAY[1, 2] || 3 AS a, 0 || ARRAY[1, 2] AS b, ARRAY[1] || ARRAY[2, 3] AS c, ARRAY['x'] || '{y}' AS d;
SELECT ARRAY['a', 'b'] = '{a,b}' AS eq, ARRAY[1, 2]::text AS t, ARRAY[1, 2] = '{ 1, 02 }' AS lit_eq, '{1,2}' = ARRAY[1, 2] AS eq_lit;
SELECT ARRAY[1] = '{1,x}';
-- array columns
CREATE TABLE arr (id int PRIMARY KEY, ints int[], names text[], flags boolean[], nums numeric[], vc varchar(10)[],
  ts timestamptz[], tags text[] NOT NULL DEFAULT '{}');
INSERT INTO arr (id, ints, names, flags, nums, vc, ts) VALUES (1, '{1,2,3}', '{a,b}', '{t,f}', '{1.5,2}', '{x}', '{"2024-01-02 03:04:05+00"}');
INSERT INTO arr (id, ints, names, flags, nums, vc, ts) VALUES (2, ARRAY[4, 5], ARRAY['c d', NULL], ARRAY[true], ARRAY[0.25], ARRAY['y', 'z'], NULL);
INSERT INTO arr VALUES (3, '{}', '{}', '{}', '{}', '{}', '{}', '{t}');
INSERT INTO arr (id, ints) VALUES (4, '{ 7 , 8 }');
INSERT INTO arr (id, ints) VALUES (5, '{a}');
INSERT INTO arr (id, ints) VALUES (5, '{1,2');
SELECT * FROM arr ORDER BY id;
SELECT id, ints[1], ints[2] + 10 AS plus, names[2], flags[1], nums[1], ts[1] FROM arr ORDER BY id;
SELECT id, array_length(ints, 1), cardinality(ints), array_to_string(names, ',', '?') FROM arr ORDER BY id;
SELECT id FROM arr WHERE 2 = ANY(ints) ORDER BY id;
SELECT id FROM arr WHERE 'c d' = ANY(names);
SELECT id FROM arr WHERE id = ANY('{1,3}') ORDER BY id;
SELECT id FROM arr WHERE id <> ALL(ARRAY[1, 3]) ORDER BY id;
SELECT id FROM arr WHERE ints = '{1,2,3}';
UPDATE arr SET ints = array_append(ints, 99) WHERE id = 3;
UPDATE arr SET names = array_prepend('first', names), tags = '{ x , y }' WHERE id = 1;
UPDATE arr SET ints = ints || 10 WHERE id = 2;
SELECT id, ints, names, tags FROM arr WHERE id IN (1, 2, 3) ORDER BY id;
-- array_agg, also with ORDER BY and FILTER; ORDER BY in string_agg
SELECT array_agg(id ORDER BY id) AS ids, array_agg(id ORDER BY id DESC) AS desc_ids FROM arr WHERE id < 3;
SELECT array_agg(id) FILTER (WHERE id > 5) AS none, array_agg(names[1] ORDER BY id) AS firsts FROM arr;
SELECT id % 2 AS k, array_agg(id ORDER BY id) AS ids, array_agg(DISTINCT id % 2) AS parity FROM arr GROUP BY id % 2 ORDER BY k;
SELECT string_agg(id::text, ',' ORDER BY id DESC) AS s, array_agg(ints[1] ORDER BY ints[1] DESC NULLS LAST) AS firsts FROM arr;
SELECT ARRAY[id, id * 2] AS pair FROM arr ORDER BY id;
DROP TABLE arr;
