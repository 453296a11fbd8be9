"""Entry point for ``python -m db``; the commands live in :mod:`db.cli`."""

from db.cli import main

raise SystemExit(main())
