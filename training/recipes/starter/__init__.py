"""The starter corpus recipe: a varied, legally clean corpus from offline sources only
(procedural DSP, General MIDI renders, espeak-ng speech, Debian sound packages)."""

from .build import ORDER, BuildOptions, build_starter

__all__ = ["ORDER", "BuildOptions", "build_starter"]
