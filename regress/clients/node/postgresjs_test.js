// postgresjs_test.js URL: postgres.js (npm "postgres") against micad.
//
// postgres.js speaks only the extended protocol (named prepared statements by default), sends
// parameters in text with the types it infers (0 for numbers and strings, 16 bool, 17 bytea, 1184
// Date, 3802 sql.json) and reads results in text. This checks every type's round trip, the
// ParameterStatus values it keeps (sql.parameters), describe() (ParameterDescription), cursors
// (Execute with a row limit, PortalSuspended), simple() multi-statement queries, sql.begin with
// savepoints, errors by SQLSTATE, COPY FROM STDIN (writable) and TO STDOUT (readable), cancel and
// statement_timeout (57014), LISTEN/NOTIFY and a pool of 4. fetch_types is off: at connect postgres.js
// otherwise reads the array types from pg_catalog.pg_type, which micad does not have yet.
// Prints one line per check and ends with "N passed, N failed"; exit status 1 on any failure.
'use strict'
process.env.TZ = 'UTC'
const postgres = require('postgres')
const url = process.argv[2]

const { check, expectError, same, sleep, run } = require('./harness')
const opts = { fetch_types: false, max: 4, connect_timeout: 10, onnotice: () => {} }

async function types(sql) {
  await sql`DROP TABLE IF EXISTS pjt`
  await sql`CREATE TABLE pjt (id integer PRIMARY KEY, bo boolean, s smallint, i integer, b bigint, r real,
    d double precision, n numeric, t text, v varchar(10), by bytea, dt date, tm time, ts timestamp,
    tz timestamptz, iv interval, u uuid, j json, jb jsonb)`
  const row = {
    id: 1, bo: true, s: 7, i: -123456, b: '1099511627776', r: 1.5, d: 2.25, n: '12.345', t: "héllo 'q'",
    v: 'var', by: Buffer.from([0, 255, 16, 92]), dt: '2024-02-29', tm: '13:14:15.5',
    ts: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), tz: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    iv: '3 days 02:00:00', u: '12345678-1234-5678-1234-567812345678', j: sql.json({ a: 1 }),
    jb: sql.json({ b: [1, 2] }),
  }
  const ins = await sql`INSERT INTO pjt ${sql(row)}`
  check('INSERT with sql(object) helper', ins.count === 1 && ins.command === 'INSERT', [ins.command, ins.count])
  const res = await sql`SELECT * FROM pjt WHERE id = ${1}`
  const oids = res.columns.map((c) => c.type)
  check('RowDescription OIDs', same(oids, [23, 16, 21, 23, 20, 700, 701, 1700, 25, 1043, 17, 1082, 1083, 1114,
    1184, 1186, 2950, 114, 3802]), oids)
  const got = res[0]
  const want = { ...row, dt: new Date(Date.UTC(2024, 1, 29)), j: { a: 1 }, jb: { b: [1, 2] } }
  for (const k of Object.keys(want)) {
    let have = got[k]
    let w = want[k]
    if (have instanceof Date) have = have.toISOString()
    if (w instanceof Date) w = w.toISOString()
    check('round trip of ' + k, same(have, w), { have, want: w })
  }
  await sql`INSERT INTO pjt (id) VALUES (${2})`
  const nul = await sql`SELECT * FROM pjt WHERE id = 2`
  check('NULL of every type', Object.values(nul[0]).slice(1).every((v) => v === null), nul[0])
  const lim = await sql`SELECT ${-32768}::int2 AS a, ${2147483647}::int4 AS b, ${'-9223372036854775808'}::int8 AS c,
    ${-0.125}::float8 AS d, ${''}::text AS e, ${false}::bool AS f`
  check('limits, empty string, false', same(lim[0], { a: -32768, b: 2147483647, c: '-9223372036854775808', d: -0.125,
    e: '', f: false }), lim[0])
  const bytes = Buffer.alloc(256)
  for (let i = 0; i < 256; i++) bytes[i] = i
  await sql`UPDATE pjt SET by = ${bytes} WHERE id = 2`
  const br = await sql`SELECT by, length(by) AS n FROM pjt WHERE id = 2`
  check('bytea parameter, all 256 byte values', Buffer.compare(br[0].by, bytes) === 0 && br[0].n === 256, br[0].n)
}

