"""Captions of Tux Paint's stamp sounds (``tuxpaint-stamps-default``, GPL-2).

Each stamp may come with a short sound: for the animals, a recording of the animal (44.1 kHz,
0.3–8 s), which is what the corpus was thinnest on (farm animals, a horse, a pig, a wolf's
kin). Read from the file names and checked by looking at every spectrogram. Left out: the
spoken descriptions (``*_desc*``, in 14 languages), the alphabets, the four silent
placeholders (nandou, iguana, giraffe, wombat: 1.07 s of zeros), the badger/beaver and
mountain-goat/ram pairs that are the same recording twice (one of each kept where the
caption is sure), voices (faces, Hanukkah letters, Apollo radio), music (under ``music/``,
as everywhere in the corpus), and sounds whose spectrogram does not show what the name says
(rabbit, kettle, bottle, spider, …). Paths are the installed ones, lower-cased.
"""

from __future__ import annotations

Rule = tuple[str, str | None, str]

_ROOT = r"tuxpaint/stamps/"

_LEFT_OUT: tuple[Rule, ...] = (
    (r"_desc", None, ""),  # spoken descriptions
    (_ROOT + r"symbols/", None, ""),  # alphabets and faces (voices)
    (r"/(nandou|iguana|giraffe|wombat)\.ogg$", None, ""),  # silent placeholders
    (r"/(badger|beaver|ram|rabbit|xanthia|kettle|bottle|spider)\.ogg$", None, ""),
)

_ANIMALS: tuple[Rule, ...] = (
    (r"/frog\.ogg$", "frog", "a frog croaking"),
    (r"/blackbird\.ogg$", "blackbird", "a blackbird singing"),
    (r"/crow\.ogg$", "crow", "a crow cawing"),
    (r"/cuckoo\.ogg$", "cuckoo", "a cuckoo calling"),
    (r"/(drake|duck)\.ogg$", "duck", "a duck quacking"),
    (r"/gander\.ogg$", "goose", "a goose honking"),
    (r"/hen\.ogg$", "chicken", "a hen clucking"),
    (r"/heron_greatblue_flying\.ogg$", "heron", "a heron squawking in flight"),
    (r"/lark\.ogg$", "lark", "a lark singing"),
    (r"/owl\.ogg$", "owl", "an owl hooting"),
    (r"/penguin\.ogg$", "penguin", "a penguin calling"),
    (r"/quetzal\.ogg$", "bird call", "a tropical bird calling"),
    (r"/rooster\.ogg$", "rooster", "a rooster crowing"),
    (r"/seagull\.ogg$", "seagull", "seagulls crying"),
    (r"/tucan\.ogg$", "toucan", "a toucan calling"),
    (r"/turkey\.ogg$", "turkey", "a turkey gobbling"),
    (r"/vulture\.ogg$", "vulture", "a vulture screeching"),
    (r"/bee\.ogg$", "bee", "a bee buzzing"),
    (r"/grasshopper\.ogg$", "grasshopper", "a grasshopper chirping"),
    (r"/hornet\.ogg$", "hornet", "a hornet buzzing"),
    (r"/mosquito\.ogg$", "mosquito", "a mosquito whining"),
    (r"/chimp\.ogg$", "chimpanzee", "a chimpanzee calling"),
    (r"/gorilla\.ogg$", "gorilla", "a gorilla grunting"),
    (r"/dolphin\.ogg$", "dolphin", "a dolphin clicking and whistling"),
    (r"/orca\.ogg$", "orca", "an orca calling"),
    (r"/sea_lion\.ogg$", "sea lion", "a sea lion barking"),
    (r"/whale\.ogg$", "whale", "a whale singing"),
    (r"/bear\.ogg$", "bear", "a bear growling"),
    (r"/bison\.ogg$", "bison", "a bison grunting"),
    (r"/bull\.ogg$", "bull", "a bull bellowing"),
    (r"/cow(_white)?\.ogg$", "cow", "a cow mooing"),
    (r"/(goat|mountaingoat)\.ogg$", "goat", "a goat bleating"),
    (r"/sheep\.ogg$", "sheep", "a sheep bleating"),
    (r"/sheep_lamb\.ogg$", "lamb", "a lamb bleating"),
    (r"/(camel|dromedary)\.ogg$", "camel", "a camel grunting"),
    (r"/lion\.ogg$", "lion", "a lion roaring"),
    (r"/tiger\.ogg$", "tiger", "a tiger growling"),
    (r"/caribou\.ogg$", "caribou", "a caribou grunting"),
    (r"/(deer|doe)\.ogg$", "deer", "a deer calling"),
    (r"/dog\.ogg$", "dog bark", "a dog barking"),
    (r"/fox\.ogg$", "fox", "a fox barking"),
    (r"/elephant\.ogg$", "elephant", "an elephant trumpeting"),
    (r"/donkey\.ogg$", "donkey", "a donkey braying"),
    (r"/horse\.ogg$", "horse", "a horse neighing"),
    (r"/zebra\.ogg$", "zebra", "a zebra braying"),
    (r"/ferret\.ogg$", "ferret", "a ferret chattering"),
    (r"/hippopotamus\.ogg$", "hippopotamus", "a hippopotamus grunting"),
    (r"/pig(_golden2?)?\.ogg$", "pig", "a pig oinking"),
    (r"/mouse\.ogg$", "mouse", "a mouse squeaking"),
    (r"/squirrel\.ogg$", "squirrel", "a squirrel chattering"),
    (r"/koala\.ogg$", "koala", "a koala bellowing"),
    (r"/bat_left\.ogg$", "bat", "a bat squeaking"),
    (r"/blackcat\.ogg$", "cat", "a cat meowing"),
)

_THINGS: tuple[Rule, ...] = (
    (r"/apple_red\.ogg$", "apple bite", "a bite into a crisp apple"),
    (r"/camera_35mm\.ogg$", "camera shutter", "a camera shutter clicking"),
    (r"/washing-machine\.ogg$", "washing machine", "a washing machine running"),
    (r"/scissors_small_closed\.ogg$", "scissors", "scissors snipping"),
    (r"/rubberduck\.ogg$", "rubber duck", "a rubber duck squeaking"),
    (r"/toilet\.ogg$", "toilet flush", "a toilet flushing"),
    (r"/hammer\.ogg$", "hammer", "a hammer hit"),
    (r"/mallet_metal\.ogg$", "metal hit", "a metal mallet striking"),
    (r"/saw\.ogg$", "saw", "a hand saw cutting wood"),
    (r"/vacuum_cleaner\.ogg$", "vacuum cleaner", "a vacuum cleaner running"),
    (r"/final-roll-call\.ogg$", "bugle", "a bugle call"),
    (r"/lightningbolt\.ogg$", "thunder", "a thunder clap"),
    (r"/gift\.ogg$", "paper rustle", "wrapping paper rustling"),
    (r"/santahat\.ogg$", "sleigh bells", "sleigh bells jingling"),
    (r"/fireworks\.ogg$", "fireworks", "fireworks exploding"),
    (r"/checkeredflag\.ogg$", "race car", "a race car passing"),
    (r"/firetruck\.ogg$", "siren", "a fire truck siren and horn"),
)

TUXPAINT_RULES: dict[str, tuple[Rule, ...]] = {
    "tuxpaint-stamps-default": _LEFT_OUT + _ANIMALS + _THINGS,
}
