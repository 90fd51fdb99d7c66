"""One fixed colour per code family of the contract: a code looks the same in every panel."""

from __future__ import annotations

from collections.abc import Mapping

from openai_error_telemetry.codes import Family, codes_of

# One colour per family of the contract (Grafana's named palette); "ok" is green.
FAMILY_COLOURS: Mapping[Family, str] = {
    Family.RATE: "orange", Family.QUOTA: "dark-red", Family.SERVER: "red",
    Family.TIMEOUT: "purple", Family.CONNECTION: "dark-purple", Family.AUTH: "yellow",
    Family.CLIENT: "blue", Family.CONTENT: "light-blue", Family.OTHER: "text",
}
CODE_COLOURS: Mapping[str, str] = {
    **{code.value: FAMILY_COLOURS[family] for family in Family for code in codes_of(family)},
    **{family.value: FAMILY_COLOURS[family] for family in Family},
    "ok": "green",
}