async function main() {
  const sql = postgres(url, opts)
  const one = await sql`SELECT 1 AS x`
  check('connect and SELECT 1', one[0].x === 1 && one.command === 'SELECT', one)
  const p = sql.parameters
  check('ParameterStatus values kept (server_version, client_encoding, TimeZone)',
    /^15/.test(p.server_version) && p.client_encoding === 'UTF8' && p.TimeZone === 'UTC', p)

  try {
    await types(sql)
  } catch (e) {
    check('type round trips', false, (e.code || '') + ' ' + e.message)
  }

  await sql`DROP TABLE IF EXISTS pjk`
  await sql`CREATE TABLE pjk (a integer PRIMARY KEY, b text)`
  await sql`INSERT INTO pjk ${sql(Array.from({ length: 30 }, (_, i) => ({ a: i, b: 'v' + i })))}`
  const cnt = await sql`SELECT count(*)::int AS n, sum(a)::int AS s FROM pjk`
  check('multi-row INSERT from an array of objects', same(cnt[0], { n: 30, s: 435 }), cnt[0])
  const got = []
  for (const k of [3, 4, 99]) got.push((await sql`SELECT b FROM pjk WHERE a = ${k}`)[0]?.b ?? null)
  check('prepared statement reused with new parameters', same(got, ['v3', 'v4', null]), got)
  const d = await sql`SELECT b FROM pjk WHERE a = ${1} AND b LIKE ${'v%'}`.describe()
  check('describe(): parameter types from ParameterDescription', same(d.types, [23, 25]) &&
    d.columns.length === 1 && d.columns[0].name === 'b', { types: d.types, columns: d.columns })
  const vals = await sql`SELECT a, b FROM pjk WHERE a < ${3} ORDER BY a`.values()
  check('values() (rows as arrays)', same(vals, [[0, 'v0'], [1, 'v1'], [2, 'v2']]), vals)
  const batches = []
  await sql`SELECT a FROM pjk ORDER BY a`.cursor(7, (rows) => { batches.push(rows.map((r) => r.a)) })
  check('cursor(7): Execute with a row limit, PortalSuspended, 5 batches',
    batches.length === 5 && same(batches.flat(), Array.from({ length: 30 }, (_, i) => i)) && batches[4].length === 2,
    batches.map((b) => b.length))
  let seen = 0
  await sql`SELECT a FROM pjk`.forEach(() => { seen++ })
  check('forEach', seen === 30, seen)
  // (postgres.js starts a new result at each RowDescription, so each statement here returns rows.)
  const multi = await sql`SELECT 1 AS a; SELECT 'two' AS b; UPDATE pjk SET b = b WHERE a < 5 RETURNING a`.simple()
  check('simple(): three statements, three results', Array.isArray(multi) && multi.length === 3 &&
    multi[0][0].a === 1 && multi[1][0].b === 'two' && multi[2].count === 5 && multi[2].command === 'UPDATE',
    multi.map((r) => [r.command, r.count]))
  const un = await sql.unsafe('SELECT b FROM pjk WHERE a = $1', [9])
  check('unsafe() with parameters', un[0].b === 'v9', un)
  const dyn = await sql`SELECT ${sql('b')} FROM ${sql('pjk')} WHERE a IN ${sql([1, 2])} ORDER BY a`
  check('identifier and list helpers', same(dyn.map((r) => r.b), ['v1', 'v2']), dyn)

  // Errors.
  await expectError('unique violation is 23505', '23505', () => sql`INSERT INTO pjk VALUES (${1}, ${'dup'})`)
  await expectError('syntax error is 42601', '42601', () => sql`SELEC 1`)
  await expectError('missing table is 42P01', '42P01', () => sql`SELECT * FROM no_such_table WHERE a = ${1}`)
  try {
    await sql`SELECT * FROM no_such_table`
  } catch (e) {
    check('error fields: severity and message', e.severity === 'ERROR' && /no_such_table/.test(e.message), e.severity)
  }

  // Transactions.
  try {
    await sql.begin(async (tx) => {
      await tx`INSERT INTO pjk VALUES (${100}, ${'rolled back'})`
      throw new Error('roll back')
    })
  } catch (e) {
    check('sql.begin rolls back when the callback throws', e.message === 'roll back', e.message)
  }
  check('rolled back row is gone', (await sql`SELECT count(*)::int AS n FROM pjk WHERE a = 100`)[0].n === 0)
  const txr = await sql.begin(async (tx) => {
    await tx`INSERT INTO pjk VALUES (${101}, ${'kept'})`
    try {
      await tx.savepoint(async (sp) => {
        await sp`INSERT INTO pjk VALUES (${102}, ${'dropped'})`
        throw new Error('roll back the savepoint')
      })
    } catch (e) {
      if (e.message !== 'roll back the savepoint') throw e
    }
    await tx.savepoint((sp) => sp`INSERT INTO pjk VALUES (${103}, ${'released'})`)
    return tx`SELECT a FROM pjk WHERE a > 100 ORDER BY a`
  })
  check('sql.begin commits; savepoints rolled back to and released', same(txr.map((r) => r.a), [101, 103]), txr)
  await expectError('error inside sql.begin propagates with its SQLSTATE', '42P01',
    () => sql.begin((tx) => tx`SELECT * FROM no_such_table`))

  // COPY.
  try {
    await sql`DROP TABLE IF EXISTS pjc`
    await sql`CREATE TABLE pjc (a integer, b text, c double precision)`
    const w = await sql`COPY pjc (a, b, c) FROM STDIN`.writable()
    await new Promise((resolve, reject) => {
      w.on('error', reject)
      w.on('finish', resolve)
      for (let i = 0; i < 500; i++) w.write(i + '\tr' + i + '\t' + i / 4 + '\n')
      w.write('500\t\\N\t\\N\n')
      w.end()
    })
    const c2 = await sql`SELECT count(*)::int AS n, sum(a)::int AS s, count(b)::int AS nb FROM pjc`
    check('COPY FROM STDIN through writable()', same(c2[0], { n: 501, s: 124750 + 500, nb: 500 }), c2[0])
    const r = await sql`COPY (SELECT a, b, c FROM pjc WHERE a < 3 OR a = 500 ORDER BY a) TO STDOUT`.readable()
    let out = ''
    for await (const chunk of r) out += chunk
    check('COPY TO STDOUT through readable()', out === '0\tr0\t0\n1\tr1\t0.25\n2\tr2\t0.5\n500\t\\N\t\\N\n', out)
    const bad = await sql`COPY pjc (a) FROM STDIN`.writable()
    // The server reports a bad row at once (as PostgreSQL does); the stream is not ended first, since
    // postgres.js drops a copy stream's error that arrives after end().
    const err = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ code: 'none', message: 'no error within 5 s' }), 5000)
      bad.on('error', (e) => {
        clearTimeout(timer)
        resolve(e)
      })
      bad.write('notanumber\n')
    })
    check('bad COPY data is reported at once as 22P02', err.code === '22P02', err.code + ' ' + err.message)
    check('no rows loaded by the failed COPY', (await sql`SELECT count(*)::int AS n FROM pjc`)[0].n === 501)
  } catch (e) {
    check('COPY', false, (e.code || '') + ' ' + e.message)
  }

  // Cancel and statement_timeout.
  const t0 = Date.now()
  const slow = sql`SELECT pg_sleep(10)`
  setTimeout(() => slow.cancel(), 300)
  await expectError('cancel of pg_sleep is 57014', '57014', () => slow)
  check('cancel is prompt', Date.now() - t0 < 3000, Date.now() - t0 + ' ms')
  check('pool usable after cancel', (await sql`SELECT 6 AS v`)[0].v === 6)
  const st = postgres(url, { ...opts, max: 1, connection: { statement_timeout: 300 } })
  await expectError('statement_timeout (startup parameter) is 57014', '57014', () => st`SELECT pg_sleep(5)`)
  await st.end()

  // LISTEN/NOTIFY (sql.notify would call pg_notify(), which micad does not have: NOTIFY instead).
  const notes = []
  const sub = await sql.listen('pjchan', (payload) => notes.push(payload))
  await sql`NOTIFY pjchan, 'hello'`
  await sql.begin((tx) => tx`NOTIFY pjchan, 'rolled back'`.then(() => { throw new Error('no') })).catch(() => {})
  await sql.begin((tx) => tx`NOTIFY pjchan, 'committed'`)
  for (let i = 0; i < 50 && notes.length < 2; i++) await sleep(20)
  check('LISTEN/NOTIFY through sql.listen; rollback drops', same(notes, ['hello', 'committed']), notes)
  await sub.unlisten()
  notes.length = 0
  await sql`NOTIFY pjchan, 'after'`
  await sleep(200)
  check('unlisten stops delivery', notes.length === 0, notes)

  // Pool: 20 concurrent queries over at most 4 connections; a reserved connection.
  const res = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    sql`SELECT ${i}::int * 2 AS v, pg_backend_pid() AS p, pg_sleep(0.02) AS z`))
  check('pool of 4 serves 20 concurrent queries', same(res.map((r) => r[0].v), Array.from({ length: 20 }, (_, i) => i * 2)))
  const pids = new Set(res.map((r) => r[0].p))
  check('at most 4 backends used', pids.size >= 1 && pids.size <= 4, [...pids])
  const reserved = await sql.reserve()
  const p1 = (await reserved`SELECT pg_backend_pid() AS p`)[0].p
  const p2 = (await reserved`SELECT pg_backend_pid() AS p`)[0].p
  reserved.release()
  check('reserved connection keeps its backend', p1 === p2, [p1, p2])

  await sql`DROP TABLE pjk`
  await sql`DROP TABLE IF EXISTS pjt`
  await sql`DROP TABLE IF EXISTS pjc`
  await sql.end({ timeout: 5 })
  check('sql.end', true)
}

run(main)
