// Marks the page as scripted (controls only no-JS browsers need hide themselves), gives sign-up
// the browser's time zone, makes the keyboard work on the tick checkboxes, keeps focus where the
// user was after a swap, keeps the plan's fields true to the server's answer, copies a badge's
// Markdown, and is the one place that says when an htmx request failed (and undoes its tick).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // An error stays in sight at the top of the window, wherever the learner is on the page,
  // until their next request, which also empties the area of any other message (what a follow
  // said: an unrelated change later left it standing, as if it were about that change). Not the
  // page's own refresh after a tick: a tick refused while another was being saved was undone
  // without a word. An error is said at once (assertive); its Dismiss button sits beside the
  // live region, not in it, where it was read out as the message's last word.
  function clear(flash) {
    document.documentElement.style.scrollPaddingTop = "";
    flash.classList.remove("pinned");
    flash.setAttribute("aria-live", "polite");
    flash.replaceChildren();
    var close = flash.parentElement.querySelector(".dismiss");
    if (close) { close.remove(); }
  }
  function say(text) {
    var flash = document.getElementById("flash");
    if (!flash) { return; }
    clear(flash);
    var p = document.createElement("p");
    p.className = "message error";
    // The button's place in the text, which wraps round it (on a narrow window, under it).
    var room = document.createElement("span");
    room.className = "dismiss-room";
    p.append(room, text);
    // Read, it can go: the button closes it and gives focus back to the control in use.
    var active = document.activeElement;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "secondary dismiss";
    close.textContent = "Dismiss";
    close.setAttribute("aria-label", "Dismiss this message");
    close.addEventListener("click", function () {
      clear(flash);
      if (active && active !== document.body && active.isConnected) { active.focus(); }
    });
    flash.setAttribute("aria-live", "assertive");
    flash.replaceChildren(p);
    flash.after(close);
    pin(flash, active !== document.body && active);
  }
  // Kept in sight at the top of the window, with what the learner was at below it: the page's
  // scroll padding makes room for it, as tall as it is on this window (a control the keyboard
  // reaches later is scrolled to below it too). Not on a window too low for it (400 % zoom):
  // there it would hide most of the page (an error is said all the same).
  function pin(flash, below) {
    if (!window.matchMedia("(min-height: 30rem)").matches) { return; }  // as app.css's rule
    flash.classList.add("pinned");
    var height = flash.parentElement.getBoundingClientRect().height;
    document.documentElement.style.scrollPaddingTop = Math.ceil(height) + 8 + "px";
    if (below) { below.scrollIntoView({block: "nearest"}); }
  }
  // A plain form's save (the note's own page) that came back to the page at its milestone says
  // what it did in sight above it, as without JavaScript, until the next request.
  var said = document.getElementById("flash");
  var message = said && said.querySelector(".message");
  if (message && location.hash.length > 1) {
    pin(said, document.getElementById(location.hash.slice(1)));
    // Focus stays where the page opened (a milestone, a dashboard card): what it says is read
    // out from the live region, given again once the page has loaded (arrived with it, it is
    // not read).
    window.addEventListener("load", function () {
      setTimeout(function () {
        if (!message.isConnected) { return; }  // gone with the next request
        var messages = Array.prototype.map.call(said.childNodes, function (node) {
          return node.cloneNode(true);
        });
        said.replaceChildren.apply(said, messages);
      }, 500);
    });
  } else if (message && !document.querySelector("[autofocus]")) {
    // Elsewhere (a profile saved, a file imported), it is where focus starts: a live region
    // that arrives filled is not read out, and the page's title doesn't say it.
    message.tabIndex = -1;
    message.focus();
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var flash = document.getElementById("flash");
    var cause = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (cause && cause.type === "progress-changed") { return; }
    if (flash && flash.hasChildNodes()) { clear(flash); }
    // So does what the last step said in a card ("You now follow …", "Target date cleared."),
    // or at the milestone it ticked ("ML Engineer now 12 %").
    document.querySelectorAll(".message.said, .tick-said").forEach(function (message) {
      message.remove();
    });
  });

  // A tick that wasn't saved is undone: the form goes back to the state the server sent.
  function undo(event) {
    var elt = event.detail.elt;
    var form = elt && elt.closest && elt.closest("form.status");
    if (form) { form.reset(); }
  }

  // Sign-up takes the browser's time zone: the days and weeks the learner reads follow it.
  var mine = (window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone) || "";
  var zone = document.querySelector("input[type=hidden][name=time_zone]");
  if (zone && !zone.value) {
    zone.value = mine;
  }

  // On the site's zone (none chosen), the browser's is offered: by its name now (not Asia/Calcutta).
  var choice = document.querySelector("select[name=time_zone][data-site-zone]");
  if (choice && !choice.querySelector("option[value='" + CSS.escape(mine) + "']")) { mine = JSON.parse(choice.dataset.otherNames || "{}")[mine] || mine; }
  var offered = choice && mine && !choice.value && choice.querySelector("option[value='" + CSS.escape(mine) + "']");
  if (offered && mine !== choice.dataset.siteZone) {
    var offer = document.createElement("button");
    offer.type = "button";
    offer.className = "link";
    offer.textContent = "Use your browser’s time zone: " + offered.textContent;
    offer.addEventListener("click", function () {
      choice.value = mine;
      offer.remove();
      choice.focus();
    });
    var line = document.createElement("p");
    line.append(offer);
    choice.after(line);
  }

  // Enter on a milestone's checkbox ticks it, as Space does, instead of submitting the form.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key === "Enter" && box.matches && box.matches("form.status input[type=checkbox]")) {
      event.preventDefault();
      box.click();
    }
  });

  // While a tick is saving, its milestone's controls wait, and say so (aria-disabled keeps focus,
  // disabled drops it): a second click, queued by htmx on the form the answer replaced, was lost.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("form.status.htmx-request")) { event.preventDefault(); }
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var controls = event.detail.elt.matches("form.status") ? event.detail.elt.querySelectorAll("input:not([type=hidden]), button") : [];
    controls.forEach(function (control) { control.setAttribute("aria-disabled", "true"); });
    event.detail.elt.addEventListener("htmx:afterRequest", function () {  // refused: it stays
      controls.forEach(function (control) { control.removeAttribute("aria-disabled"); });
    }, {once: true});
  });

  // Escape in the note editor cancels it, as its Cancel link does (not one that closes an input
  // method's list of characters). Not on the note's own page: there Cancel leaves the page.
  document.addEventListener("keydown", function (event) {
    var form = event.key === "Escape" && !event.isComposing && event.target.closest && event.target.closest(".details form");
    var cancel = form && !form.closest(".editor-page") && form.querySelector("a.cancel");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });

  // What was typed in a note's editor is thrown away only when the learner says so (an Escape
  // pressed by mistake lost it all): what differs from what the editor opened with, and all of
  // a note sent back refused or kept from before the session ended (data-unsaved).
  function unsaved(form) {
    return form.hasAttribute("data-unsaved") || Array.prototype.some.call(form.querySelectorAll("textarea, input[type=url]"), function (field) {
      return field.value !== field.defaultValue;
    });
  }
  var THROW_AWAY = "Throw away the changes to this note?";
  var letGo = new WeakSet();  // editors sent, or thrown away by the learner's choice
  // Cancel: caught on its way down, before htmx's own handler on the link.
  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest(".details form a.cancel");
    var form = cancel && cancel.closest("form");
    if (!form || !unsaved(form)) { return; }
    if (window.confirm(THROW_AWAY)) {
      letGo.add(form);  // Cancel on the note's own page leaves it: asked once is enough
    } else {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  // Leaving the page with a note typed and not sent (a link, closing the tab, or the login page
  // a tick goes to once the session has ended): the browser asks first. Not the editor's own
  // Save, with htmx or without; one whose request failed is the learner's again.
  document.addEventListener("submit", function (event) { letGo.add(event.target); }, true);
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) { letGo.delete(event.detail.elt); }
  });
  document.addEventListener("input", function (event) {  // typed in again: the learner's again
    var form = event.target.closest && event.target.closest(".details form");
    if (form) { letGo.delete(form); }
  });
  window.addEventListener("beforeunload", function (event) {
    var typed = Array.prototype.some.call(document.querySelectorAll(".details form"), function (form) {
      return !letGo.has(form) && unsaved(form);
    });
    if (typed) {
      event.preventDefault();
      event.returnValue = true;  // what older browsers need to ask
    }
  });
  // A focus link, Hide done or Dismiss: they redraw the roadmap's body, editors and all.
  document.addEventListener("htmx:confirm", function (event) {
    var target = event.detail.target;
    var editors = target && target.id === "roadmap-body" ? target.querySelectorAll(".details form") : [];
    if (Array.prototype.some.call(editors, unsaved) && !window.confirm(THROW_AWAY)) {
      event.preventDefault();
    }
  });

  // After the note form is saved or cancelled, focus goes back to that milestone's link.
  document.addEventListener("htmx:afterSettle", function (event) {
    var details = event.detail.elt;
    if (details.classList && details.classList.contains("details") && !details.querySelector("form")) {
      var link = details.querySelector(".edit-details");
      var active = document.activeElement;
      if (link && (!active || active === document.body || details.contains(active))) {
        link.focus();
      }
    }
  });

  // A tick's form comes back without the button pressed when the milestone was ticked
  // elsewhere (a done one has no in-progress button): focus goes to its checkbox.
  document.addEventListener("htmx:afterSettle", function (event) {
    var form = event.detail.elt;
    var active = document.activeElement;
    if (form.matches && form.matches("form.status") && (!active || active === document.body)) {
      var box = form.querySelector("input[type=checkbox]");
      if (box) { box.focus(); }
    }
  });

  // The note editor opens with the caret after the note, so that typing adds to it: in the
  // roadmap, and on the note's own page (where it is focused as the page loads).
  function caretAtEnd(note) {
    note.setSelectionRange(note.value.length, note.value.length);
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var note = document.activeElement;
    if (note && note.matches("textarea") && event.detail.elt.contains(note)) { caretAtEnd(note); }
  });
  var ownPage = document.querySelector("textarea[autofocus]");
  if (ownPage) { caretAtEnd(ownPage); }

  // A control that is gone after the roadmap's body is swapped (the news, once dismissed)
  // leaves focus where it was: on the focus link of the view shown; on the dashboard, whose
  // news alone goes, on the page's heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    var active = document.activeElement;
    if (active && active !== document.body) { return; }
    var id = event.detail.elt.id;
    var place = id === "roadmap-body" ? "#roadmap-body nav.focus [aria-current=page]"
      : id === "news" ? "h1[tabindex]" : null;
    var there = place && document.querySelector(place);
    if (there) { there.focus(); }
  });

  // The hours field sends itself once changed, but not a number sent already, by it or its
  // form: changed and submitted at once (Enter), its request repeated the submit's, and the plan
  // was read out twice (or not at all, the submit's answer dropped for it). Nor the form's
  // request while the field's, of the same hours, is on its way (the button clicked left the
  // field): it cancelled that one. An empty field sends itself too, unless hours are on their
  // way (it cancelled them, saved but not shown): the server changes nothing for it and its
  // status says how to remove the plan, which only a submit does (Enter: the field's request on
  // its way is replaced by the form's).
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var form = elt.closest && elt.closest("form.hours");
    var field = form && form.querySelector("input[name=hours_per_week]");
    if (!field) { return; }
    var same = field.dataset.sent === field.value;
    var sending = field.classList.contains("htmx-request");
    if (elt === field ? same || (sending && !field.value) : sending && same && field.value) {
      event.preventDefault();
    } else {
      field.dataset.sent = field.value;
    }
  });

  // What new hours did is said once they stop changing: each step of the arrows is saved at
  // once, but a plan read out for each (about 110 characters) was four plans for four presses.
  var planSaid;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var region = event.detail.target;
    if (region.id !== "plan-said") { return; }
    event.detail.shouldSwap = false;
    var text = event.detail.fragment.textContent.replace(/\s+/g, " ").trim();
    clearTimeout(planSaid);
    planSaid = setTimeout(function () { region.textContent = text; }, 600);
  });

  // The plan's fields say whether the server took them (htmx answers with the plan only): a
  // refused one is marked invalid, and a cleared target date empties its field and hides the
  // button that cleared it (focus goes to the field), which comes back with the next target.
  // New hours redraw every plan, without a date's refusal: its field, unless typed in since,
  // shows the date planned.
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;  // the form, or the hours field sending itself once changed
    var form = elt.closest && elt.closest("form.hours, form.target");
    if (!form || !event.detail.xhr || event.detail.xhr.status === 204) { return; }  // nothing changed
    var input = form.querySelector("input[type=number], input[type=date]");
    var refused = event.detail.xhr.status === 422;
    if (refused) {
      input.setAttribute("aria-invalid", "true");
      // Submitted: back to what to fix, scrolled into view (the message above moved it), which
      // reads the refusal as its description: not said again. Sent by the field as it was
      // left: the learner is elsewhere now, and the refusal is said.
      if (elt !== input && document.activeElement !== input) {
        clearTimeout(planSaid);
        input.focus();
      }
    } else {
      input.removeAttribute("aria-invalid");
    }
    var cause = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (event.detail.successful && cause && cause.submitter && cause.submitter.name === "clear") {
      input.value = "";
    }
    var clear = form.querySelector("button[name=clear]");
    if (clear && event.detail.successful && !refused) {  // a refused date changed nothing
      if (!input.value && document.activeElement === clear) { input.focus(); }
      clear.hidden = !input.value;
      input.defaultValue = input.value;  // the date planned now
    }
    var emptied = elt === input && !input.value;  // answered with the status alone
    if (form.matches(".hours") && !refused && !emptied) {  // (typing takes the invalid mark off: below)
      document.querySelectorAll("form.target input[aria-invalid]").forEach(function (date) {
        date.removeAttribute("aria-invalid");
        date.value = date.defaultValue;
        date.form.querySelector("button[name=clear]").hidden = !date.value;
      });
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches("form.target input[type=date]")) {
      event.target.removeAttribute("aria-invalid");
    }
  });

  // A Copy button beside a field to copy (a badge's Markdown), where the browser lets a page
  // write to the clipboard: it says it copied, on itself and to a screen reader.
  document.addEventListener("htmx:load", function (event) {
    if (!navigator.clipboard) { return; }
    event.detail.elt.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) { return; }
    var field = document.getElementById(button.dataset.copy);
    var word = button.querySelector(".copy-word");
    var what = button.querySelector(".visually-hidden").textContent;
    var said = document.getElementById("copy-said");
    navigator.clipboard.writeText(field.value).then(function () {
      word.textContent = "Copied";
      said.textContent = "Copied" + what + ".";
      window.clearTimeout(button.copiedTimer);
      button.copiedTimer = window.setTimeout(function () { word.textContent = "Copy"; }, 4000);
    }, function () {  // not allowed after all: selected, for the learner to copy
      field.focus();
      field.select();
      said.textContent = "Not copied: the Markdown is selected, to copy with your keyboard.";
    });
  });

  // Sent on to the login page (the session ended): if the learner stays (a note typed on the
  // page), the change stands undone and said, as the login page would say it.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Redirect")) {
      undo(event);
      if (xhr.responseText) { say(xhr.responseText.slice(0, 300)); }
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    undo(event);
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    var text = xhr && /^text\/plain/.test(xhr.getResponseHeader("Content-Type") || "") ? xhr.responseText.slice(0, 300) : "";
    if (status === 403) {
      say("Your session has expired or the page is out of date. Reload the page and try again.");
    } else if (text) {
      say(text);
    } else if (status === 404) {
      say("That item no longer exists. Reload the page to see the current roadmap.");
    } else {
      say("Something went wrong on our side (error " + status + "). Your last change may not have been saved: reload the page to check.");
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    undo(event);
    say("Could not reach the server. Your last change may not have been saved: check your connection and reload the page to see.");
  });
})();
