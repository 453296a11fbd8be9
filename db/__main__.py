"""Entry point for ``python -m db``; the commands live in :mod:`db.ops.cli`."""

from db.ops.cli import main

raise SystemExit(main())
