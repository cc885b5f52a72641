"""daft.context and the runner / configuration entry points Daft scripts call."""

from __future__ import annotations

import daft
import pytest


def test_get_context_reports_the_settings_in_effect():
    ctx = daft.context.get_context()
    cfg = ctx.daft_execution_config
    assert cfg.target_partitions >= 1 and cfg.maintain_order is True
    assert ctx.runner == "native"
    assert cfg.num_preview_rows == 8


def test_set_execution_config_changes_settings_and_restores_from_a_config():
    before = daft.context.get_context().daft_execution_config
    try:
        daft.set_execution_config(target_partitions=3, num_preview_rows=2)
        now = daft.context.get_context().daft_execution_config
        assert now.target_partitions == 3 and now.num_preview_rows == 2
        df = daft.from_pydict({"x": list(range(5))}).collect()
        assert "(Showing first 2 of 5 rows)" in repr(df)
        # Daft's own tuning knobs are accepted and have no effect; typos are not.
        daft.set_execution_config(scan_tasks_min_size_bytes=1 << 20)
        with pytest.raises(TypeError, match="unknown setting"):
            daft.set_execution_config(scan_task_min_size=1)
    finally:
        daft.set_execution_config(before)
    assert daft.context.get_context().daft_execution_config == before


def test_set_planning_config_keeps_what_it_is_given():
    before = daft.context.get_context().daft_planning_config
    try:
        daft.set_planning_config(enable_strict_filter_pushdown=True)
        assert daft.context.get_context().daft_planning_config.enable_strict_filter_pushdown
    finally:
        daft.set_planning_config(before)


def test_set_runner_native_sets_the_parallelism():
    before = daft.context.get_context().daft_execution_config
    try:
        runner = daft.set_runner_native(num_threads=2)
        assert runner.name == "native"
        assert daft.context.get_context().daft_execution_config.target_partitions == 2
        with pytest.raises(ValueError, match="num_threads"):
            daft.set_runner_native(num_threads=0)
    finally:
        daft.set_execution_config(before)
    # The Ray runner is tested in tests/plugins/test_ray_runner.py: setting it here would
    # put every later test of this process on Ray.
