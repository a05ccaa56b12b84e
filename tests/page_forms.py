"""What a browser sends of an admin page's form."""

import re
from html.parser import HTMLParser


class PageForm(HTMLParser):
    """What a browser posts of a page's form (`form_id`): its inputs, text areas and selects,
    without the disabled, the unticked or the buttons."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data, self.field = form_id, False, {}, None
        self.textarea = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if tag == "option" and "selected" in attrs and self.field:
            self.data[self.field] = attrs.get("value", "")
        if not self.inside or "disabled" in attrs or not attrs.get("name"):
            return
        kind = attrs.get("type", "text")
        if tag == "input" and kind not in ("submit", "button", "checkbox", "radio"):
            self.data[attrs["name"]] = attrs.get("value", "")
        elif tag == "input" and "checked" in attrs:
            self.data[attrs["name"]] = attrs.get("value", "on")
        elif tag in ("textarea", "select"):
            self.field, self.textarea = attrs["name"], tag == "textarea"
            self.data[self.field] = ""

    def handle_endtag(self, tag):
        if tag in ("textarea", "select"):
            self.field = None
        if tag == "form":
            self.inside = False

    def handle_data(self, data):
        if self.field and self.textarea and not self.data[self.field]:
            self.data[self.field] = data.removeprefix("\n")  # a text area's first line break


def as_the_page_sends(client, url, form_id):
    """With every line break as CR LF, in a hidden field's value too, as a browser sends it."""
    parser = PageForm(form_id)
    parser.feed(client.get(url).text)
    return {name: re.sub(r"\r\n|\r|\n", "\r\n", value) for name, value in parser.data.items()}
