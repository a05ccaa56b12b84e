// Marks the page as scripted (controls that only no-JS browsers need hide themselves), and is the
// one global place that tells the user when an htmx request failed, instead of nothing happening.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function say(text) {
    var flash = document.getElementById("flash");
    if (!flash) { return; }
    var p = document.createElement("p");
    p.className = "message error";
    p.textContent = text;
    flash.replaceChildren(p);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      say("Your session has expired or the page is out of date. Reload the page and try again.");
    } else if (status === 404) {
      say("That item no longer exists. Reload the page to see the current roadmap.");
    } else if (status === 400 || status === 413) {
      say("That request was not accepted: " + (event.detail.xhr.responseText || "invalid input").slice(0, 200));
    } else {
      say("Something went wrong on our side (error " + status + "). Your last change may not be saved; reload and try again.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    say("Could not reach the server. Check your connection; your last change was not saved.");
  });
})();
