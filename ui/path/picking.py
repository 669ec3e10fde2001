"""Picking on the unit sphere without OpenGL: camera rays, projection and hit tests (numpy).

pyqtgraph's GLViewWidget draws but cannot pick, so the sphere view casts its own rays. A
:class:`Camera` holds the same projection and view matrices the widget hands to OpenGL
(``projectionMatrix(viewport, viewport)`` and ``viewMatrix()``) and its viewport size in
Qt's logical pixels, in which mouse events arrive; ``device_pixel_ratio`` converts to the
framebuffer's device pixels (``grabFramebuffer()`` images) and back.

Scene axes are the AmbiX axes: x front, y left, z up; the listener sits at the origin and
directions lie on the unit sphere. Screen coordinates have y pointing down, as in Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ...engine.spatial.angles import from_cartesian, to_cartesian


def direction_to_xyz(
    azimuth: ArrayLike, elevation: ArrayLike, radius: float = 1.0
) -> NDArray[np.float64]:
    """Scene points ``(N, 3)`` for directions in degrees (+90 azimuth = left = +y)."""
    xyz = to_cartesian(np.atleast_1d(azimuth), np.atleast_1d(elevation))
    return radius * np.moveaxis(xyz, 0, -1).reshape(-1, 3)


def xyz_to_direction(xyz: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Azimuth and elevation (degrees) of scene points ``(N, 3)``."""
    p = np.atleast_2d(np.asarray(xyz, dtype=np.float64))
    az, el = from_cartesian(p[:, 0], p[:, 1], p[:, 2])
    return np.atleast_1d(az), np.atleast_1d(el)


def perspective(
    fov_x: float, width: float, height: float, near: float, far: float
) -> NDArray[np.float64]:
    """OpenGL frustum matrix with horizontal field of view ``fov_x`` (degrees), the way
    pyqtgraph builds it (its ``fov`` is horizontal)."""
    r = near * np.tan(np.radians(fov_x) / 2)
    t = r * height / width
    return np.array(
        [
            [near / r, 0, 0, 0],
            [0, near / t, 0, 0],
            [0, 0, -(far + near) / (far - near), -2 * far * near / (far - near)],
            [0, 0, -1, 0],
        ],
        dtype=np.float64,
    )


def look_at(
    eye: ArrayLike, target: ArrayLike = (0, 0, 0), up: ArrayLike = (0, 0, 1)
) -> NDArray[np.float64]:
    """View matrix of a camera at ``eye`` looking at ``target`` (gluLookAt)."""
    eye, target, up = (np.asarray(v, dtype=np.float64) for v in (eye, target, up))
    f = target - eye
    f /= np.linalg.norm(f)
    s = np.cross(f, up)
    if np.linalg.norm(s) < 1e-9:  # looking along ``up``: any other up will do
        s = np.cross(f, [1.0, 0.0, 0.0] if abs(f[0]) < 0.9 else [0.0, 1.0, 0.0])
    s /= np.linalg.norm(s)
    u = np.cross(s, f)
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = s, u, -f
    m[:3, 3] = -m[:3, :3] @ eye
    return m


