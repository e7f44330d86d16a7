"""``python -m registry`` runs the cityreg command line, like the ``cityreg`` script."""

from registry.cli import main

main()
