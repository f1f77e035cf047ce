"""`make bench`: deterministic datasets and the performance scenarios measured on SQLite and PostgreSQL.

`python -m bench --size small|medium|large --seed N --db sqlite|postgres|both` builds (or reuses) a
dataset per database, runs every scenario in a child process per database and prints one table.
"""
