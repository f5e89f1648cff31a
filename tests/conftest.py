import os
import sys

import numpy as np
import pytest
from hypothesis import settings, HealthCheck

sys.path.insert(0, os.path.dirname(__file__))

from browser_support import browser, watched  # noqa: E402,F401  (one Chromium for every browser test)

settings.register_profile("ci", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _seed_everything():
    import chainrule
    chainrule.manual_seed(0)
    np.random.seed(0)
    yield


@pytest.fixture
def output_dir(request):
    """A folder under test-output/ for files a test writes (screenshots, plots) so people can look at them."""
    root = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-output", request.node.name)
    os.makedirs(root, exist_ok=True)
    return root
