"""Benchmarks of the exchange against pgbench on the same server: ``python -m bench``.

Not part of the installed package: run it from the repository root. Every figure is a ratio
against pgbench's TPC-B-like run measured on the same PostgreSQL server in the same run (see
``/work/shared/design/performance.md``); results are printed as a table and written as JSON to
``bench/results/<scenario>.json``.
"""
