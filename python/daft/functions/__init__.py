"""Functions over expressions: ``daft.functions.NAME(expr, ...)``.

This module has no hand-written list: its contents are the engine's function
registry — every built-in function and every function of a loaded plugin —
installed by :func:`daft._registry.sync`. Each function is also a method of
:class:`daft.Expression` (``daft.col("s").lower()`` is
``daft.functions.lower(daft.col("s"))``). Functions of a plugin are in
addition reachable as ``daft.functions.<plugin>.<name>``.

Use ``dir(daft.functions)`` to list them and ``help(daft.functions.NAME)`` to
read one's documentation.
"""
