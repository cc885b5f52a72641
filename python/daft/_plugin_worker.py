"""The program of an isolated plugin's worker process (``isolation="process"``).

The host runs this file by its path, ``python -I -S _plugin_worker.py NATIVE PLUGIN SOCKET
REGION``, never as ``import daft._plugin_worker``: it loads only the native module from the
file ``NATIVE`` (the host's own ``daft.daft``), so a worker starts without running the ``daft``
package, its plugin discovery or ``site``. The native module then opens the plugin ``PLUGIN``
and answers the host over the socket and shared memory region whose descriptors follow.
"""

import sys
from importlib.machinery import ExtensionFileLoader
from importlib.util import module_from_spec, spec_from_loader


def main(argv: list) -> None:
    native_path, plugin_path, socket_fd, region_fd = argv[1:5]
    loader = ExtensionFileLoader("daft.daft", native_path)
    spec = spec_from_loader("daft.daft", loader, origin=native_path)
    native = module_from_spec(spec)
    loader.exec_module(native)
    native._plugin_worker(plugin_path, int(socket_fd), int(region_fd))


if __name__ == "__main__":
    main(sys.argv)
