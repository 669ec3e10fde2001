"""The project: the folder of takes the GUI and ``ambisketch takes`` work on.

The take store itself lives in :mod:`ambisketch.engine.takes` (store, export, sidecars);
this module is the short name the app and the widgets import it by.
"""

from .takes import (EXPORT_FORMATS, ExportResult, TakeProblem, TakeRecord, TakeStore,
                    check_name, default_export_name, default_project_dir, export_take)

__all__ = ["EXPORT_FORMATS", "ExportResult", "TakeProblem", "TakeRecord", "TakeStore",
           "check_name", "default_export_name", "default_project_dir", "export_take"]
