"""The type of JSON data as it is read and written (sidecars, configs, reports, checkpoint
metadata): what ``json.load`` returns and ``json.dump`` accepts, nothing wider."""

from __future__ import annotations

from typing import TypeAlias

JSONValue: TypeAlias = "str | int | float | bool | None | list[JSONValue] | dict[str, JSONValue]"
JSONObject: TypeAlias = "dict[str, JSONValue]"
