"""Sub-commands of the ``i23d`` CLI: each module has ``add_parser(subparsers)``.

``add_parser`` registers the command and sets ``run=<callable(args) -> int>`` as default.
"""
