/* Evidence KB reader: citation preview cards and the audience switch.
 *
 * Loaded on every page (after Material's bundle). Everything is built from
 * what the page already contains (the reference list, the audience
 * passages), so nothing in an article needs inline script or event
 * handlers, and the page stays complete without JavaScript: citation
 * numbers are plain links to the reference list, and both audience versions
 * show, labelled.
 *
 * Material's instant navigation swaps the page content without a reload:
 * `document$` emits on every page change, and we set the page up again.
 */
(function () {
  "use strict";

  var AUDIENCES = ["clinician", "patient"];
  var DEFAULT_AUDIENCE = "clinician";
  var STORAGE_KEY = "ekb.audience";
  var LABELS = { clinician: "Clinician", patient: "Patient or caregiver" };

  /* ---------- audience ---------- */

  function storedAudience() {
    try {
      var value = window.localStorage.getItem(STORAGE_KEY);
      return AUDIENCES.indexOf(value) >= 0 ? value : null;
    } catch (e) {
      return null; // storage disabled: the choice lasts for this page only
    }
  }

  function storeAudience(value) {
    try {
      window.localStorage.setItem(STORAGE_KEY, value);
    } catch (e) {
      /* ignore */
    }
  }

  function urlAudience() {
    var value = new URLSearchParams(window.location.search).get("audience");
    return AUDIENCES.indexOf(value) >= 0 ? value : null;
  }

  // A deep link (?audience=patient) wins and is remembered, so the next
  // article the reader opens keeps the version they were sent.
  function currentAudience() {
    var linked = urlAudience();
    if (linked) {
      storeAudience(linked);
      return linked;
    }
    return storedAudience() || DEFAULT_AUDIENCE;
  }

  function applyAudience(value) {
    document.documentElement.setAttribute("data-ekb-audience", value);
    var inputs = document.querySelectorAll(".ekb-audience-switch input[name='ekb-audience']");
    Array.prototype.forEach.call(inputs, function (input) {
      input.checked = input.value === value;
    });
    var note = document.querySelector(".ekb-audience-switch__note");
    if (note) {
      // Passages of the article itself (not the disclaimer below it).
      var hasOwn = Array.prototype.some.call(
        document.querySelectorAll(".md-content .ekb-" + value),
        function (el) { return !el.closest(".ekb-after"); });
      if (value === "patient" && !hasOwn) {
        note.hidden = false;
        note.textContent = "This article has no plain-language version yet: it is written for clinicians.";
      } else {
        note.hidden = true;
        note.textContent = "";
      }
    }
  }

  function setAudience(value) {
    storeAudience(value);
    // Keep a deep link in the address bar truthful after a change.
    var url = new URL(window.location.href);
    if (url.searchParams.has("audience")) {
      url.searchParams.set("audience", value);
      window.history.replaceState(window.history.state, "", url.toString());
    }
    applyAudience(value);
  }

  function buildSwitch() {
    var box = document.createElement("fieldset");
    box.className = "ekb-audience-switch";
    var legend = document.createElement("legend");
    legend.textContent = "Which best describes you?";
    box.appendChild(legend);
    var options = document.createElement("div");
    options.className = "ekb-audience-switch__options";
    AUDIENCES.forEach(function (value) {
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "ekb-audience";
      input.value = value;
      input.addEventListener("change", function () {
        if (input.checked) setAudience(value);
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + LABELS[value]));
      options.appendChild(label);
    });
    box.appendChild(options);
    var note = document.createElement("p");
    note.className = "ekb-audience-switch__note";
    note.setAttribute("role", "status");
    note.hidden = true;
    box.appendChild(note);
    return box;
  }

  // The switch goes on article pages only (the after-content partial marks
  // them), right below the question.
  function setUpAudience() {
    var article = document.querySelector(".md-content [data-ekb-article]");
    var content = document.querySelector(".md-content .md-typeset");
    if (article && content && !content.querySelector(".ekb-audience-switch")) {
      var heading = content.querySelector("h1");
      var box = buildSwitch();
      if (heading) heading.insertAdjacentElement("afterend", box);
      else content.insertBefore(box, content.firstChild);
    }
    applyAudience(currentAudience());
  }

  /* ---------- citation preview cards ---------- */

  var openCard = null;
  var openLink = null;
  var hideTimer = null;

  function textOf(root, selector) {
    var el = root.querySelector(selector);
    return el ? el.textContent.trim() : "";
  }

  // One card per reference, built from the reference list entry itself.
  function span(className, text) {
    var el = document.createElement("span");
    el.className = className;
    el.textContent = text;
    return el;
  }

  function buildCard(entry, number) {
    var card = document.createElement("div");
    card.className = "ekb-card";
    card.id = "ekb-card-" + number;
    card.setAttribute("role", "tooltip");
    card.hidden = true;

    var head = document.createElement("p");
    head.className = "ekb-card__head";
    var kind = textOf(entry, ".ekb-ref__kind");
    if (kind) head.appendChild(span("ekb-ref__kind", kind));
    var year = entry.getAttribute("data-ekb-year");
    if (year) head.appendChild(span("ekb-card__year", year));
    head.appendChild(span("ekb-card__number", "Reference " + number));
    card.appendChild(head);

    var text = entry.querySelector(".ekb-ref__text");
    if (text) {
      var body = document.createElement("p");
      body.className = "ekb-card__text";
      body.innerHTML = text.innerHTML; // already-escaped HTML from our own page
      card.appendChild(body);
    }

    var foot = document.createElement("p");
    foot.className = "ekb-card__links";
    var links = entry.querySelectorAll(".ekb-ref__links a");
    Array.prototype.forEach.call(links, function (a) {
      var copy = document.createElement("a");
      copy.href = a.href;
      copy.rel = "noopener";
      copy.textContent = a.textContent;
      foot.appendChild(copy);
    });
    var jump = document.createElement("a");
    jump.href = "#" + entry.id;
    jump.className = "ekb-card__jump";
    jump.textContent = "Go to reference " + number;
    jump.addEventListener("click", function (event) {
      hideCard();
      jumpTo(event, "#" + entry.id);
    });
    foot.appendChild(jump);
    card.appendChild(foot);

    card.addEventListener("mouseenter", cancelHide);
    card.addEventListener("mouseleave", scheduleHide);
    return card;
  }

  function place(card, link) {
    var rect = link.getBoundingClientRect();
    var margin = 8;
    var width = Math.min(card.offsetWidth, document.documentElement.clientWidth - 2 * margin);
    var left = rect.left + window.scrollX + rect.width / 2 - width / 2;
    left = Math.max(window.scrollX + margin,
      Math.min(left, window.scrollX + document.documentElement.clientWidth - width - margin));
    var top = rect.bottom + window.scrollY + 6;
    // Open above the number when there is no room below.
    if (rect.bottom + card.offsetHeight + 12 > window.innerHeight && rect.top > card.offsetHeight + 12) {
      top = rect.top + window.scrollY - card.offsetHeight - 6;
    }
    card.style.left = left + "px";
    card.style.top = top + "px";
  }

  function showCard(link) {
    cancelHide();
    var card = document.getElementById(link.getAttribute("aria-describedby"));
    if (!card) return;
    if (openCard) hideCard();
    card.hidden = false;
    place(card, link);
    link.classList.add("ekb-cite__link--open");
    openCard = card;
    openLink = link;
  }

  function hideCard() {
    cancelHide();
    if (openCard) openCard.hidden = true;
    if (openLink) openLink.classList.remove("ekb-cite__link--open");
    openCard = null;
    openLink = null;
  }

  function scheduleHide() {
    cancelHide();
    hideTimer = window.setTimeout(hideCard, 250);
  }

  function cancelHide() {
    if (hideTimer !== null) window.clearTimeout(hideTimer);
    hideTimer = null;
  }

  // Jumps between a citation and its entry are plain fragment navigation,
  // done here: Material's instant navigation (with navigation.tracking)
  // intercepts same-page link clicks and drops one made just after a scroll.
  function jumpTo(event, hash) {
    var target = document.getElementById(decodeURIComponent(hash.slice(1)));
    if (!target) return;
    event.preventDefault();
    event.stopPropagation();
    if (window.location.hash === hash) target.scrollIntoView();
    else window.location.hash = hash;
  }

  function setUpCitations() {
    openCard = null;
    openLink = null;
    var content = document.querySelector(".md-content .md-typeset");
    if (!content) return;
    var links = content.querySelectorAll("sup.ekb-cite a.ekb-cite__link");
    if (!links.length) return;
    var cards = document.createElement("div");
    cards.className = "ekb-cards";
    var built = {};
    Array.prototype.forEach.call(links, function (link) {
      var number = link.getAttribute("data-ekb-ref");
      var entry = document.getElementById("ref-" + number);
      if (!entry) return;
      if (!built[number]) {
        built[number] = buildCard(entry, number);
        cards.appendChild(built[number]);
      }
      // Screen readers announce the card as the link's description.
      link.setAttribute("aria-describedby", built[number].id);
      var touched = false;
      var wasOpen = false;
      link.addEventListener("mouseenter", function () { showCard(link); });
      link.addEventListener("mouseleave", scheduleHide);
      link.addEventListener("focus", function () { showCard(link); });
      link.addEventListener("blur", function (event) {
        var card = built[number];
        if (!card.contains(event.relatedTarget)) scheduleHide();
      });
      link.addEventListener("pointerdown", function (event) {
        touched = event.pointerType === "touch" || event.pointerType === "pen";
        // Touch also fires mouseenter before click: remember what was open
        // before this tap began.
        wasOpen = openLink === link;
      });
      // On touch there is no hover: the first tap shows the card, whose
      // "Go to reference" link (or a second tap) jumps to the entry.
      link.addEventListener("click", function (event) {
        if (touched && !wasOpen) {
          // Material's instant navigation also handles clicks on links:
          // keep this tap to ourselves.
          event.preventDefault();
          event.stopPropagation();
          showCard(link);
        } else {
          hideCard();
          jumpTo(event, "#ref-" + number);
        }
        touched = false;
      });
    });
    // The entries' links back to their citations.
    Array.prototype.forEach.call(content.querySelectorAll(".ekb-ref__back a"), function (back) {
      back.addEventListener("click", function (event) {
        jumpTo(event, back.hash);
      });
    });
    content.appendChild(cards);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && openCard) hideCard();
  });
  document.addEventListener("click", function (event) {
    if (openCard && !openCard.contains(event.target) &&
        !(openLink && openLink.contains(event.target))) {
      hideCard();
    }
  });

  /* ---------- wiring ---------- */

  // Material's search dialog has no accessible name (axe: aria-dialog-name).
  function nameSearchDialog() {
    var dialog = document.querySelector(".md-search[role='dialog']");
    if (dialog && !dialog.hasAttribute("aria-label") && !dialog.hasAttribute("aria-labelledby")) {
      dialog.setAttribute("aria-label", "Search");
    }
  }

  function setUp() {
    nameSearchDialog();
    setUpAudience();
    setUpCitations();
  }

  // Apply the audience before first paint where possible (no flash of the
  // other version), then wire the page.
  document.documentElement.setAttribute("data-ekb-audience", currentAudience());
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setUp);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
