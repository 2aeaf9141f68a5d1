/* arxiv-digest: the search box and the topic and category filters of a list page.
 *
 * Vanilla JavaScript, no dependency, no request but this site's own files. Every paper is an element with
 * data-arxiv-id; its topics are in data-topics (slugs) or are its section's (data-topic), its categories
 * are its .cat elements, its facts (issue #10) data-code, data-venue (the venue's name) and data-workshop,
 * which the "has code" box and the venue filter read (any venue, workshops, or one venue). Typing in the
 * search box keeps
 * the papers whose title, authors and abstract hold every typed word. Pages that list papers without their
 * abstracts (the day pages) name a script holding them in data-search-data; it is loaded on first use.
 * Keys: "/" focuses the search box, Escape clears it. The state is kept in the URL's #fragment.
 */
(function () {
  "use strict";

  var extra = Object.create(null);
  var papers = [];
  var sections = [];
  var input, topicFilter, categoryFilter, venueFilter, codeFilter, output, abstracts, requested = false;

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function collect() {
    var nodes = document.querySelectorAll("[data-arxiv-id]");
    papers = [];
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var parts = el.querySelectorAll(".title, .authors, .abstract");
      var text = "";
      for (var j = 0; j < parts.length; j++) text += " " + parts[j].textContent;
      var section = el.closest("[data-topic]");
      var topics = el.hasAttribute("data-topics") ? el.getAttribute("data-topics").split(" ")
        : section ? [section.getAttribute("data-topic")] : [];
      var cats = [];
      var catNodes = el.querySelectorAll(".cat");
      for (var c = 0; c < catNodes.length; c++) cats.push(catNodes[c].textContent);
      papers.push({
        el: el, id: el.getAttribute("data-arxiv-id"), text: fold(text), topics: topics, cats: cats,
        code: el.hasAttribute("data-code"), venue: el.getAttribute("data-venue"),
        workshop: el.hasAttribute("data-workshop")
      });
    }
    sections = Array.prototype.slice.call(document.querySelectorAll(".topic-section"));
  }

  function apply() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    var topic = topicFilter ? topicFilter.value : "";
    var category = categoryFilter ? categoryFilter.value : "";
    var venue = venueFilter ? venueFilter.value : "";
    var code = codeFilter ? codeFilter.checked : false;
    var shown = Object.create(null), all = Object.create(null), count = 0, total = 0;
    for (var i = 0; i < papers.length; i++) {
      var p = papers[i];
      var text = p.text + (extra[p.id] || "");
      var ok = (!topic || p.topics.indexOf(topic) >= 0) && (!category || p.cats.indexOf(category) >= 0) &&
        (!code || p.code) && venueMatches(p, venue);
      for (var k = 0; ok && k < words.length; k++) ok = text.indexOf(words[k]) >= 0;
      p.el.hidden = !ok;
      if (!all[p.id]) { all[p.id] = true; total++; }
      if (ok && !shown[p.id]) { shown[p.id] = true; count++; }
    }
    var filtering = words.length > 0 || topic || category || venue || code;
    for (var s = 0; s < sections.length; s++) {
      var section = sections[s];
      var visible = section.querySelector("[data-arxiv-id]:not([hidden])");
      var other = topic && section.getAttribute("data-topic") !== topic;
      section.hidden = filtering ? (!visible || other) : false;
    }
    if (output) {
      var noun = total === 1 ? " paper" : " papers"; // "1 paper", never "1 papers" (issue #7)
      output.value = filtering ? count + " of " + total + noun + " shown" : total + noun;
    }
    remember(words.length ? input.value : "", topic, category, venue, code);
  }

  /* "" every paper; "any" a paper with a venue; "workshop" a workshop paper; "v:NAME" that venue. */
  function venueMatches(p, venue) {
    if (!venue) return true;
    if (venue === "any") return p.venue !== null;
    if (venue === "workshop") return p.workshop;
    return p.venue === venue.slice(2);
  }

  function remember(query, topic, category, venue, code) {
    var params = new URLSearchParams();
    if (query) params.set("q", query);
    if (topic) params.set("topic", topic);
    if (category) params.set("cat", category);
    if (venue) params.set("venue", venue);
    if (code) params.set("code", "1");
    var hash = params.toString();
    if (("#" + hash) !== location.hash && (hash || location.hash)) {
      history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
    }
  }

  function restore() {
    if (!location.hash || location.hash.indexOf("=") < 0) return;
    var params = new URLSearchParams(location.hash.slice(1));
    input.value = params.get("q") || "";
    select(topicFilter, params.get("topic"));
    select(categoryFilter, params.get("cat"));
    select(venueFilter, params.get("venue"));
    if (codeFilter) codeFilter.checked = params.get("code") === "1";
  }

  function select(element, value) {
    if (!element || !value) return;
    for (var i = 0; i < element.options.length; i++) {
      if (element.options[i].value === value) element.value = value;
    }
  }

  function loadSearchData() {
    var src = input.getAttribute("data-search-data");
    if (requested || !src) return;
    requested = true;
    var script = document.createElement("script");
    script.src = src;
    document.head.appendChild(script);
  }

  /* Called by a day's search-data script: arXiv id -> abstract text. */
  window.arxivDigestSearchData = function (data) {
    for (var id in data) {
      if (Object.prototype.hasOwnProperty.call(data, id)) extra[id] = " " + fold(data[id]);
    }
    if (input) apply();
  };

  function start() {
    document.documentElement.classList.add("js");
    input = document.getElementById("search");
    if (!input) return;
    topicFilter = document.getElementById("topic-filter");
    categoryFilter = document.getElementById("category-filter");
    venueFilter = document.getElementById("venue-filter");
    codeFilter = document.getElementById("code-filter");
    output = document.getElementById("shown");
    abstracts = document.getElementById("show-abstracts");
    collect();
    restore();
    input.addEventListener("input", function () { loadSearchData(); apply(); });
    input.addEventListener("focus", loadSearchData);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { input.value = ""; apply(); }
    });
    if (topicFilter) topicFilter.addEventListener("change", apply);
    if (categoryFilter) categoryFilter.addEventListener("change", apply);
    if (venueFilter) venueFilter.addEventListener("change", apply);
    if (codeFilter) codeFilter.addEventListener("change", apply);
    if (abstracts) {
      abstracts.addEventListener("change", function () {
        document.body.classList.toggle("hide-abstracts", !abstracts.checked);
      });
    }
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.tagName === "INPUT" || target.tagName === "SELECT" ||
        target.tagName === "TEXTAREA" || target.isContentEditable);
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        input.focus();
      }
    });
    if (input.value) loadSearchData();
    apply();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
