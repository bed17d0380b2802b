"""tests/bench/gen_sql.py — writes the SQL script scripts/bench feeds sqlite3.

It owns the sqlite3 workload only: three tables filled by plain INSERT
statements (so the SQL parser and the B-tree both allocate), indexes built
after the load, then joins, GROUP BY and ORDER BY queries, an UPDATE and a
DELETE. Deterministic: the same SCALE writes the same script, and every
result is an integer or text (no floating point), so the output is the same
under valgrind, whose x87 emulation rounds differently.

Usage: python3 gen_sql.py [SCALE] > bench.sql   (default 1: ~1.5 s in
sqlite3 :memory: on one core)
"""
import random
import sys


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    rng = random.Random(4242)
    customers = int(20000 * scale)
    products = 2000
    orders = int(120000 * scale)
    out = sys.stdout
    w = out.write
    w("PRAGMA cache_size = -65536;\n")
    w("CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT, city TEXT, since INTEGER);\n")
    w("CREATE TABLE product (id INTEGER PRIMARY KEY, title TEXT, cents INTEGER, category TEXT);\n")
    w("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER, product INTEGER, "
      "qty INTEGER, day INTEGER, note TEXT);\n")
    w("BEGIN;\n")
    cities = ["city%02d" % i for i in range(60)]
    cats = ["cat%02d" % i for i in range(25)]
    for i in range(customers):
        w("INSERT INTO customer VALUES (%d, 'customer %d %s', '%s', %d);\n"
          % (i, i, "x" * rng.randrange(1, 30), rng.choice(cities), rng.randrange(3650)))
    for i in range(products):
        w("INSERT INTO product VALUES (%d, 'product %d', %d, '%s');\n"
          % (i, i, rng.randrange(100, 50000), rng.choice(cats)))
    for i in range(orders):
        w("INSERT INTO orders VALUES (%d, %d, %d, %d, %d, '%s');\n"
          % (i, rng.randrange(customers), rng.randrange(products), rng.randrange(1, 10),
             rng.randrange(3650), "n" * rng.randrange(0, 40)))
    w("COMMIT;\n")
    w("CREATE INDEX orders_customer ON orders(customer);\n")
    w("CREATE INDEX orders_product ON orders(product, day);\n")
    w("CREATE INDEX customer_city ON customer(city);\n")
    w("SELECT c.city, count(*), sum(o.qty * p.cents) FROM orders o "
      "JOIN customer c ON c.id = o.customer JOIN product p ON p.id = o.product "
      "GROUP BY c.city ORDER BY 3 DESC LIMIT 5;\n")
    w("SELECT p.category, sum(o.qty) * 1000 / count(*), count(DISTINCT o.customer) FROM orders o "
      "JOIN product p ON p.id = o.product GROUP BY p.category ORDER BY 1 LIMIT 5;\n")
    w("SELECT c.name, count(*) AS n FROM customer c JOIN orders o ON o.customer = c.id "
      "WHERE o.day BETWEEN 100 AND 900 GROUP BY c.id ORDER BY n DESC, c.name LIMIT 3;\n")
    for city in cities[:10]:
        w("SELECT count(*), sum(o.qty) FROM customer c JOIN orders o ON o.customer = c.id "
          "WHERE c.city = '%s';\n" % city)
    w("UPDATE orders SET note = note || '!' WHERE qty > 5;\n")
    w("DELETE FROM orders WHERE day < 365;\n")
    w("SELECT count(*), sum(length(note)) FROM orders;\n")


if __name__ == "__main__":
    main()
