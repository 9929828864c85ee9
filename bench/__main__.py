"""``python -m bench <scenario>|all [--quick]``."""

from bench.cli import main

raise SystemExit(main())
