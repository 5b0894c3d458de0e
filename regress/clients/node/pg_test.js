// pg_test.js URL: node-postgres (npm "pg", pure JavaScript) against micad.
//
// node-postgres sends every parameter in text with type 0 (the server infers it) except Buffers,
// which go in binary; results come back in text unless a query asks for binary, and only some types
// have binary parsers in pg-types (bool, int2/4/8, float4/8, numeric, text, timestamp(tz)). So this
// checks every type's text form, those types in binary too, arrays, parameter type inference, named
// prepared statements, rowMode 'array', multi-statement simple queries, transactions, errors by
// SQLSTATE, cancel (a CancelRequest on a second connection) and statement_timeout, LISTEN/NOTIFY and
// a Pool. COPY is not covered: it needs pg-copy-streams. Prints one line per check and ends with
// "N passed, N failed"; exit status 1 on any failure.
'use strict'
process.env.TZ = 'UTC' // dates without a zone are parsed as local time
process.noDeprecation = true // Client.activeQuery, which cancel needs
const pg = require('pg')
const url = process.argv[2]

const { check, expectError, same, sleep, run } = require('./harness')

async function types(c) {
  await c.query('DROP TABLE IF EXISTS npt')
  await c.query(
    'CREATE TABLE npt (id integer PRIMARY KEY, bo boolean, s smallint, i integer, b bigint, r real, ' +
      'd double precision, n numeric, t text, v varchar(10), by bytea, dt date, tm time, ts timestamp, ' +
      'tz timestamptz, iv interval, u uuid, j json, jb jsonb)'
  )
  const row = [1, true, 7, -123456, '1099511627776', 1.5, 2.25, '12.345', "héllo 'q'", 'var',
    Buffer.from([0, 255, 16, 92]), '2024-02-29', '13:14:15.5', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)),
    new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), '3 days 02:00:00', '12345678-1234-5678-1234-567812345678',
    { a: 1 }, { b: [1, 2] }]
  const ph = row.map((_, i) => '$' + (i + 1)).join(', ')
  const ins = await c.query('INSERT INTO npt VALUES (' + ph + ')', row)
  check('INSERT with 19 untyped parameters', ins.rowCount === 1 && ins.command === 'INSERT', ins.command)
  const res = await c.query('SELECT * FROM npt WHERE id = $1', [1])
  const oids = res.fields.map((f) => f.dataTypeID)
  check('RowDescription OIDs', same(oids, [23, 16, 21, 23, 20, 700, 701, 1700, 25, 1043, 17, 1082, 1083, 1114,
    1184, 1186, 2950, 114, 3802]), oids)
  const got = res.rows[0]
  const want = {
    id: 1, bo: true, s: 7, i: -123456, b: '1099511627776', r: 1.5, d: 2.25, n: '12.345', t: "héllo 'q'",
    v: 'var', by: Buffer.from([0, 255, 16, 92]), dt: new Date(Date.UTC(2024, 1, 29)), tm: '13:14:15.5',
    ts: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), tz: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    iv: { days: 3, hours: 2 }, u: '12345678-1234-5678-1234-567812345678', j: { a: 1 }, jb: { b: [1, 2] },
  }
  for (const k of Object.keys(want)) {
    let have = got[k]
    let w = want[k]
    if (have instanceof Date) have = have.toISOString()
    if (w instanceof Date) w = w.toISOString()
    if (k === 'iv' && have && typeof have.toPostgres === 'function') have = { ...have }
    check('text result of ' + k, same(have, w), { have, want: w })
  }
  // Binary results for the types pg-types can parse in binary. pg-protocol decodes every DataRow field
  // as UTF-8 text before pg-types sees it, so a binary value with a byte >= 0x80 reaches the parser
  // mangled (a driver limitation): these values are chosen so that every byte of their binary form is
  // ASCII. Binary results need the extended protocol, which pg uses only for queries with values.
  const bin = await c.query({
    text: 'SELECT $1::bool AS bo, $2::int2 AS s, $3::int4 AS i, $4::int8 AS b, $5::float4 AS r, $6::float8 AS d, ' +
      '$7::numeric AS n, $8::text AS t, $9::varchar AS v, $10::timestamp AS ts, $11::timestamptz AS tz, ' +
      'id FROM npt WHERE id = $12',
    values: [true, 7, 4660, '1099511627776', 2, 2.25, '12.345', 'abc', 'var', '2000-01-01 00:00:00',
      '2000-01-01 00:00:00+00', 1],
    binary: true,
  })
  const bw = [true, 7, 4660, '1099511627776', 2, 2.25, 12.345, 'abc', 'var', '2000-01-01T00:00:00.000Z',
    '2000-01-01T00:00:00.000Z', 1]
  const bh = bin.fields.map((f) => {
    const v = bin.rows[0][f.name]
    return v instanceof Date ? v.toISOString() : v
  })
  check('binary results (bool, int2/4/8, float4/8, numeric, text, varchar, timestamp, timestamptz)',
    same(bh, bw) && bin.fields.every((f) => f.format === 'binary'), { bh, formats: bin.fields.map((f) => f.format) })
  // NULLs, limits.
  await c.query('INSERT INTO npt (id) VALUES ($1)', [2])
  const nul = await c.query('SELECT * FROM npt WHERE id = 2')
  check('NULL of every type', Object.values(nul.rows[0]).slice(1).every((v) => v === null), nul.rows[0])
  const lim = await c.query('SELECT $1::int2 AS a, $2::int4 AS b, $3::int8 AS c, $4::float8 AS d, $5::text AS e',
    [-32768, 2147483647, '-9223372036854775808', -0.125, ''])
  check('limits in text', same(lim.rows[0], { a: -32768, b: 2147483647, c: '-9223372036854775808', d: -0.125, e: '' }),
    lim.rows[0])
  const bytes = Buffer.alloc(256)
  for (let i = 0; i < 256; i++) bytes[i] = i
  await c.query('UPDATE npt SET by = $1 WHERE id = 2', [bytes])
  const br = await c.query('SELECT by, length(by) AS n FROM npt WHERE id = 2')
  check('bytea parameter in binary, all 256 byte values', Buffer.compare(br.rows[0].by, bytes) === 0 &&
    br.rows[0].n === 256, br.rows[0].n)
}

