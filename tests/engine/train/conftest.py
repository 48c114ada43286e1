"""Shared by the train tests: a small captioned folder data set."""

from __future__ import annotations

import pytest

from engine.train.synthetic import SyntheticSpec, make_synthetic_set, write_folder_dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("data")
    write_folder_dataset(make_synthetic_set(SyntheticSpec(train_videos=4, test_pairs=2, seed=9)), root)
    return root