@dataclass(frozen=True)
class Camera:
    """What it takes to go between scene points and widget pixels."""

    projection: NDArray[np.float64]  # (4, 4), column-vector convention: clip = P @ V @ p
    view: NDArray[np.float64]  # (4, 4)
    width: float  # viewport, logical pixels
    height: float
    device_pixel_ratio: float = 1.0

    @property
    def eye(self) -> NDArray[np.float64]:
        """Camera position in the scene."""
        return np.linalg.inv(self.view)[:3, 3]

    def project(self, xyz: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Logical pixel positions ``(N, 2)`` of scene points, and whether each lies in
        front of the camera (behind it the position is meaningless)."""
        p = np.atleast_2d(np.asarray(xyz, dtype=np.float64))
        clip = np.c_[p, np.ones(len(p))] @ (self.projection @ self.view).T
        w = clip[:, 3]
        ahead = w > 1e-9
        ndc = clip[:, :2] / np.where(ahead, w, 1.0)[:, None]
        sx = (ndc[:, 0] + 1.0) * 0.5 * self.width
        sy = (1.0 - ndc[:, 1]) * 0.5 * self.height
        return np.c_[sx, sy], ahead

    def to_device(self, logical: ArrayLike) -> NDArray[np.float64]:
        return np.asarray(logical, dtype=np.float64) * self.device_pixel_ratio

    def to_logical(self, device: ArrayLike) -> NDArray[np.float64]:
        return np.asarray(device, dtype=np.float64) / self.device_pixel_ratio

    def ray(self, x: float, y: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Origin and unit direction of the ray through logical pixel (x, y)."""
        ndc_x = 2.0 * x / self.width - 1.0
        ndc_y = 1.0 - 2.0 * y / self.height
        inv = np.linalg.inv(self.projection @ self.view)
        near = inv @ np.array([ndc_x, ndc_y, -1.0, 1.0])
        far = inv @ np.array([ndc_x, ndc_y, 1.0, 1.0])
        near, far = near[:3] / near[3], far[:3] / far[3]
        d = far - near
        return near, d / np.linalg.norm(d)

    def facing(self, xyz: ArrayLike) -> NDArray[np.bool_]:
        """Which points on the unit sphere lie on the half the camera sees (not behind it)."""
        p = np.atleast_2d(np.asarray(xyz, dtype=np.float64))
        return p @ self.eye > np.sum(p * p, axis=1)


def ray_sphere(
    origin: ArrayLike, direction: ArrayLike, radius: float = 1.0
) -> NDArray[np.float64] | None:
    """First point where the ray meets the sphere about the origin, or None if it misses."""
    o, d = np.asarray(origin, dtype=np.float64), np.asarray(direction, dtype=np.float64)
    b = float(o @ d)
    c = float(o @ o) - radius * radius
    disc = b * b - c
    if disc < 0:
        return None
    root = np.sqrt(disc)
    for t in (-b - root, -b + root):
        if t >= 0:
            return o + t * d
    return None


def closest_direction(origin: ArrayLike, direction: ArrayLike) -> NDArray[np.float64]:
    """Unit vector towards the point of the ray nearest the centre. For a ray that just misses
    the sphere that is on its outline; further out it lies beyond, so a drag past the edge
    keeps sliding round onto the far side instead of sticking."""
    o, d = np.asarray(origin, dtype=np.float64), np.asarray(direction, dtype=np.float64)
    p = o - (o @ d) * d
    n = np.linalg.norm(p)
    return p / n if n > 1e-12 else -d


def pick(camera: Camera, x: float, y: float, *, clamp: bool = False) -> tuple[float, float] | None:
    """Azimuth and elevation (degrees) under logical pixel (x, y) on the unit sphere.

    Off the sphere: None, or with ``clamp`` the direction the ray passes closest
    (:func:`closest_direction`).
    """
    origin, d = camera.ray(x, y)
    hit = ray_sphere(origin, d)
    if hit is None:
        if not clamp:
            return None
        hit = closest_direction(origin, d)
    az, el = xyz_to_direction(hit)
    return float(az[0]), float(el[0])


def nearest_point(
    points: ArrayLike, x: float, y: float, radius: float, prefer: ArrayLike | None = None
) -> int:
    """Index of the screen point nearest (x, y) within ``radius`` pixels, or -1.

    Points where ``prefer`` is True win over the others (handles on the visible side of
    the sphere over those seen through it), whatever their distance inside the radius.
    """
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(p) == 0:
        return -1
    dist = np.hypot(p[:, 0] - x, p[:, 1] - y)
    inside = dist <= radius
    if prefer is not None:
        front = inside & np.asarray(prefer, dtype=bool)
        if front.any():
            inside = front
    if not inside.any():
        return -1
    return int(np.flatnonzero(inside)[np.argmin(dist[inside])])