// Arrays: node-postgres sends a JavaScript array as array text with type 0 (the server infers the array
// type from the column or from x = ANY($1)); pg-types parses the text of the array types it knows.
async function arrays(c) {
  await c.query('DROP TABLE IF EXISTS npa')
  await c.query('CREATE TABLE npa (id int PRIMARY KEY, i int[], b bigint[], t text[], bo bool[], f float8[], ' +
    'n numeric[], d date[], ts timestamptz[], u uuid[], by bytea[], jb jsonb[])')
  const row = [1, [1, null, 3], ['1099511627776'], ['a', 'b c', null, '', 'NULL', 'q"\\', '{x}'], [true, false],
    [1.5, null], ['1.50'], ['2024-02-29'], [new Date(Date.UTC(2024, 0, 2, 3, 4, 5))],
    ['12345678-1234-5678-1234-567812345678'], [Buffer.from([0, 255])], ['{"a": 1}']]
  await c.query('INSERT INTO npa VALUES (' + row.map((_, i) => '$' + (i + 1)).join(', ') + ')', row)
  const res = await c.query('SELECT * FROM npa')
  const oids = res.fields.map((f) => f.dataTypeID)
  check('array RowDescription OIDs', same(oids, [23, 1007, 1016, 1009, 1000, 1022, 1231, 1182, 1185, 2951, 1001, 3807]),
    oids)
  const want = {
    id: 1, i: [1, null, 3], b: ['1099511627776'], t: ['a', 'b c', null, '', 'NULL', 'q"\\', '{x}'], bo: [true, false],
    f: [1.5, null], n: [1.5], d: [new Date(Date.UTC(2024, 1, 29))], ts: [new Date(Date.UTC(2024, 0, 2, 3, 4, 5))],
    u: ['12345678-1234-5678-1234-567812345678'], by: [Buffer.from([0, 255])], jb: [{ a: 1 }],
  }
  for (const k of Object.keys(want)) check('array text result of ' + k, same(res.rows[0][k], want[k]), res.rows[0][k])
  const any = await c.query('SELECT id FROM npa WHERE id = ANY($1) AND $2 = ANY(t)', [[1, 2], 'b c'])
  check('id = ANY($1) with an array parameter', same(any.rows, [{ id: 1 }]), any.rows)
  const expr = await c.query('SELECT ARRAY[1, NULL] AS a, i[3] AS s, array_agg(id ORDER BY id) AS g FROM npa GROUP BY i')
  check('ARRAY[], subscript, array_agg', same(expr.rows, [{ a: [1, null], s: 3, g: [1] }]), expr.rows)
  // binary: an int4[] whose binary form is all ASCII (see the note on binary results above)
  const bin = await c.query({ text: 'SELECT ARRAY[4, 5] AS a, i[1] AS one FROM npa WHERE id = $1', values: [1],
    binary: true })
  check('int4[] result in binary', same(bin.rows, [{ a: [4, 5], one: 1 }]), bin.rows)
  await c.query('DROP TABLE npa')
}

