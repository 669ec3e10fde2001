"""Recorded and synthesised sounds from Debian packages: caption maps for their file names.

Only packages that hold plain audio files (see the project's corpus-sources notes). A file
whose name is not in a map is left out: a wrong caption is worse than a missing clip.
"""

from __future__ import annotations

# freedesktop sound theme: stem → (concept, caption)
FREEDESKTOP = {
    "alarm-clock-elapsed": ("alarm-clock", "an alarm clock ringing"),
    "bell": ("notification", "a soft notification bell"),
    "camera-shutter": ("camera-shutter", "a camera shutter clicking"),
    "screen-capture": ("camera-shutter", "a camera shutter sound"),
    "complete": ("notification", "a short completion chime"),
    "dialog-error": ("alert", "an error alert sound"),
    "dialog-information": ("notification", "an information chime"),
    "dialog-warning": ("alert", "a warning alert sound"),
    "message": ("notification", "a message notification chime"),
    "message-new-instant": ("notification", "a new message notification"),
    "phone-incoming-call": ("phone-ring", "a phone ringtone"),
    "phone-outgoing-busy": ("busy-signal", "a phone busy tone"),
    "phone-outgoing-calling": ("phone-ring", "a phone ringback tone"),
    "power-plug": ("notification", "a power connected chime"),
    "power-unplug": ("notification", "a power disconnected chime"),
    "service-login": ("notification", "a login chime"),
    "service-logout": ("notification", "a logout chime"),
    "trash-empty": ("paper-crumple", "paper crumpling as a bin is emptied"),
    "window-attention": ("notification", "an attention chime"),
    "window-question": ("notification", "a question chime"),
    "device-added": ("notification", "a device connected chime"),
    "device-removed": ("notification", "a device removed chime"),
    "audio-channel-front-left": ("voice-announcement", 'a woman saying "front left"'),
    "audio-channel-front-right": ("voice-announcement", 'a woman saying "front right"'),
    "audio-channel-front-center": ("voice-announcement", 'a woman saying "front center"'),
    "audio-channel-rear-left": ("voice-announcement", 'a woman saying "rear left"'),
    "audio-channel-rear-right": ("voice-announcement", 'a woman saying "rear right"'),
    "audio-channel-rear-center": ("voice-announcement", 'a woman saying "rear center"'),
    "audio-channel-side-left": ("voice-announcement", 'a woman saying "side left"'),
    "audio-channel-side-right": ("voice-announcement", 'a woman saying "side right"'),
}

