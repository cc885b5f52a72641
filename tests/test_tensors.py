"""Tensor math and tensor literals, with numpy as the oracle."""

from __future__ import annotations

import operator
import uuid

import daft
import numpy as np
import pytest
from daft import DataType as D
from daft import col

SHAPE = (3, 2)


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv])
@pytest.mark.parametrize(
    ("left", "right"), [(D.int8(), D.int32()), (D.float32(), D.int64()), (D.int64(), D.int64())]
)
def test_fixed_shape_tensors_combine_element_wise_as_numpy(op, left, right):
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10, (5, *SHAPE)).astype(left.to_arrow_dtype().to_pandas_dtype())
    y = rng.integers(1, 10, (5, *SHAPE)).astype(right.to_arrow_dtype().to_pandas_dtype())
    df = daft.from_pydict({"x": x, "y": y}).select(
        col("x").cast(D.tensor(left, SHAPE)), col("y").cast(D.tensor(right, SHAPE))
    )
    out = df.select(op(col("x"), col("y")).alias("z"))
    expected = op(x, y)
    z = out.schema()["z"].dtype
    assert z.is_fixed_shape_tensor() and z.shape == SHAPE
    if op is operator.truediv:
        assert z.dtype == D.float64()
    got = out.to_pydict()["z"]
    np.testing.assert_allclose(np.stack(got), expected)


def test_a_null_row_is_null_and_its_values_are_never_computed():
    x = np.full((2, *SHAPE), 127, dtype=np.int8)
    df = daft.from_pydict({"x": list(x) + [None]}).select(col("x").cast(D.tensor(D.int8(), SHAPE)))
    one = daft.lit(np.ones(SHAPE, dtype=np.int8)).cast(D.tensor(D.int8(), SHAPE))
    # 127 + 1 overflows Int8: an error naming the expression, in every non-null row.
    with pytest.raises(daft.exceptions.DaftCoreException, match="overflows"):
        df.select(col("x") + one).collect()
    nulls = daft.lit(None).cast(D.tensor(D.int8(), SHAPE))
    assert df.select(col("x") * nulls).to_pydict()["x"] == [None, None, None]


def test_tensor_literals_are_tensors_and_broadcast():
    y = np.arange(6, dtype=np.float64).reshape(SHAPE)
    lit = daft.lit(y)
    assert daft.from_pydict({"k": [1]}).select(lit.alias("t")).schema()["t"].dtype == D.tensor(
        D.float64()
    )
    x = np.ones((4, *SHAPE))
    df = daft.from_pydict({"x": x}).select(col("x").cast(D.tensor(D.float64(), SHAPE)))
    out = df.select(col("x") - lit.cast(D.tensor(D.float64(), SHAPE)))
    np.testing.assert_allclose(np.stack(out.to_pydict()["x"]), x - y)
    u = uuid.UUID(int=3)
    got = daft.from_pydict({"k": [1, 2]}).select(daft.lit(u).alias("u"))
    assert got.schema()["u"].dtype == D.uuid() and got.to_pydict()["u"] == [u, u]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda x, y: x + col("k"), "combines only with a tensor of its shape"),
        (lambda x, y: x == y, r"element-wise with \+ - \* / only"),
        (lambda x, y: x + daft.lit(np.ones((2, 3))).cast(D.tensor(D.float64(), (2, 3))), "differ"),
    ],
)
def test_tensor_math_refuses_what_it_cannot_do_when_the_expression_is_built(build, message):
    df = daft.from_pydict({"x": np.ones((2, *SHAPE)), "k": [1, 2]})
    df = df.with_column("x", col("x").cast(D.tensor(D.float64(), SHAPE)))
    y = daft.lit(np.ones(SHAPE)).cast(D.tensor(D.float64(), SHAPE))
    with pytest.raises(daft.exceptions.DaftTypeError, match=message):
        df.select(build(col("x"), y))
