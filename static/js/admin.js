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
