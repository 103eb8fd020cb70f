"""Data-parallel fitting on a 4-device mesh reaches the 1-device losses."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np


def test_four_devices_match_one_device():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4")
    root = Path(__file__).parents[2]
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("sharded_fit_script.py"))],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout)
    assert out["devices"] == [1, 4]  # parameters really replicated on 4 devices
    np.testing.assert_allclose(out["four"]["train"], out["one"]["train"], rtol=1e-9)
    np.testing.assert_allclose(out["four"]["val"], out["one"]["val"], rtol=1e-9)