async function main() {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  const one = await c.query('SELECT 1 AS x')
  check('connect and SELECT 1', one.rows[0].x === 1, one.rows)
  const pidRow = await c.query('SELECT pg_backend_pid() AS p')
  check('BackendKeyData pid matches pg_backend_pid()', pidRow.rows[0].p === c.processID, [pidRow.rows[0].p, c.processID])
  const sv = await c.query('SHOW server_version')
  check('SHOW server_version', /^15/.test(sv.rows[0].server_version), sv.rows)

  try {
    await types(c)
  } catch (e) {
    check('type round trips', false, e.code + ' ' + e.message)
  }
  try {
    await arrays(c)
  } catch (e) {
    check('array round trips', false, e.code + ' ' + e.message)
  }

  await c.query('DROP TABLE IF EXISTS npk')
  await c.query('CREATE TABLE npk (a integer PRIMARY KEY, b text)')
  for (let i = 0; i < 20; i++) await c.query({ name: 'ins', text: 'INSERT INTO npk VALUES ($1, $2)', values: [i, 'v' + i] })
  const cnt = await c.query('SELECT count(*)::int AS n, sum(a)::int AS s FROM npk')
  check('named prepared statement executed 20 times', same(cnt.rows[0], { n: 20, s: 190 }), cnt.rows[0])
  const sel = []
  for (const k of [3, 4, 99]) {
    const r = await c.query({ name: 'sel', text: 'SELECT b FROM npk WHERE a = $1', values: [k] })
    sel.push(r.rows.length ? r.rows[0].b : null)
  }
  check('named prepared SELECT reused with new parameters', same(sel, ['v3', 'v4', null]), sel)
  const arr = await c.query({ text: 'SELECT a, b FROM npk WHERE a < $1 ORDER BY a', values: [3], rowMode: 'array' })
  check("rowMode 'array'", same(arr.rows, [[0, 'v0'], [1, 'v1'], [2, 'v2']]), arr.rows)
  const multi = await c.query("SELECT 1 AS a; SELECT 'two' AS b; UPDATE npk SET b = b WHERE a < 5")
  check('simple query with three statements gives three results', Array.isArray(multi) && multi.length === 3 &&
    multi[0].rows[0].a === 1 && multi[1].rows[0].b === 'two' && multi[2].rowCount === 5 &&
    multi[2].command === 'UPDATE', Array.isArray(multi) ? multi.map((r) => [r.command, r.rowCount]) : multi)
  const inf = await c.query('SELECT b FROM npk WHERE a = $1 AND b LIKE $2', ['7', 'v%'])
  check("parameter types inferred ('7' compared as integer)", inf.rows.length === 1 && inf.rows[0].b === 'v7', inf.rows)

  // Errors.
  await expectError('unique violation is 23505', '23505', () => c.query('INSERT INTO npk VALUES ($1, $2)', [1, 'dup']))
  await expectError('syntax error is 42601', '42601', () => c.query('SELEC 1'))
  await expectError('missing table is 42P01', '42P01', () => c.query('SELECT * FROM no_such_table WHERE a = $1', [1]))
  try {
    await c.query('SELECT * FROM no_such_table')
  } catch (e) {
    check('error fields: severity and message', e.severity === 'ERROR' && /no_such_table/.test(e.message), e.severity)
  }
  check('connection usable after errors', (await c.query('SELECT 5 AS v')).rows[0].v === 5)

  // Transactions.
  await c.query('BEGIN')
  await c.query('INSERT INTO npk VALUES (100, $1)', ['tx'])
  await expectError('error inside a transaction', '23505', () => c.query('INSERT INTO npk VALUES (1, $1)', ['x']))
  await expectError('then 25P02 until the transaction ends', '25P02', () => c.query('SELECT 1'))
  await c.query('ROLLBACK')
  check('ROLLBACK discards', (await c.query('SELECT count(*)::int AS n FROM npk WHERE a = 100')).rows[0].n === 0)
  await c.query('BEGIN')
  await c.query('INSERT INTO npk VALUES (101, $1)', ['kept'])
  await c.query('SAVEPOINT s1')
  await c.query('INSERT INTO npk VALUES (102, $1)', ['dropped'])
  await c.query('ROLLBACK TO SAVEPOINT s1')
  await c.query('COMMIT')
  const tx = await c.query('SELECT a FROM npk WHERE a > 100 ORDER BY a')
  check('COMMIT keeps, ROLLBACK TO SAVEPOINT drops', same(tx.rows, [{ a: 101 }]), tx.rows)

  // Cancel: a CancelRequest on another connection with this one's pid and secret key.
  const t0 = Date.now()
  const slow = c.query('SELECT pg_sleep(10)')
  await sleep(300)
  new pg.Client({ connectionString: url }).cancel(c, c.activeQuery)
  await expectError('cancel of pg_sleep is 57014', '57014', () => slow)
  check('cancel is prompt', Date.now() - t0 < 3000, Date.now() - t0 + ' ms')
  check('connection usable after cancel', (await c.query('SELECT 6 AS v')).rows[0].v === 6)
  const st = new pg.Client({ connectionString: url, statement_timeout: 300 })
  await st.connect()
  const sto = await st.query('SHOW statement_timeout')
  check('statement_timeout from the startup packet', /^300(ms)?$/.test(sto.rows[0].statement_timeout), sto.rows)
  await expectError('statement_timeout is 57014', '57014', () => st.query('SELECT pg_sleep(5)'))
  await st.end()

  // LISTEN/NOTIFY.
  const l = new pg.Client({ connectionString: url })
  await l.connect()
  const notes = []
  let wake = null
  l.on('notification', (m) => {
    notes.push([m.channel, m.payload, m.processId])
    if (wake) wake()
  })
  await l.query('LISTEN npchan')
  await c.query("NOTIFY npchan, 'hello'")
  await c.query('BEGIN')
  await c.query("NOTIFY npchan, 'rolled back'")
  await c.query('ROLLBACK')
  await c.query('BEGIN')
  await c.query("NOTIFY npchan, 'committed'")
  await c.query('COMMIT')
  for (let i = 0; i < 50 && notes.length < 2; i++) await sleep(20)
  check('LISTEN/NOTIFY: idle listener gets channel, payload, sender pid; rollback drops',
    same(notes, [['npchan', 'hello', c.processID], ['npchan', 'committed', c.processID]]), notes)
  await l.query('UNLISTEN npchan')
  notes.length = 0
  await c.query("NOTIFY npchan, 'after'")
  await sleep(200)
  check('UNLISTEN stops delivery', notes.length === 0, notes)
  await l.end()

  // Pool.
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  const vals = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    pool.query('SELECT $1::int * 2 AS v, pg_backend_pid() AS p', [i])))
  check('pool of 4 serves 20 concurrent queries', same(vals.map((r) => r.rows[0].v), Array.from({ length: 20 }, (_, i) => i * 2)))
  const pids = new Set(vals.map((r) => r.rows[0].p))
  check('pool opened at most 4 backends', pids.size >= 1 && pids.size <= 4, [...pids])
  const pc = await pool.connect()
  await pc.query('BEGIN')
  await pc.query('INSERT INTO npk VALUES (200, $1)', ['pool'])
  await pc.query('COMMIT')
  pc.release()
  check('pool client transaction visible', (await c.query('SELECT b FROM npk WHERE a = 200')).rows[0].b === 'pool')
  check('pool counts', pool.totalCount <= 4 && pool.idleCount === pool.totalCount, [pool.totalCount, pool.idleCount])
  await pool.end()

  await c.query('DROP TABLE npk')
  await c.query('DROP TABLE IF EXISTS npt')
  await c.end()
  check('connection ended', true)
}

run(main)
