#!/usr/bin/python3
"""micad_load.py: issue 6's server targets, measured against a running micad (port in argv[1], pid file
in argv[2]). Uses psycopg2 from Debian's python3-psycopg2 (/usr/bin/python3).

1. Responsiveness: while one connection runs a query of about 10 s, another connection's SELECT 1
   round trip must stay under 10 ms at p99; a CancelRequest must end the long query with 57014 within
   100 ms.
2. Memory: 1,000 idle connections (each has run one statement) must cost micad under 100 MB of resident
   memory in all (VmRSS of the process).
Prints one line per measurement and exits 1 if a target is missed."""
import sys, threading, time
import psycopg2

port, pidfile = int(sys.argv[1]), sys.argv[2]
dsn = dict(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
ok = True

# 1. responsiveness and cancel
long_conn = psycopg2.connect(**dsn)
long_conn.autocommit = True
res = {}


def long_query():
    t = time.time()
    try:
        c = long_conn.cursor()
        c.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
                  "SELECT count(*) FROM c")
        res["rows"] = c.fetchall()
    except psycopg2.Error as e:
        res["code"], res["at"] = e.pgcode, time.time()
    res["dur"] = time.time() - t


th = threading.Thread(target=long_query)
th.start()
time.sleep(0.3)
q = psycopg2.connect(**dsn)
q.autocommit = True
cur = q.cursor()
lat = []
end = time.time() + 10
while time.time() < end and th.is_alive():
    t = time.perf_counter()
    cur.execute("SELECT 1")
    cur.fetchone()
    lat.append((time.perf_counter() - t) * 1000)
    time.sleep(0.005)
lat.sort()
p99 = lat[int(len(lat) * 0.99)] if lat else float("inf")
print("SELECT 1 during a long query: %d round trips, p50 %.2f ms, p99 %.2f ms (target < 10 ms)"
      % (len(lat), lat[len(lat) // 2] if lat else 0, p99))
ok &= p99 < 10 and th.is_alive()
t_cancel = time.time()
long_conn.cancel()
th.join()
took = (res["at"] - t_cancel) * 1000 if "at" in res else float("inf")
print("cancel after %.1f s: SQLSTATE %s after %.1f ms (target 57014 within 100 ms)"
      % (res.get("dur", 0), res.get("code"), took))
ok &= res.get("code") == "57014" and took < 100
q.close()
long_conn.close()

# 2. 1000 idle connections, on a database with a schema each connection loads (pgbench's tables)
setup = psycopg2.connect(**dsn)
setup.autocommit = True
k = setup.cursor()
for sql in ["CREATE TABLE pgbench_accounts(aid int NOT NULL, bid int, abalance int, filler char(84))",
            "CREATE TABLE pgbench_branches(bid int NOT NULL, bbalance int, filler char(88))",
            "CREATE TABLE pgbench_tellers(tid int NOT NULL, bid int, tbalance int, filler char(84))",
            "CREATE TABLE pgbench_history(tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))",
            "ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid)", "ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid)",
            "ALTER TABLE pgbench_tellers ADD PRIMARY KEY (tid)"]:
    k.execute(sql)
setup.close()
conns = []
for i in range(1000):
    c = psycopg2.connect(**dsn)
    c.autocommit = True
    k = c.cursor()
    k.execute("SELECT 1")
    k.fetchone()
    conns.append(c)
pid = int(open(pidfile).read().split()[0])
rss = 0
for line in open("/proc/%d/status" % pid):
    if line.startswith("VmRSS:"):
        rss = int(line.split()[1]) // 1024
print("1000 idle connections: micad resident memory %d MB (target < 100 MB)" % rss)
ok &= rss < 100
for c in conns:
    c.close()
sys.exit(0 if ok else 1)