# Game packages: stem without its _NN number → (concept, caption)
GAME_SOUNDS = {
    # extremetuxracer-data
    "grass_slide": ("sliding-grass", "something sliding through grass"),
    "ice_slide": ("sliding-ice", "sliding on ice"),
    "leaves_slide": ("sliding-leaves", "sliding through dry leaves"),
    "mud_slide": ("sliding-mud", "sliding through mud"),
    "rock_slide": ("sliding-rock", "sliding over rocks"),
    "snow_slide": ("sliding-snow", "sliding on snow"),
    "tree_hit": ("tree-hit", "a body hitting a tree"),
    # supertux-data
    "brick": ("brick-break", "a brick breaking"),
    "coin": ("coin-pickup", "a video game coin pickup"),
    "cracking": ("ice-crack", "ice cracking"),
    "crystallo-shatter": ("glass-break", "crystal shattering"),
    "door": ("door-open", "a door opening"),
    "explosion": ("explosion", "an explosion"),
    "fire": ("fire-crackle", "a fire burning"),
    "firecracker": ("firecracker", "a firecracker going off"),
    "fireworks": ("fireworks", "fireworks exploding"),
    "fizz": ("fizz", "a fizzing sound"),
    "flame": ("fire-whoosh", "a burst of flame whooshing"),
    "kick": ("kick-thud", "a kick thud"),
    "lava": ("lava-bubble", "bubbling lava"),
    "lightning": ("thunder", "a lightning strike"),
    "rain": ("rain-light", "rain falling"),
    "saw": ("sawing", "a saw blade"),
    "sizzle": ("sizzle", "something sizzling"),
    "skid": ("skid", "a skid"),
    "splash": ("water-splash", "a splash of water"),
    "splat": ("splat", "a wet splat"),
    "squish": ("squish", "a squishy squelch"),
    "stomp": ("stomp", "a heavy stomp"),
    "thud": ("thud", "a dull thud"),
    "thunder": ("thunder", "thunder"),
    "ticking": ("clock-ticking", "a ticking clock"),
    "trampoline": ("spring-boing", "a trampoline bounce"),
    "turnkey": ("key-turn", "a key turning in a lock"),
    "waterfall": ("waterfall", "a waterfall"),
    "wood": ("wood-block", "wood knocking"),
    "yeti_roar": ("monster-roar", "a monster roaring"),
    "icecrash": ("ice-crack", "ice crashing"),
    # widelands-data
    "bird1": ("birds", "a bird singing"),
    "bird2": ("birds", "a bird calling"),
    "bird3": ("birds", "a bird chirping"),
    "bird4": ("birds", "a bird singing"),
    "bird5": ("birds", "birds chirping"),
    "bird6": ("birds", "a bird calling"),
    "boar": ("boar", "a wild boar grunting"),
    "coyote": ("coyote", "a coyote howling"),
    "crickets1": ("crickets", "crickets chirping"),
    "crickets2": ("crickets", "crickets chirping"),
    "frog": ("frogs", "a frog croaking"),
    "moose": ("moose", "a moose bellowing"),
    "stag": ("deer", "a stag bellowing"),
    "wolf": ("wolf", "a wolf howling"),
    "duck": ("duck", "a duck quacking"),
    "donkey": ("donkey", "a donkey braying"),
    "horse": ("horse", "a horse neighing"),
    "ox": ("cow", "an ox lowing"),
    "sheep": ("sheep", "a sheep bleating"),
    "farm_animal": ("farm-animals", "farm animals"),
    "stonecutter": ("stone-cutting", "a stonecutter chiselling stone"),
    "stonemason": ("stone-cutting", "a stonemason at work"),
    "benchsaw": ("saw-bench", "a bench saw cutting"),
    "sawing": ("sawing", "wood being sawn"),
    "sawmill": ("saw-bench", "a sawmill running"),
    "mill_turning": ("mill", "a mill wheel turning"),
    "hammering": ("hammer-metal", "hammering"),
    "smith": ("hammer-metal", "a smith hammering metal"),
    "toolsmith": ("hammer-metal", "a toolsmith at work"),
    "geologist_hammer": ("hammer-rock", "a hammer tapping rock"),
    "sharpening": ("sharpening", "a blade being sharpened on a whetstone"),
    "scythe": ("scythe", "a scythe cutting grass"),
    "furnace": ("furnace", "a furnace roaring"),
    "fast_woodcutting": ("axe-chopping", "an axe chopping wood quickly"),
    "woodcutting": ("axe-chopping", "an axe chopping wood"),
    "tree_falling": ("tree-falling", "a tree falling"),
    "weaving": ("loom", "a loom weaving"),
    "weaver": ("loom", "a weaver's loom"),
    "fisher_pull_net": ("fishing-net", "a fishing net pulled from water"),
    "fisher_throw_net": ("fishing-net", "a fishing net thrown into water"),
    "beerbubble": ("bubbles", "beer bubbling"),
    "winebubble": ("bubbles", "wine bubbling"),
    "inn": ("tavern-crowd", "people talking in an inn"),
    "tavern": ("tavern-crowd", "a busy tavern"),
    "biginn": ("tavern-crowd", "a crowded inn"),
    "stonegrind": ("grinding", "stone grinding"),
    "mortar": ("grinding", "a mortar grinding"),
    "goldspin": ("spinning-wheel", "a spinning wheel"),
    "falling_tools": ("falling-tools", "metal tools falling"),
}

# hydrogen-drumkits instrument names: keyword (lower case) → (concept, caption); first match wins.
DRUM_WORDS = (
    ("roll", ("snare-roll", "a snare drum roll")),
    ("kick", ("kick-drum", "a kick drum hit")),
    ("bass drum", ("kick-drum", "a bass drum hit")),
    ("bassdrum", ("kick-drum", "a bass drum hit")),
    ("snare", ("snare-drum", "a snare drum hit")),
    ("open hh", ("hi-hat", "an open hi-hat")),
    ("hi-hat open", ("hi-hat", "an open hi-hat")),
    ("pedal hh", ("hi-hat", "a pedal hi-hat chick")),
    ("hi-hat pedal", ("hi-hat", "a pedal hi-hat chick")),
    ("closed hh", ("hi-hat", "a closed hi-hat")),
    ("hi-hat", ("hi-hat", "a hi-hat")),
    ("tom", ("tom-drum", "a tom drum hit")),
    ("crash", ("crash-cymbal", "a crash cymbal")),
    ("ride", ("ride-cymbal", "a ride cymbal")),
    ("splash", ("splash-cymbal", "a splash cymbal")),
    ("cymbal", ("crash-cymbal", "a cymbal crash")),
    ("clap", ("hand-clap", "a hand clap")),
    ("cowbell", ("cowbell", "a cowbell")),
    ("stick", ("drumstick", "a drumstick click")),
    ("woodblock", ("wood-block", "a wood block")),
    ("whistle", ("whistle", "a whistle")),
    ("waterglass", ("glass-clink", "a water glass struck")),
    ("shaker", ("shaker", "a shaker")),
    ("tambourine", ("tambourine", "a tambourine")),
    ("zap", ("laser", "an electronic zap")),
)


def game_key(stem: str) -> str:
    """ "bird1_02" → "bird1"; "coin2" stays (only a trailing _NN is a variant number)."""
    head, _, tail = stem.rpartition("_")
    return head if head and tail.isdigit() else stem


def drum_concept(instrument: str) -> tuple[str, str] | None:
    name = instrument.lower()
    for word, found in DRUM_WORDS:
        if word in name:
            return found
    return None
