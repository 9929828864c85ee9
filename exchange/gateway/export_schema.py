"""Write ``schema.graphql`` at the repository root, or ``--check`` that it is current.

python -m exchange.gateway.export_schema [--check] [--path schema.graphql]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from exchange.kit.settings import Settings

from .schema import build_schema

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "schema.graphql"


def sdl() -> str:
    """The SDL, independent of the environment (limits and introspection do not change it)."""
    return build_schema(Settings(database_url=None)).as_str() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    current = sdl()
    if args.check:
        stored = args.path.read_text() if args.path.exists() else ""
        if stored != current:
            print(
                f"{args.path} is stale: run python -m exchange.gateway.export_schema",
                file=sys.stderr,
            )
            return 1
        print(f"{args.path} is up to date")
        return 0
    args.path.write_text(current)
    print(f"wrote {args.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
