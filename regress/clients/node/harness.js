// harness.js: what the node client tests share: check() counts and prints one line per check,
// expectError() checks that a call fails with a SQLSTATE, same() compares by JSON, sleep(ms), and
// run(main) runs the test and ends with "N passed, N failed" (exit status 1 on any failure).
'use strict'

let passed = 0
let failed = 0
function check(what, cond, detail) {
  if (cond) {
    passed++
    console.log('ok: ' + what)
  } else {
    failed++
    console.log('FAIL: ' + what + ' -- ' + (typeof detail === 'string' ? detail : JSON.stringify(detail)))
  }
}
async function expectError(what, code, fn) {
  try {
    await fn()
    check(what, false, 'no error')
  } catch (e) {
    check(what, e.code === code, (e.code || '') + ' ' + e.message)
  }
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
function run(main) {
  main()
    .catch((e) => check('unexpected error', false, (e.code || '') + ' ' + (e.stack || e)))
    .finally(() => {
      console.log(passed + ' passed, ' + failed + ' failed')
      process.exit(failed ? 1 : 0)
    })
}

module.exports = { check, expectError, same, sleep, run }
