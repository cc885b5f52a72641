"""daft: a DataFrame engine in Rust whose functions come from native plugins.

Quick start::

    import daft
    from daft import col

    df = daft.from_pydict({"name": ["a", "b"], "x": [1, 2]})
    df.select(col("name").upper(), (col("x") * 2).alias("x2")).show()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from daft import context
from daft import daft as daft  # the native module, initialized on import
from daft._logging import configure_from_env as _configure_logging
from daft._logging import refresh_logger
from daft._type_params import ImageProperty
from daft.context import (
    execution_config_ctx,
    get_context,
    get_execution_config,
    planning_config_ctx,
    set_execution_config,
    set_planning_config,
    set_runner_native,
    set_runner_ray,
)
from daft.dataframe import DataFrame, GroupedDataFrame
from daft.datatype import DataType, ImageFormat, ImageMode, TimeUnit, UnionMode
from daft.expressions import Expression, col, element, interval, lit
from daft.io import (
    IOConfig,
    concat,
    from_arrow,
    from_glob_path,
    from_pandas,
    from_pydict,
    from_pylist,
    range,
    read_csv,
    read_json,
    read_parquet,
)
from daft.schema import Field, Schema
from daft.series import Series
from daft.sql import sql, sql_expr
from daft.window import Window

# isort: split
# After the classes they use.
from daft import _registry, errors, exceptions, functions
from daft import recordbatch as recordbatch  # daft.recordbatch, as in Daft
from daft.plugins import load_at_import as _load_plugins_at_import
from daft.plugins import load_plugin, plugins

# isort: split
import warnings as _warnings

# `python -m daft.plugins new NAME` runs daft/plugins.py as __main__ after `import daft`
# imported it as daft.plugins; runpy warns about that, and it is harmless here.
_warnings.filterwarnings(
    "ignore", message="'daft.plugins' found in sys.modules", category=RuntimeWarning
)

__version__ = daft.__version__

# The UDF decorators load on first use: their modules import `inspect` (about 9 ms) and
# `logging`, which a program that defines no UDF never needs (tests/test_import_time.py).
if TYPE_CHECKING:
    from daft._udf import func, udf
    from daft._udf.cls import cls, method
    from daft._udf.resources import ResourceRequest
    from daft._udf.udaf import udaf

_LAZY = {
    "func": "daft._udf",
    "udf": "daft._udf",
    "cls": "daft._udf.cls",
    "method": "daft._udf.cls",
    "ResourceRequest": "daft._udf.resources",
    "udaf": "daft._udf.udaf",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'daft' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next read is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def get_version() -> str:
    """The engine's version."""
    return __version__


def get_build_type() -> str:
    """How the native module was built: ``"release"`` (the wheels) or ``"debug"``."""
    return daft.build_info()["profile"]


_configure_logging()
_load_plugins_at_import()
context._runner_from_env()
_registry.sync()

__all__ = [
    "IOConfig",
    "concat",
    "context",
    "errors",
    "execution_config_ctx",
    "get_build_type",
    "get_context",
    "get_execution_config",
    "get_version",
    "planning_config_ctx",
    "set_execution_config",
    "set_planning_config",
    "set_runner_native",
    "set_runner_ray",
    "DataFrame",
    "DataType",
    "Expression",
    "Field",
    "GroupedDataFrame",
    "ImageFormat",
    "ImageProperty",
    "ImageMode",
    "ResourceRequest",
    "Schema",
    "Series",
    "TimeUnit",
    "UnionMode",
    "Window",
    "cls",
    "col",
    "element",
    "exceptions",
    "from_arrow",
    "from_glob_path",
    "from_pandas",
    "from_pydict",
    "from_pylist",
    "func",
    "functions",
    "interval",
    "lit",
    "load_plugin",
    "method",
    "plugins",
    "range",
    "read_csv",
    "read_json",
    "read_parquet",
    "refresh_logger",
    "sql",
    "sql_expr",
    "udaf",
    "udf",
]
