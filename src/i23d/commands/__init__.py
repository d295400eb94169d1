"""Sub-commands of the ``i23d`` CLI: one module a command, named in :data:`i23d.cli.COMMANDS`.

Each module has ``add_arguments(parser)``, which adds the command's arguments and sets
``run=<callable(args) -> int>`` as default. A module is imported only when its command is
asked for, so it may import what the command needs at the top.
"""
