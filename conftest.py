"""Settings for every test process and everything it starts (kernels, servers, Ray).

The Ray clusters the tests start run on this machine only, so Ray must not advertise the
machine's network address: with this variable unset, Ray's processes pick the address of the
interface that routes outwards and talk to each other through it. Set before anything imports
Ray, and inherited by every kernel, server and Ray process the tests start.
"""

from __future__ import annotations

import os

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # Ray then uses 127.0.0.1 throughout
