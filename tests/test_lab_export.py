"""What `meshlab lab export` tells a student: how to install meshlab from its source."""

import pytest

from meshlab.labs import LABS
from meshlab.labs.export import export_lab


@pytest.mark.parametrize("name", sorted(LABS))
def test_the_readme_installs_meshlab_from_its_source_not_from_pypi(name, tmp_path):
    text = (export_lab(name, tmp_path) / "README.md").read_text()
    # `pip install meshlab` would fetch whatever PyPI holds under that name
    assert "pip install meshlab" not in text
    assert '"meshlab @ git+https://REPOSITORY-URL"' in text
    assert "-e path/to/meshlab" in text
    assert f"Hand in `{LABS[name][1]}`." in text
