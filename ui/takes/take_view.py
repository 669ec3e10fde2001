"""One take up close: the W waveform, a spectrogram, the measured direction errors against
the drawn path, and a playhead; clicking (or dragging the playhead) asks to seek."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ambisketch.engine.audio_io import peak_dbfs
from ambisketch.engine.spatial.doa import DirectionErrors, DirectionTrack
from ambisketch.engine.takes import TakeRecord

from ..theme import plot_colors
from ..widgets import ElidedLabel
from .plot_data import envelope, spectrogram_db

NFFT = 512
DB_RANGE = (-90.0, 0.0)
GOOD_DEG, FAIR_DEG = 10.0, 30.0  # spatial-angle error bands for the colour of the verdict


def errors_text(
    errors: DirectionErrors | None, track: DirectionTrack | None = None, has_path: bool = True
) -> str:
    """The one line under the title: the papers' errors, or why there are none."""
    if errors is None:
        if not has_path:
            return "No path — descriptive take (placed by its prompt)"
        return "Direction not measured"
    if errors.frames == 0:
        return "No frame loud enough to measure the direction"
    return (
        f"Measured vs its own path — spatial angle {errors.spatial_angle:.1f}° · "
        f"azimuth {errors.azimuth_l1:.1f}° · elevation {errors.elevation_l1:.1f}° "
        f"(mean of {errors.frames} frames)"
    )


def verdict_color(errors: DirectionErrors | None) -> str:
    """Green / amber / red for a spatial-angle error within 10°, 30° or beyond ('' = none)."""
    if errors is None or errors.frames == 0:
        return ""
    if errors.spatial_angle <= GOOD_DEG:
        return "#4caf50"
    return "#e0a030" if errors.spatial_angle <= FAIR_DEG else "#e05050"


