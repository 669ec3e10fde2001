"""Training data: library scan, spatial augmentation, captions, datasets and test sets."""

from .augment import (
    AugmentConfig,
    MotionDraw,
    draw_moving,
    draw_pair,
    draw_path,
    draw_static,
    render,
)
from .captions import captions_for, spatial_caption
from .dataset import SpatialDataset, collate, split_library, split_of
from .errors import DatasetError
from .library import ClipRecord, Library, ScanConfig, scan_library
from .report import ScanReport
from .testset import load_test_set, write_test_set

__all__ = [
    "AugmentConfig",
    "ClipRecord",
    "DatasetError",
    "Library",
    "MotionDraw",
    "ScanConfig",
    "ScanReport",
    "SpatialDataset",
    "captions_for",
    "collate",
    "draw_moving",
    "draw_pair",
    "draw_path",
    "draw_static",
    "load_test_set",
    "render",
    "scan_library",
    "spatial_caption",
    "split_library",
    "split_of",
    "write_test_set",
]
