"""``python -m pathways.cli``: the same command as ``pathways``."""

from pathways.cli import main

main()
