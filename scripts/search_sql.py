# Raw SQL: the Clients page search at 100,000 clients on SQLite, without the trigram index,
# with it while walking the organization's name index, and read from the index's rows (what
# core::clients does). A model of the clients table with an (org_id, name, id) index and the FTS5
# table and trigger of migration 000008; no Portico needed.
#   python3 scripts/search_sql.py
import sqlite3, time, os
p = "/tmp/search.db"
if os.path.exists(p): os.remove(p)
db = sqlite3.connect(p)
db.executescript("""
CREATE TABLE clients (id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL, deactivated_at TEXT);
CREATE INDEX ix_clients_org_name ON clients(org_id, name, id);
CREATE VIRTUAL TABLE clients_search USING fts5(name, email, content='clients', content_rowid='id', tokenize='trigram');
CREATE TRIGGER clients_search_insert AFTER INSERT ON clients BEGIN INSERT INTO clients_search(rowid, name, email) VALUES (new.id, new.name, new.email); END;
""")
db.executemany("INSERT INTO clients(org_id, name, email, deactivated_at) VALUES (1, ?, ?, ?)",
               ((f"Client {i:05}", f"client{i:05}@example.com", "x" if i % 20 == 0 else None) for i in range(100_000)))
db.commit()
base = "SELECT * FROM clients WHERE org_id = 1 AND deactivated_at IS NULL AND (lower(name) LIKE '%client 0999%' OR lower(email) LIKE '%client 0999%')"
fts = " AND id IN (SELECT rowid FROM clients_search WHERE clients_search MATCH '\"client 0999\"')"
for label, sql in [("LIKE only", base), ("LIKE + trigram index", base + fts)]:
    for q in [sql + " ORDER BY name, id LIMIT 51", f"SELECT count(*) FROM ({sql} LIMIT 1001)"]:
        db.execute(q).fetchall()
        t = time.perf_counter(); n = 20
        for _ in range(n): rows = db.execute(q).fetchall()
        print(f"{label:22} {('page' if 'LIMIT 51' in q else 'count'):5} {len(rows):3} rows  {(time.perf_counter()-t)/n*1000:8.2f} ms")
driven = base.replace("org_id = 1", "+org_id = 1") + fts
for term in ["client 0999", "example"]:
    q = driven.replace("client 0999", term) + " ORDER BY name, id LIMIT 51"
    db.execute(q).fetchall()
    t = time.perf_counter(); n = 20
    for _ in range(n): rows = db.execute(q).fetchall()
    print(f"{'read from the index':22} page  {len(rows):3} rows  {(time.perf_counter()-t)/n*1000:8.2f} ms  ({term!r})")
os.remove(p)
