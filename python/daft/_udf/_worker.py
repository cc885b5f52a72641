"""The worker process of a ``use_process=True`` UDF (see ``_process.py``):
``python -m daft._udf._worker IN_FD OUT_FD``.

It reads requests from ``IN_FD`` and answers each on ``OUT_FD``, both pickled:
``("call", key, payload, arrays, num_rows)`` runs one batch (``payload``, the
cloudpickled runner, comes with a key's first call only) and answers
``("ok", array)`` or ``("error", exception, traceback_text)``; ``("path", sys_path)``,
the first message, gives the parent's import path; ``("exit",)``
or the end of the input ends the process. The user's function keeps the
parent's stdout and stderr, so its prints and logs show as usual.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback
from typing import Any


def _never() -> bool:
    return False


def _portable(e: BaseException) -> BaseException:
    """``e`` if it survives pickling, else a RuntimeError saying what it was."""
    try:
        pickle.loads(pickle.dumps(e))
        return e
    except Exception:  # noqa: BLE001  (an exception that does not pickle)
        return RuntimeError(f"{type(e).__module__}.{type(e).__qualname__}: {e}")


def main(in_fd: int, out_fd: int) -> None:
    import cloudpickle

    runners: dict[str, Any] = {}
    with os.fdopen(in_fd, "rb") as recv, os.fdopen(out_fd, "wb") as send:
        while True:
            try:
                message = pickle.load(recv)
            except EOFError:
                return
            if message[0] == "exit":
                return
            if message[0] == "path":
                # The parent's import path, so the UDF's own modules import here.
                sys.path[:] = message[1]
                continue
            _, key, payload, arrays, num_rows = message
            try:
                runner = runners.get(key)
                if runner is None:
                    runner = runners[key] = cloudpickle.loads(payload)
                reply: tuple[Any, ...] = ("ok", runner.compute(arrays, num_rows, _never))
            except Exception as e:  # noqa: BLE001  (every failure goes back to the engine)
                reply = ("error", _portable(e), traceback.format_exc())
            pickle.dump(reply, send, protocol=pickle.HIGHEST_PROTOCOL)
            send.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
