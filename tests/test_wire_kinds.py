"""The browser decodes event kinds by their index, so its list must be the contract's."""

import re
from pathlib import Path

from meshlab.events import KIND_CODE, KINDS

SOURCE = Path(__file__).resolve().parents[1] / "widgets" / "src" / "kinds.ts"


def test_the_front_end_kind_list_matches_the_contract_in_order():
    text = SOURCE.read_text()
    listed = re.search(r"export const KINDS = \[(.*?)\] as const", text, re.S)
    assert listed, "widgets/src/kinds.ts no longer declares `export const KINDS = [...] as const`"
    assert re.findall(r'"(\w+)"', listed.group(1)) == list(KINDS)
    codes = re.search(r"export const K = \{(.*?)\}", text, re.S)
    assert codes, "widgets/src/kinds.ts no longer declares `export const K = {...}`"
    assert dict((k, int(v)) for k, v in re.findall(r"(\w+): (\d+)", codes.group(1))) == KIND_CODE
