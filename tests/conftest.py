from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_MIXED = SEEDS / "000_f1284998f700f5c0.txt"
# Data the project makes itself (gold alignment, TMX DTD): in the repository.
DATA = ROOT / "data"
# MAC-Dev is GPL-3 data kept outside the repository (../shared/data/mac-dev).
MAC_DEV = Path(os.environ.get("ALIGN_MAC_DEV", ROOT.parent / "shared" / "data" / "mac-dev"))


@pytest.fixture(scope="session")
def seed_mixed() -> Path:
    return SEED_MIXED


@pytest.fixture(scope="session")
def mac_dev() -> Path:
    if not (MAC_DEV / "gold").is_dir():
        pytest.skip(f"MAC-Dev not found at {MAC_DEV} (set ALIGN_MAC_DEV)")
    return MAC_DEV


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test uses a private embedding cache, never the user's."""
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def encoder():
    """The bundled default encoder, uncached, loaded once for the session."""
    from align.encoders import get_encoder

    return get_encoder(cache=False)
