"""Every solution notebook, executed by nbval with the fast profile: it runs, its marked outputs match
what is stored, its lesson assertions hold, and it records exactly the figures its issue names."""

import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from dlicourse import figures
from dlicourse.instructor import profiles

FIGURES = {
    "00_welcome": {"loss_before", "loss_after"},
    "01_louie": {"early_loss", "tiny_train_accuracy", "tiny_heldout_accuracy", "big_heldout_accuracy", "train_seconds",
                 "heldout_accuracy_at_8", "heldout_accuracy_at_2400"},
    "02_deployment": {"latency_ms_batch1", "throughput_best_images_per_s", "best_batch_size",
                      "mismatch_changed_prediction", "script_seconds", "served_latency_ms"},
    "04_whale_detection": {"classifier_val_accuracy", "sliding_window_seconds", "batched_window_seconds",
                           "fcn_seconds", "speedup_vs_loop", "speedup_vs_batched", "fcn_max_abs_diff",
                           "detection_precision", "detection_recall", "detector_precision", "detector_recall",
                           "detector_seconds"},
    "06_transfer_learning": {"base_source_accuracy", "scratch_heldout_accuracy", "frozen_heldout_accuracy",
                             "finetuned_heldout_accuracy", "n_train_images", "other_domain_frozen_accuracy",
                             "other_domain_finetuned_accuracy", "finetuned_high_rate_heldout_accuracy",
                             "other_domain_scratch_accuracy", "other_domain_early_layers_accuracy"},
    "07_assessment": {"validation_accuracy", "practice_accuracy", "practice_seconds"},
    "05_segmentation": {"foreground_fraction", "dense_pixel_accuracy", "dense_dice_same_loss",
                        "all_background_pixel_accuracy", "fcn_dice", "fcn_pixel_accuracy", "skip_dice",
                        "dense_dice", "dice_small_quartile", "dice_large_quartile"},
    "08_what_the_network_sees": {"dog_area_fraction", "tiny_gradcam_on_dog", "big_gradcam_on_dog",
                                 "tiny_occlusion_on_dog", "big_occlusion_on_dog", "big_saliency_on_dog",
                                 "gradcam_seconds", "occlusion_seconds"},
    "09_smaller_faster": {"grad_underflow_unscaled", "grad_underflow_scaled", "fp32_accuracy", "fp16_unscaled_accuracy",
                          "fp16_scaled_accuracy", "int8_accuracy_drop", "int8_size_ratio", "int8_speedup_batch1",
                          "fp16_size_ratio", "pruned90_accuracy_drop", "pruned90_no_finetune_drop",
                          "dense_extended_accuracy", "pruned90_compressed_ratio"},
    "03_mnist": {"small_test_accuracy", "full_test_accuracy", "inverted_test_accuracy_before",
                 "inverted_test_accuracy_after", "realworld_correct_before", "realworld_correct_after",
                 "realworld_correct_wider", "realworld_total", "train_seconds", "realworld_accuracy_before",
                 "realworld_accuracy_after", "realworld_accuracy_wider"},
}

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_runs_fast_and_matches_its_stored_outputs(path, tmp_path):
    out = tmp_path / "outputs"
    nb = parameterize_notebook(load_notebook_node(str(path)),
                               {**profiles.parameters("fast", path.stem, tmp_path), "output_dir": str(out)})
    nbformat.write(nb, tmp_path / path.name)
    for beside in (ROOT / "solutions").glob("*.py"):  # files a notebook uses, e.g. submission.py
        shutil.copy(beside, tmp_path)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider",
         "-p", "no:xdist", "--nbval-cell-timeout", str(profiles.cell_timeout("fast")), "-q", path.name],
        cwd=tmp_path, capture_output=True, text=True, timeout=900, env={**os.environ, "DLICOURSE_BATCH": "1"})
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    recorded = figures.read(out)
    assert set(recorded) == FIGURES.get(path.stem, set()), "recorded figures differ from the issue's names"


def test_every_solution_declares_its_figures():
    assert {p.stem for p in SOLUTIONS} <= set(FIGURES)
