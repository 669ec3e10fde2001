"""The catalogue of procedural concepts: name → captions and generator (see :mod:`.tonal`,
:mod:`.noisy`). Each variant draws fresh parameters; its caption is the generator's own
(when it names a property it drew) or one of the concept's captions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from . import creatures as cr
from . import noisy as n
from . import signals as sg
from . import tonal as t
from .dsp import finish

Generate = Callable[[np.random.Generator, int], tuple[NDArray[np.float64], str | None]]


@dataclass(frozen=True)
class Concept:
    name: str
    captions: tuple[str, ...]
    generate: Generate
    category: str


def _c(name: str, category: str, fn: Generate, *captions: str) -> Concept:
    return Concept(name, captions, fn, category)


ALL_CONCEPTS: tuple[Concept, ...] = (
    _c("church-bell", "bells", t.church_bell, "a church bell ringing"),
    _c("hand-bell", "bells", t.hand_bell, "a small hand bell ringing", "a hand bell being shaken"),
    _c(
        "wind-chimes",
        "bells",
        t.wind_chimes,
        "wind chimes tinkling",
        "metal wind chimes in a breeze",
    ),
    _c(
        "tubular-bell", "bells", t.tubular_bell, "a tubular bell struck once", "an orchestral chime"
    ),
    _c(
        "singing-bowl",
        "bells",
        t.singing_bowl,
        "a singing bowl resonating",
        "a Tibetan bowl ringing",
    ),
    _c("doorbell", "bells", t.doorbell, "a doorbell chiming ding-dong", "a two-tone door chime"),
    _c("bicycle-bell", "bells", t.bicycle_bell, "a bicycle bell ringing", "a bike bell ding"),
    _c(
        "service-bell",
        "bells",
        t.service_bell,
        "a service bell dinged on a counter",
        "a desk bell ringing",
    ),
    _c("gong", "bells", t.gong, "a large gong struck", "a gong shimmering"),
    _c("car-idle", "engines", t.car_idle, "a car engine idling", "an idling car"),
    _c("car-rev", "engines", t.car_rev, "a car engine revving", "a sports car revving up"),
    _c("motorcycle", "engines", t.motorcycle, "a motorcycle engine", "a motorbike accelerating"),
    _c(
        "diesel-truck",
        "engines",
        t.diesel_truck,
        "a diesel truck idling",
        "a heavy lorry engine rumbling",
    ),
    _c(
        "lawn-mower",
        "engines",
        t.lawn_mower,
        "a lawn mower running",
        "a small petrol engine buzzing",
    ),
    _c(
        "electric-motor",
        "engines",
        t.electric_motor,
        "an electric motor whirring",
        "a motor spinning up",
    ),
    _c("power-drill", "engines", t.power_drill, "a power drill drilling", "an electric drill"),
    _c(
        "helicopter",
        "engines",
        t.helicopter,
        "a helicopter's rotor chopping",
        "a helicopter hovering",
    ),
    _c(
        "propeller-plane",
        "engines",
        t.propeller_plane,
        "a propeller airplane droning",
        "a small plane flying",
    ),
    _c("jet-engine", "engines", t.jet_engine, "a jet engine roaring", "a jet airliner"),
    _c("fan", "engines", t.fan_hum, "a fan humming", "an air conditioner running"),
    _c("siren-wail", "alarms", sg.siren_wail, "a police siren wailing", "an emergency siren"),
    _c("siren-yelp", "alarms", sg.siren_yelp, "a siren yelping", "a fast police siren"),
    _c(
        "siren-two-tone",
        "alarms",
        sg.siren_two_tone,
        "a two-tone ambulance siren",
        "a European emergency siren",
    ),
    _c(
        "air-raid-siren",
        "alarms",
        sg.air_raid_siren,
        "an air raid siren rising and falling",
        "a civil defence siren",
    ),
    _c(
        "alarm-clock",
        "alarms",
        sg.alarm_clock,
        "an alarm clock beeping",
        "a digital alarm going off",
    ),
    _c("smoke-alarm", "alarms", sg.smoke_alarm, "a smoke alarm beeping", "a loud warning beep"),
    _c(
        "reversing-beeper",
        "alarms",
        sg.reversing_beeper,
        "a truck reversing beeper",
        "a reversing vehicle beeping",
    ),
    _c("car-horn", "alarms", sg.car_horn, "a car horn honking", "a car honking its horn"),
    _c("train-horn", "alarms", sg.train_horn, "a train horn blowing", "a locomotive horn"),
    _c("foghorn", "alarms", sg.foghorn, "a ship's foghorn", "a deep foghorn blast"),
    _c(
        "old-phone",
        "alarms",
        sg.old_phone_ring,
        "an old telephone ringing",
        "a bell telephone ringing",
    ),
    _c(
        "busy-signal", "alarms", sg.busy_signal, "a telephone busy signal", "a phone line busy tone"
    ),
    _c("clock-ticking", "mechanical", sg.clock_ticking, "a clock ticking", "a wall clock ticking"),
    _c(
        "grandfather-clock",
        "mechanical",
        sg.grandfather_clock,
        "a grandfather clock ticking slowly",
        "a pendulum clock",
    ),
    _c("metronome", "mechanical", sg.metronome, "a metronome clicking"),
    _c(
        "typewriter",
        "mechanical",
        sg.typewriter,
        "a typewriter typing",
        "someone typing on a typewriter",
    ),
    _c(
        "keyboard-typing",
        "mechanical",
        sg.keyboard_typing,
        "typing on a computer keyboard",
        "fingers typing on a keyboard",
    ),
    _c("geiger-counter", "mechanical", sg.geiger_counter, "a Geiger counter clicking"),
    _c("laser", "electronic", sg.laser_zap, "a laser zap", "a sci-fi laser gun firing"),
    _c("sonar", "electronic", sg.sonar_ping, "a sonar ping", "a submarine sonar ping"),
    _c("electrical-hum", "electronic", sg.electrical_hum, "an electrical hum", "mains hum buzzing"),
    _c(
        "radio-static",
        "electronic",
        sg.radio_static,
        "radio static hiss",
        "a radio between stations",
    ),
    _c(
        "sci-fi-warble",
        "electronic",
        sg.sci_fi_warble,
        "a sci-fi warbling tone",
        "a wobbling synth tone",
    ),
    _c("kettle", "household", sg.kettle_whistle, "a kettle whistling", "a whistling tea kettle"),
    _c(
        "referee-whistle",
        "household",
        sg.referee_whistle,
        "a referee's whistle blowing",
        "a pea whistle",
    ),
    _c("spring-boing", "household", sg.spring_boing, "a cartoon spring boing", "a boinging spring"),
    _c("rain-light", "weather", n.rain_light, "light rain falling", "a gentle drizzle"),
    _c("rain-heavy", "weather", n.rain_heavy, "heavy rain pouring", "a downpour"),
    _c("rain-on-roof", "weather", n.rain_on_roof, "rain drumming on a roof", "rain on a tin roof"),
    _c("wind-gentle", "weather", n.wind_gentle, "a gentle wind blowing", "a soft breeze"),
    _c(
        "wind-howling", "weather", n.wind_howling, "a strong wind howling", "a whistling storm wind"
    ),
    _c("thunder", "weather", n.thunder, "thunder rumbling"),
    _c(
        "ocean-waves",
        "water",
        n.ocean_waves,
        "ocean waves washing on a shore",
        "sea waves breaking",
    ),
    _c("brook", "water", n.brook, "a babbling brook", "a small stream trickling"),
    _c("dripping", "water", n.dripping, "water dripping", "a tap dripping into a sink"),
    _c("bubbles", "water", n.bubbles, "bubbles rising in water", "water bubbling"),
    _c("waterfall", "water", n.waterfall, "a roaring waterfall", "rushing water"),
    _c(
        "pouring-water",
        "water",
        n.pouring_water,
        "water being poured into a glass",
        "pouring water filling a bottle",
    ),
    _c("fire-crackle", "fire", n.fire_crackle, "a campfire crackling", "a fireplace crackling"),
    _c("fire-roar", "fire", n.fire_roar, "a large fire roaring", "a blazing fire"),
    _c(
        "steps-gravel",
        "footsteps",
        n.steps_gravel,
        "footsteps on gravel",
        "someone walking on gravel",
    ),
    _c(
        "steps-snow",
        "footsteps",
        n.steps_snow,
        "footsteps crunching in snow",
        "walking through snow",
    ),
    _c(
        "steps-wood",
        "footsteps",
        n.steps_wood,
        "footsteps on a wooden floor",
        "someone walking across floorboards",
    ),
    _c(
        "steps-heels",
        "footsteps",
        n.steps_heels,
        "high heels clicking on a hard floor",
        "heels walking on tiles",
    ),
    _c("running", "footsteps", n.running, "someone running", "running footsteps"),
    _c("door-knock", "impacts", n.door_knock, "knocking on a wooden door", "a knock at the door"),
    _c(
        "hammer-metal",
        "impacts",
        n.hammer_metal,
        "a hammer striking metal",
        "a blacksmith hammering",
    ),
    _c(
        "hammer-nail",
        "impacts",
        n.hammer_nail,
        "hammering a nail into wood",
        "a hammer driving a nail",
    ),
    _c("glass-break", "impacts", n.glass_break, "glass shattering", "a window breaking"),
    _c("wood-block", "impacts", n.wood_block, "a wooden block struck", "a wood block knocking"),
    _c(
        "metal-pipe",
        "impacts",
        n.metal_pipe,
        "a metal pipe clanging",
        "a struck steel pipe ringing",
    ),
    _c(
        "ball-bounce", "impacts", n.ball_bounce, "a ball bouncing to rest", "a bouncing rubber ball"
    ),
    _c(
        "coin-drop",
        "impacts",
        n.coin_drop,
        "a coin dropping on a table",
        "a coin bouncing and settling",
    ),
    _c("explosion", "impacts", n.explosion, "an explosion"),
    _c("fireworks", "impacts", n.fireworks, "fireworks exploding", "fireworks popping in the sky"),
    _c("door-slam", "impacts", n.door_slam, "a door slamming shut", "a heavy door slam"),
    _c("sawing", "tools", n.sawing_wood, "a hand saw cutting wood", "someone sawing a plank"),
    _c("zipper", "tools", n.zipper, "a zipper being pulled", "a jacket being zipped"),
    _c(
        "train",
        "vehicles",
        n.train_passing,
        "a train rolling over rail joints",
        "a train clattering along the tracks",
    ),
    _c("birds", "animals", cr.bird_chirps, "a bird chirping"),
    _c("cuckoo", "animals", cr.cuckoo, "a cuckoo calling", "a cuckoo-like two-note call"),
    _c("owl", "animals", cr.owl_hoot, "an owl hooting", "an owl hooting at night"),
    _c("crickets", "animals", cr.crickets, "crickets chirping at night", "a cricket chirping"),
    _c("frogs", "animals", cr.frogs, "a frog croaking", "frogs croaking in a pond"),
    _c("insect-buzz", "animals", cr.insect_buzz, "an insect buzzing"),
    _c("clapping", "people", cr.clapping, "hands clapping", "someone clapping slowly"),
    _c("applause", "people", cr.applause, "an audience applauding"),
    _c(
        "finger-snaps",
        "people",
        cr.finger_snaps,
        "fingers snapping",
        "someone snapping their fingers",
    ),
    _c("heartbeat", "people", cr.heartbeat, "a heartbeat"),
    _c("breathing", "people", cr.breathing, "someone breathing heavily", "slow deep breathing"),
    _c("ping-pong", "people", cr.ping_pong, "a ping-pong rally", "table tennis being played"),
)

# Concepts left out of the corpus (issue 18): spectrograms of three variants each showed that
# they do not sound like their caption, and corpus v2 has real recordings of each instead.
DROPPED: dict[str, str] = {
    "car-idle": "broadband hiss with engine harmonics ~20 dB under it; real car engines are recorded",
    "diesel-truck": "broadband hiss, no firing rhythm visible; real engines are recorded",
    "propeller-plane": "hiss with one faint line; real propeller engines are recorded (flightgear)",
    "rain-light": "stationary white noise, no drop texture: it taught the model that rain is hiss",
    "rain-heavy": "stationary white noise, no drop texture",
    "rain-on-roof": "noise with only faint drop streaks; real rain recordings replace it",
    "waterfall": "stationary white noise; real waterfalls are recorded (0ad, redeclipse, supertuxkart)",
    "zipper": "blocks of flat noise without the ratchet of zipper teeth",
    "heartbeat": "broadband clicks up to 8 kHz, not low thumps; a real heartbeat is recorded (flare)",
    "spring-boing": "a flat low line without the wobbling pitch of a boing",
}
CONCEPTS: tuple[Concept, ...] = tuple(c for c in ALL_CONCEPTS if c.name not in DROPPED)


def render_variant(
    concept: Concept, rng: np.random.Generator, rate: int
) -> tuple[NDArray[np.float32], str]:
    """One fresh variant of ``concept``: (mono float32 at ``rate``, caption)."""
    x, caption = concept.generate(rng, rate)
    if caption is None:
        caption = concept.captions[int(rng.integers(len(concept.captions)))]
    return finish(np.asarray(x, dtype=np.float64), rate, rng), caption
