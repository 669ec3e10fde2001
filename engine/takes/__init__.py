"""The take store: a project folder of generated takes, their listing, and their export.

Qt-free; the take list, take view and export dialog of the GUI and ``ambisketch takes``
both work through it.
"""

from .export import (
    EXPORT_FORMATS,
    ExportResult,
    check_export_options,
    default_export_name,
    export_take,
)
from .metadata import binaural_metadata, format_fields, read_sidecar, take_metadata
from .records import TakeProblem, TakeRecord, check_name, read_take_audio, slug
from .store import TRASH, TakeStore, default_project_dir

__all__ = [
    "EXPORT_FORMATS",
    "TRASH",
    "ExportResult",
    "TakeProblem",
    "TakeRecord",
    "TakeStore",
    "binaural_metadata",
    "check_export_options",
    "check_name",
    "default_export_name",
    "default_project_dir",
    "export_take",
    "format_fields",
    "read_sidecar",
    "read_take_audio",
    "slug",
    "take_metadata",
]
