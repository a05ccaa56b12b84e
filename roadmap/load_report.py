"""What loading the roadmap's file changed, as `load_roadmap` says it (roadmap/content.py)."""

from dataclasses import dataclass, field

from django.template.defaultfilters import pluralize

KINDS = ("tracks", "sections", "milestones")


@dataclass
class LoadReport:
    created: dict = field(default_factory=lambda: {kind: [] for kind in KINDS})
    updated: dict = field(default_factory=lambda: {kind: [] for kind in KINDS})
    restored: list = field(default_factory=list)  # archived milestones the file lists again
    reordered: list = field(default_factory=list)  # "tracks" and "sections", when they were
    reordered_in: list = field(default_factory=list)  # sections whose milestones were
    renumbered: bool = False  # positions written anew, in the same order: no news
    archived: list = field(default_factory=list)
    unlisted: list = field(default_factory=list)  # tracks the file doesn't name, kept
    unlisted_sections: list = field(default_factory=list)  # sections it doesn't name, kept
    held: dict = field(default_factory=dict)  # archived slug -> learners who ticked or started it
    alike: list = field(default_factory=list)  # (archived slug held, new slug with its title)
    dry_run: bool = False  # said of a load rolled back: nothing was saved

    def note(self, change, kind, slug):
        """Count `slug` of `kind` (tracks, sections, milestones) as the changes _upsert says."""
        for said in change:
            if said == "restored":
                self.restored.append(slug)
            elif said == "moved":
                self.renumbered = True
            else:
                getattr(self, said)[kind].append(slug)

    @property
    def changed(self):
        return (
            any(self.created.values())
            or any(self.updated.values())
            or any((self.restored, self.renumbered, self.archived))
        )

    def lines(self):
        if said := list(self.changes()):
            yield from said
        elif self.renumbered:
            yield "Nothing changed but the numbers of some positions, in the same order."
        else:
            yield "Nothing to change: the database already matches the file."

    def changes(self):
        for verb, groups in (("Created", self.created), ("Updated", self.updated)):
            for kind, slugs in groups.items():
                if slugs:
                    kind = kind if len(slugs) > 1 else kind.removesuffix("s")
                    yield f"{verb} {len(slugs)} {kind}: {', '.join(slugs)}"
        if count := len(self.restored):
            back = ", ".join(self.restored)
            yield f"Put {count} archived milestone{pluralize(count)} on the roadmap: {back}"
        yield from self.order_lines()
        if count := len(self.archived):
            yield f"Archived {count} milestone{pluralize(count)}: {', '.join(self.archived)}"
        yield from self.held_lines()
        if count := len(self.unlisted):
            yield (
                f"Kept {count} track{pluralize(count)} the file doesn't list, after its tracks "
                f"(delete {pluralize(count, 'it,them')} in the admin once nobody follows "
                f"{pluralize(count, 'it,them')}): {', '.join(self.unlisted)}"
            )
        if count := len(self.unlisted_sections):
            yield (
                f"Kept {count} section{pluralize(count)} the file doesn't list, with no "
                f"milestone on the roadmap now: {', '.join(self.unlisted_sections)}"
            )

    def order_lines(self):
        for kind in self.reordered:
            yield f"Changed the order of the {kind}"
        if count := len(self.reordered_in):
            yield (
                f"Changed the order of the milestones in {count} section{pluralize(count)}: "
                + ", ".join(self.reordered_in)
            )

    def held_lines(self):
        if count := len(self.held):
            held = ", ".join(f"{slug} ({n} learner{pluralize(n)})" for slug, n in self.held.items())
            again = pluralize(count, "it under its slug,them under their slugs")
            kept = f"Learners' progress is kept on {count} of them, counting once the file lists"
            yield f"{kept} {again} again: {held}"
        for old, new in self.alike:
            rename = (
                f"The new {new} has the title of the archived {old}: if the file renamed its "
                f"slug, give it back {old} (a slug is fixed once saved)"
            )
            if self.dry_run:
                yield f"{rename} before loading the file, for its learners' progress to count."
            else:
                yield (
                    f"{rename} and load the file again, for its learners' progress to count. "
                    "`load_roadmap --dry-run` shows this before anything is saved."
                )
