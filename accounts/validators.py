"""What text the app stores: one rule, for every form, the admin and the data import.

No control characters (C0, DEL and C1): they are invisible, PostgreSQL refuses NUL, and the others
break lines or hide text. Nor U+FFFE, U+FFFF and lone surrogates, which are no characters at all
(and, like the controls, can't be written in XML: the changelog's feed). Text that has lines (a
note) may hold line breaks and tabs; a name is one line, without directional formatting.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Directional formatting (embeddings, overrides, isolates): in a name they turn the text that
# follows it around, on the page and in the header.
DIRECTION_CHARACTERS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
LINE_BREAKS_AND_TABS = str.maketrans("", "", "\n\t")


@deconstructible
class NoControlCharacters:
    """Refuses control characters; with `lines`, all but line breaks (\\n) and tabs."""

    def __init__(self, lines=False):
        self.lines = lines

    def __call__(self, value):
        if not self.lines and DIRECTION_CHARACTERS.search(value):
            raise ValidationError(
                "Remove the invisible characters that change the direction of the text.",
                code="direction_characters",
            )
        checked = value.translate(LINE_BREAKS_AND_TABS) if self.lines else value
        if not CONTROL_CHARACTERS.search(checked):
            return
        if self.lines:
            message = "Remove the control characters: invisible characters other than line "
            message += "breaks and tabs can't be stored."
        else:
            message = "Keep it to one line, without tabs or other control characters."
        raise ValidationError(message, code="control_characters")

    def __eq__(self, other):
        return isinstance(other, NoControlCharacters) and self.lines == other.lines


validate_one_line = NoControlCharacters()
validate_lines = NoControlCharacters(lines=True)
