"""Picking on the sphere with a synthetic camera (pure numpy, no Qt, no GL)."""

from __future__ import annotations

import numpy as np
import pytest

from ambisketch.engine.spatial.angles import great_circle_angle
from ambisketch.ui.path.picking import (
    Camera,
    closest_direction,
    direction_to_xyz,
    look_at,
    nearest_point,
    perspective,
    pick,
    ray_sphere,
    xyz_to_direction,
)


def _camera(
    eye: tuple[float, float, float], width: float = 640, height: float = 480, dpr: float = 1.0
) -> Camera:
    return Camera(perspective(50.0, width, height, 0.01, 100.0), look_at(eye), width, height, dpr)


def test_scene_axes_are_ambix() -> None:
    np.testing.assert_allclose(
        direction_to_xyz([0, 90, -90, 0], [0, 0, 0, 90]),
        [[1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1]],
        atol=1e-12,
    )
    az, el = xyz_to_direction([[0, 1, 0], [-1, 0, 0], [0, 0, -1]])
    np.testing.assert_allclose(az[:2], [90, 180])
    assert el[2] == -90.0


@pytest.mark.parametrize("eye", [(-3.0, -1.0, 1.5), (0.5, 3.0, 0.2), (0.1, 0.2, 3.5)])
def test_a_ray_through_a_projected_direction_hits_that_direction(eye) -> None:
    cam = _camera(eye)
    rng = np.random.default_rng(5)
    az, el = rng.uniform(-180, 180, 300), rng.uniform(-85, 85, 300)
    xyz = direction_to_xyz(az, el)
    visible = cam.facing(xyz)
    assert 50 < visible.sum() < 250  # about half the sphere faces the camera
    screen, ahead = cam.project(xyz)
    assert ahead.all()
    for (x, y), a, e in zip(screen[visible], az[visible], el[visible]):
        hit = pick(cam, x, y)
        assert hit is not None
        assert great_circle_angle(hit[0], hit[1], a, e) < 1.0


def test_screen_orientation_matches_qt() -> None:
    # Camera behind the listener looking forward: left is on the left, up is up (y down).
    cam = _camera((-3.0, 0.0, 0.0))
    (left, up), _ = cam.project(direction_to_xyz([90, 0], [0, 60]))
    centre = np.array([cam.width / 2, cam.height / 2])
    assert left[0] < centre[0] and abs(left[1] - centre[1]) < 1e-6
    assert up[1] < centre[1]


def test_off_the_sphere_is_none_or_the_outline() -> None:
    cam = _camera((0.0, 0.0, 3.0))  # from above
    assert pick(cam, 2.0, 2.0) is None  # a corner of the view misses the sphere
    az, el = pick(cam, 2.0, 2.0, clamp=True)
    # Clamped: the direction of the ray's closest approach. Seen from straight above at
    # distance 3 that is the elevation equal to the ray's angle off the view axis, past the
    # outline (asin(1/3)): a drag beyond the edge slides on round the sphere.
    _, d = cam.ray(2.0, 2.0)
    off_axis = np.degrees(np.arccos(-d[2]))
    assert el == pytest.approx(off_axis, abs=1e-6)
    assert el > np.degrees(np.arcsin(1 / 3))


def test_ray_sphere_and_closest_direction() -> None:
    hit = ray_sphere([-3, 0, 0], [1, 0, 0])
    np.testing.assert_allclose(hit, [-1, 0, 0])
    assert ray_sphere([-3, 2, 0], [1, 0, 0]) is None
    assert ray_sphere([-3, 0, 0], [-1, 0, 0]) is None  # pointing away
    np.testing.assert_allclose(closest_direction([-3, 2, 0], [1, 0, 0]), [0, 1, 0])


def test_device_pixels() -> None:
    cam = _camera((-3.0, 0.0, 0.0), dpr=2.0)
    np.testing.assert_allclose(cam.to_device([10, 20]), [20, 40])
    np.testing.assert_allclose(cam.to_logical([20, 40]), [10, 20])


def test_nearest_point_prefers_the_visible_side() -> None:
    pts = [(100, 100), (104, 100), (300, 300)]
    assert nearest_point(pts, 103, 100, 10) == 1
    assert nearest_point(pts, 103, 100, 10, prefer=[True, False, False]) == 0
    assert nearest_point(pts, 200, 200, 10) == -1
    assert nearest_point([], 0, 0, 10) == -1
    assert nearest_point([(np.nan, np.nan)], 0, 0, 10) == -1


def test_path_benchmarks_report_ratios() -> None:
    from ambisketch.ui.path.benchmarks import BENCHMARKS

    results = {m.name: m for m in BENCHMARKS[0].run(1)}
    assert results["path.freehand_stroke"].unit == "x real time"
    assert results["path.sphere_pointer_move"].unit == "% of a 60 Hz frame"
    assert all(m.value > 0 and np.isfinite(m.value) for m in results.values())
