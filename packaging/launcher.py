"""The frozen app's entry point: the same as the ``ambisketch`` console script.

PyInstaller runs this file as ``__main__``; with no arguments the desktop app opens, with a
command (``generate``, ``--self-test`` …) the command line runs.
"""

import multiprocessing
import sys

from ambisketch.__main__ import main

if __name__ == "__main__":
    # Data-loader worker processes re-enter the executable where processes are spawned
    # (macOS, Windows); without this they would start a second app.
    multiprocessing.freeze_support()
    sys.exit(main())
