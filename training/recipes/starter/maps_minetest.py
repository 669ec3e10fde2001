"""Captions of Minetest's game sounds (``minetest-data``: the sounds CC-BY-SA-3.0, the doors
CC-BY-3.0): footsteps on many surfaces, doors and chests, fire, flowing water, a furnace, a
mine cart, glass breaking and TNT. Read from the file names and checked on spectrograms.
Left out: the test sound, the abstract "dig"/"dug"/"place node" clicks (except the shovel
and the axe), a tool breaking, the player's grunt, smoke, and the near-silent lava loop.
"""

from __future__ import annotations

Rule = tuple[str, str | None, str]

_S = r"/sounds/"

MINETEST_RULES: dict[str, tuple[Rule, ...]] = {
    "minetest-data": tuple(
        (_S + name + r"(\.\d)?\.ogg$", concept, caption)
        for name, concept, caption in (
            (
                "default_(gravel|snow|sand|dirt|ice|metal|wood|glass|grass)_footstep",
                "footstep {1}",
                "a footstep on {1}",
            ),
            ("default_water_footstep", "wading", "wading through shallow water"),
            ("default_break_glass", "glass break", "glass breaking"),
            ("fire_(fire|large|small)", "fire", "a fire crackling"),
            ("fire_extinguish_flame", "fire hiss", "a flame hissing out"),
            ("fire_flint_and_steel", "flint strike", "flint striking steel"),
            ("default_cool_lava", "steam hiss", "lava hissing as water cools it"),
            ("default_furnace_active", "furnace", "a furnace burning"),
            ("env_sounds_water", "stream", "water flowing in a stream"),
            ("carts_cart_moving", "mine cart", "a mine cart rolling on rails"),
            ("tnt_explode", "explosion", "an explosion"),
            ("tnt_(ignite|gunpowder_burning)", "fuse", "a fuse fizzing"),
            ("default_dig_crumbly", "digging", "a shovel digging into dirt"),
            ("default_dig_choppy", "chopping", "an axe chopping wood"),
        )
    )
    + tuple(
        (_S + f"{name}_{verb}" + r"\.ogg$", f"{concept} {verb}", f"{noun} {verb.rstrip('e')}ing")
        for name, concept, noun in (
            ("default_chest", "chest", "a wooden chest lid"),
            ("doors_door", "door wood", "a wooden door"),
            ("doors_steel_door", "door metal", "a heavy steel door"),
            ("doors_glass_door", "door glass", "a glass door"),
            ("doors_fencegate", "gate", "a wooden gate"),
            ("xpanes_steel_bar_door", "door metal", "a barred iron door"),
        )
        for verb in ("open", "close")
    ),
}
