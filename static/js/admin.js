// A page's Save clicked twice (a double click) sent the page twice: what the first added (a
// resource, a weight), the second found there and refused, and that refusal was all the
// editor saw. A form is sent once; shown again from the history (Back), it can be sent again.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented) return; // held back by the admin's own scripts: not sent
  if (form.dataset.sent) event.preventDefault();
  else form.dataset.sent = "true";
});
window.addEventListener("pageshow", () => {
  for (const form of document.forms) delete form.dataset.sent;
});

// An inline's row added by "Add another …": its fields are named by their place ("Title, row
// 4", as the page's own rows are; every added row was "new row"), and the cursor goes to its
// first field (it stayed on the button, with the row before it, out of Tab's way). A row
// removed again: the rows after it are numbered anew, and the cursor goes back to the button
// (it fell to the page's top).
function nameByPlace(row) {
  const place = `row ${Number(row.id.split("-").pop()) + 1}`;
  for (const field of row.querySelectorAll("[aria-label]")) {
    const label = field.getAttribute("aria-label").replace(/, (new row|row \d+)$/, `, ${place}`);
    field.setAttribute("aria-label", label);
  }
  // Named by its table too: a milestone's page has two ("Add another Resource", "… Track membership").
  const prefix = row.id.slice(0, row.id.lastIndexOf("-"));
  const add = document.querySelector(`#${prefix}-group .add-row a`);
  const what = add ? add.textContent.replace(/^Add another /, "") + ", " : "";
  row.querySelector(".inline-deletelink")?.setAttribute("aria-label", `Remove ${what}${place}`);
}
// The page's blank rows get their Remove from Django's inlines.js in a jQuery ready handler,
// which runs in a timer that may come after the page's load event: named from a ready handler
// too, registered after the admin's (this script is deferred), so it runs after it.
window.django?.jQuery?.(() => {
  document.querySelectorAll("[id][class*='dynamic-']:not(.has_original)").forEach(nameByPlace);
});
document.addEventListener("formset:added", (event) => {
  nameByPlace(event.target);
  event.target.querySelector("input:not([type=hidden]), select, textarea")?.focus();
});
document.addEventListener("formset:removed", (event) => {
  const prefix = event.detail.formsetName;
  queueMicrotask(() => { // once Django has numbered the rows anew
    document.querySelectorAll(`.dynamic-${prefix}:not(.has_original)`).forEach(nameByPlace);
    document.querySelector(`#${prefix}-group .add-row a`)?.focus();
  });
});