class TakeView(QWidget):
    """Waveform (W, min/max envelope) over a dB spectrogram, with a shared time axis.

    Signals:
        seek_requested(float): the user clicked a time or dragged the playhead (seconds).
    """

    seek_requested = Signal(float)
    keep_requested = Signal()  # "Keep as new take" of a re-pathed preview

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._duration = 0.0
        self.title = ElidedLabel(self)
        self.title.setProperty("role", "heading")
        self.info = QLabel(self)
        self.info.setProperty("role", "caption")
        self.errors_label = QLabel(self)
        self.errors_label.setWordWrap(True)
        self.errors_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.errors_dot = QLabel("●", self)
        self.errors_dot.setToolTip(
            "Spatial-angle error: green ≤ 10°, amber ≤ 30°, red above "
            "(intensity-vector direction vs the drawn path)"
        )

        self.plots = pg.GraphicsLayoutWidget(self)
        self.plots.ci.setContentsMargins(2, 2, 6, 2)
        self.plots.ci.setSpacing(0)
        self.wave = self.plots.addPlot(row=0, col=0)
        self.spec = self.plots.addPlot(row=1, col=0)
        self.plots.ci.layout.setRowStretchFactor(0, 1)
        self.plots.ci.layout.setRowStretchFactor(1, 2)
        for plot in (self.wave, self.spec):
            plot.setMouseEnabled(x=False, y=False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.getAxis("left").setWidth(52)
            # The plots touch: a label at the edge of one (W "-1.0") would overprint the
            # other's ("8 kHz"); labels that do not fit beside their own plot are left out.
            plot.getAxis("left").setStyle(hideOverlappingLabels=True)
        self.spec.setXLink(self.wave)
        self.wave.hideAxis("bottom")
        self.wave.setLabel("left", "W")
        self.wave.getAxis("left").enableAutoSIPrefix(False)  # full-scale units, not "x0.001"
        self.spec.setLabel("left", "Frequency", units="Hz")
        self.spec.setLabel("bottom", "Time", units="s")

        self.wave_hi = pg.PlotDataItem()
        self.wave_lo = pg.PlotDataItem()
        self.wave_fill = pg.FillBetweenItem(self.wave_hi, self.wave_lo)
        for item in (self.wave_hi, self.wave_lo, self.wave_fill):
            self.wave.addItem(item)
        self.image = pg.ImageItem(axisOrder="col-major")  # image[time frame, frequency bin]
        self.image.setColorMap(pg.colormap.get("inferno"))
        self.spec.addItem(self.image)

        self.playheads = [pg.InfiniteLine(0.0, angle=90, movable=True) for _ in range(2)]
        for plot, line in zip((self.wave, self.spec), self.playheads):
            line.setZValue(10)
            line.setHoverPen(pg.mkPen("w", width=3))
            line.sigDragged.connect(self._playhead_dragged)
            line.sigPositionChangeFinished.connect(self._playhead_dropped)
            plot.addItem(line, ignoreBounds=True)
        self.plots.scene().sigMouseClicked.connect(self._clicked)

        self.keep_button = QPushButton("Keep as new take", self)
        self.keep_button.setToolTip(
            "Store the take re-pathed onto the edited path as a new take (the original stays)"
        )
        self.keep_button.clicked.connect(self.keep_requested)
        self.keep_button.hide()
        err = QHBoxLayout()
        err.setContentsMargins(0, 0, 0, 0)
        err.addWidget(self.errors_dot, 0, Qt.AlignmentFlag.AlignTop)
        err.addWidget(self.errors_label, 1)
        err.addWidget(self.keep_button, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.title)  # the prompt gets the whole width: it names the take
        lay.addWidget(self.info)
        lay.addLayout(err)
        lay.addWidget(self.plots, 1)
        self._style()
        self.clear()

    # --- public slots -------------------------------------------------------------------
    def set_take(
        self,
        record: TakeRecord | None,
        foa: NDArray[np.floating],
        rate: int,
        track: DirectionTrack | None = None,
        errors: DirectionErrors | None = None,
        *,
        repathed: bool = False,
    ) -> None:
        """Show a take (AmbiX ``(4, n)`` at ``rate``) and its measured errors (if any);
        ``repathed``: a preview of the take re-pathed onto the edited path (not stored)."""
        w = np.asarray(foa, dtype=np.float32)[0]
        self._duration = w.size / float(rate)
        times, lo, hi = envelope(w, rate)
        self.wave_hi.setData(times, hi)
        self.wave_lo.setData(times, lo)
        peak = float(np.max(np.abs(w))) if w.size else 0.0
        span = max(peak, 1e-3) * 1.05
        self.wave.setYRange(-span, span, padding=0)
        db, hop = spectrogram_db(w, rate, NFFT)
        self.image.setImage(db, levels=DB_RANGE, autoLevels=False)
        x0 = (NFFT / 2 - hop / 2) / rate  # frame i is centred on i * hop + NFFT / 2
        self.image.setRect(QRectF(x0, 0.0, db.shape[0] * hop / rate, rate / 2.0))
        self.spec.setYRange(0, rate / 2.0, padding=0)
        self.wave.setXRange(0, self._duration, padding=0)
        self.spec.getViewBox().setLimits(xMin=0, xMax=self._duration)
        for line in self.playheads:
            line.setBounds((0, self._duration))
        self.set_playhead(0.0)

        has_path = record is not None and record.trajectory is not None
        self.title.setText(record.prompt if record is not None else "")
        self.title.setToolTip(f"{record.prompt}\n{record.path}" if record is not None else "")
        level = peak_dbfs(w)
        loudness = f"peak {level:+.1f} dBFS" if np.isfinite(level) else "silent"
        self.info.setText(f"{rate / 1000:g} kHz  ·  {self._duration:.2f} s  ·  {loudness}")
        text = errors_text(errors, track, has_path)
        if repathed:
            text = "Re-pathed onto the edited path (preview, not stored) — " + text.replace(
                "Measured vs its own path — ", "measured: "
            )
        self.errors_label.setText(text)
        color = verdict_color(errors)
        self.errors_dot.setVisible(bool(color))
        self.errors_dot.setStyleSheet(f"color: {color};" if color else "")
        self.keep_button.setVisible(repathed)
        self.plots.setEnabled(True)

    def set_stale(self, message: str) -> None:
        """The take's figure no longer matches the path shown: say so, grey the verdict."""
        self.errors_label.setText(message)
        self.errors_dot.setStyleSheet("color: gray;")
        self.keep_button.hide()

    def clear(self) -> None:
        """Show nothing (no take selected)."""
        self._duration = 0.0
        self.wave_hi.setData([], [])
        self.wave_lo.setData([], [])
        self.image.clear()
        self.title.setText("No take selected")
        self.title.setToolTip("")
        self.info.setText("")
        self.errors_label.setText(
            "Select a take to see its waveform, spectrogram and how well it follows the path."
        )
        self.errors_dot.hide()
        self.keep_button.hide()
        for line in self.playheads:
            line.setValue(0.0)
        # Empty plots keep readable axes (seconds, a speech-band frequency range), not the
        # autorange of nothing (±0.5 with SI prefixes: "mHz").
        self.wave.setXRange(0, 10, padding=0)
        self.wave.setYRange(-1, 1, padding=0)
        self.spec.setYRange(0, 8000, padding=0)
        self.plots.setEnabled(False)

    def set_playhead(self, seconds: float) -> None:
        """Move the playhead (both plots) to ``seconds``."""
        for line in self.playheads:
            if not line.moving:  # the user is dragging it: their hand wins
                line.setValue(float(seconds))

    def playhead(self) -> float:
        return float(self.playheads[0].value())

    @property
    def duration(self) -> float:
        return self._duration

    # --- interaction --------------------------------------------------------------------
    def _clicked(self, event: Any) -> None:
        if self._duration <= 0 or event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.scenePos()
        for plot in (self.wave, self.spec):
            vb = plot.getViewBox()
            if vb.sceneBoundingRect().contains(pos):
                t = min(max(vb.mapSceneToView(pos).x(), 0.0), self._duration)
                self.set_playhead(t)
                self.seek_requested.emit(float(t))
                return

    def _playhead_dragged(self, line: pg.InfiniteLine) -> None:
        for other in self.playheads:
            if other is not line:
                other.setValue(line.value())

    def _playhead_dropped(self, line: pg.InfiniteLine) -> None:
        self.seek_requested.emit(float(line.value()))

    # --- looks --------------------------------------------------------------------------
    def _style(self) -> None:
        c = plot_colors()
        self.plots.setBackground(c.plot_bg)
        for plot in (self.wave, self.spec):
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(c.dim_text))
                axis.setTextPen(pg.mkPen(c.plot_fg))
        wave = pg.mkColor(c.measured)
        self.wave_hi.setPen(pg.mkPen(wave, width=1))
        self.wave_lo.setPen(pg.mkPen(wave, width=1))
        fill = pg.mkColor(c.measured)
        fill.setAlpha(150)
        self.wave_fill.setBrush(pg.mkBrush(fill))
        for line in self.playheads:
            line.setPen(pg.mkPen(c.accent, width=2))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.PaletteChange:
            self._style()  # the theme was switched
        super().changeEvent(event)
