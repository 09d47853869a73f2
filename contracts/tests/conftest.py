import pytest


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Each test stores its PDFs in a folder of its own, never in the project's private/ folder."""
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
