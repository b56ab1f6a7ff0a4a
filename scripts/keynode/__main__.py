"""``python -m keynode`` is the ``keynode`` command (keynode.cli)."""

from keynode.cli import main

raise SystemExit(main())
