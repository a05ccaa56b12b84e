"""What text the app stores: one rule, for every form, the admin and the data import.

No control characters (C0, DEL and C1): they are invisible, PostgreSQL refuses NUL, and the others
break lines or hide text. Nor U+FFFE, U+FFFF and lone surrogates, which are no characters at all
(and, like the controls, can't be written in XML: the changelog's feed). Text that has lines (a
note) may hold line breaks and tabs; a name is one line, without directional formatting.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.deconstruct import deconstructible

CONTROLS = r"\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
CONTROL_CHARACTERS = re.compile(f"[{CONTROLS}]")
NOT_IN_A_LINE = re.compile(f"[{CONTROLS}\u2028\u2029]")  # nor the line and paragraph separators
# Directional formatting (embeddings, overrides, isolates): in a name they turn the text that
# follows it around, on the page and in the header. The marks (LRM, RLM, ALM) only settle where
# punctuation goes in right-to-left text, which names and titles need.
DIRECTION_CHARACTERS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
TURNED_AROUND = "Remove the invisible characters that change the direction of the text."
LINE_BREAKS_AND_TABS = str.maketrans("", "", "\n\t")
# Letters nobody sees (Hangul fillers, the blank Braille pattern), and what shows nothing alone:
# spaces, separators, format characters (zero-width ones), controls and combining marks.
FILLERS = "\u115f\u1160\u3164\uffa0\u2800\U0001d159"  # the last: a musical null notehead
UNSEEN = {"Zs", "Zl", "Zp", "Cf", "Cc", "Mn", "Me"}
# Private use too, alone: no font of the reader's draws it. (Not "unassigned": a new emoji.)
BLANK = UNSEEN | {"Co"}
# In an email address combining marks are letters of their script (a Hindi domain needs them).
UNSEEN_IN_AN_ADDRESS = UNSEEN - {"Mn", "Me"}
INVISIBLE = "Use letters, digits or symbols you can see: this is blank on the page."


@deconstructible
class NoControlCharacters:
    """Refuses control characters; with `lines`, all but line breaks (\\n) and tabs."""

    def __init__(self, lines=False):
        self.lines = lines

    def __call__(self, value):
        if not self.lines and DIRECTION_CHARACTERS.search(value):
            raise ValidationError(TURNED_AROUND, code="direction_characters")
        if self.lines:
            refused = CONTROL_CHARACTERS.search(value.translate(LINE_BREAKS_AND_TABS))
        else:
            refused = NOT_IN_A_LINE.search(value)
        if not refused:
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


def validate_visible(value):
    """Refuses a name that shows nothing: only spaces, invisible characters and fillers."""
    if all(c in FILLERS or unicodedata.category(c) in BLANK for c in value):
        raise ValidationError(INVISIBLE, code="invisible")


def validate_mail_address(value):
    """Refuses what Django's email check lets through but is no one mailbox as written: quotes,
    spaces, invisible characters and letters with a plainer form (mail drops or folds them: a
    taken address spelled another way), and a domain mail can't be sent to."""
    if '"' in value:
        raise ValidationError("Write the address without quotes.", code="quoted")
    if any(unicodedata.category(c) in UNSEEN_IN_AN_ADDRESS for c in value):
        raise ValidationError(
            "Remove the spaces and invisible characters from the address.", code="invisible"
        )
    if unicodedata.normalize("NFKC", value) != value:  # mail reads a fullwidth "e" (U+FF45) as "e"
        raise ValidationError(
            "Write the address in plain letters: some of these have a plainer form "
            "(fullwidth letters, ligatures).",
            code="not_plain",
        )
    domain = value.rpartition("@")[2]
    sent = [sent_as(label) for label in domain.split(".")]
    try:
        domain.encode("idna")  # as Django's mail writes it
    except UnicodeError:
        sent.append(None)
    if None in sent:
        raise ValidationError(
            "Mail can't be sent to this address: check it for typing mistakes.", code="unmailable"
        )
    sent_to = ".".join(sent)
    if sent_to != "".join(map(str.lower, domain)):
        raise ValidationError(
            f"Mail would be sent to {sent_to}, not to this domain: write the domain in the "
            "form that starts with xn--, as your mail provider gives it.",
            code="sent_elsewhere",
        )


def sent_as(label):
    """A label of a domain as Django's mail sends it, read back, in lower case; None if it can't
    be. Mail writes names by the rules of 2003: "straße" it sends as "strasse", another name, and
    it drops or folds what today's rules refuse. An ASCII label goes as it is written."""
    if label.isascii():
        return "".join(map(str.lower, label))
    try:
        return label.encode("idna").decode("idna")
    except UnicodeError:
        return None


def one_spelling(address):
    """An email address with its domain in the one spelling the app stores, as it reads: a label
    written as mail writes it ("xn--mnchen-3ya") read back ("münchen") where Python can and the
    address is still one the rules take (not "xn--strae-oqa", straße under today's rules, nor a
    label that reads back as an invisible character). Each label on its own, so that every
    spelling of one mailbox comes to the same. The domain is lowered a letter at a time: lowered
    as a word, a capital sigma at its end became a final sigma, another name."""
    name, _, domain = address.rpartition("@")
    labels = "".join(map(str.lower, domain)).split(".")
    for i, label in enumerate(labels):
        try:
            read = label.encode().decode("idna") if label.isascii() else label
        except UnicodeError:
            continue
        if read == label:  # the same either way: nothing to check
            continue
        respelled = f"{name}@{'.'.join([*labels[:i], read, *labels[i + 1 :]])}"
        try:
            validate_email(respelled)
            validate_mail_address(respelled)
        except ValidationError:
            continue
        labels[i] = read
    return f"{name}@{'.'.join(labels)}"


def validate_username(value):
    """Refuses what Django's username rule lets through and the public page's address can't hold:
    only dots (a folder, "." or "..", in /u/<username>/), and letters nobody sees."""
    if not value.strip("."):
        raise ValidationError(
            "A username made only of dots would be a folder in its web address: add a letter.",
            code="dots",
        )
    if any(c in FILLERS for c in value):
        raise ValidationError(INVISIBLE, code="invisible")
