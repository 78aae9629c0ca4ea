import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
# the sums of the stores' rollups (ui/cube_store.py) of the tests' throwaway stores: not in ~/.cache
os.environ.setdefault("DASHBOARD_CACHE_DIR", tempfile.mkdtemp(prefix="dashboard-cache-"))

from tests.pg import pg_database, pg_server  # noqa: E402,F401  (fixtures)


@pytest.fixture
def seeds_dir() -> Path:
    path = SHARED / "seeds"
    if not path.is_dir():
        pytest.skip(f"{path} 不存在：种子文章只在 ../shared 旁边时可用")
    return path


@pytest.fixture(autouse=True)
def _folder_store_unless_asked(monkeypatch):
    """Tests choose their store explicitly: a database setting of the machine running them
    (environment or a secrets.toml) must not send them to a real database."""
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    monkeypatch.setattr("loaders.store.secrets_files", lambda: [])
