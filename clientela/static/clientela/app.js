// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    // "/" jumps to the global search, as in most web apps.
    const tag = (event.target.tagName || "").toLowerCase();
    if (event.key === "/" && !["input", "textarea", "select"].includes(tag) && !event.target.isContentEditable) {
      const box = document.getElementById("global-search");
      if (box) { event.preventDefault(); box.focus(); }
    }
    if (event.key === "Escape") {
      const results = document.getElementById("search-results");
      if (results) results.innerHTML = "";
    }
  });

  document.addEventListener("change", function (event) {
    const el = event.target;
    if (el.matches("[data-select-all]")) {
      el.closest("table").querySelectorAll("tbody input[type=checkbox][name=ids]").forEach(function (box) {
        box.checked = el.checked;
      });
    }
    if (el.matches("[data-autosubmit]")) el.form.submit();
    if (el.id === "bulk-action") {
      // Offer only the values of the chosen field.
      const values = document.getElementById("bulk-value");
      let first = null;
      values.querySelectorAll("optgroup").forEach(function (group) {
        const match = group.getAttribute("data-field") === el.value;
        group.hidden = !match;
        group.disabled = !match;
        if (match && !first) first = group.querySelector("option");
      });
      values.hidden = !first;
      if (first) first.selected = true;
    }
  });

  // Toolbar buttons must not take the focus away from the note being written.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest("[data-cmd]")) event.preventDefault();
  });

  document.addEventListener("submit", function (event) {
    const message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    const add = event.target.closest("[data-add-row]");
    if (add) {
      const fieldset = add.closest("[data-formset]");
      const prefix = fieldset.getAttribute("data-formset");
      const total = fieldset.querySelector("input[name=" + prefix + "-TOTAL_FORMS]");
      const html = fieldset.querySelector("template").innerHTML.replace(/__prefix__/g, total.value);
      fieldset.querySelector(".inline-rows").insertAdjacentHTML("beforeend", html);
      total.value = String(Number(total.value) + 1);
      if (window.htmx) window.htmx.process(fieldset);
      const first = fieldset.querySelector(".inline-row:last-child input:not([type=hidden])");
      if (first) first.focus();
    }
    const tool = event.target.closest("[data-cmd]");
    if (tool) {
      const command = tool.getAttribute("data-cmd");
      let value = null;
      if (command === "createLink") {
        value = window.prompt(tool.getAttribute("data-prompt") || "URL", "https://");
        if (!value) return;
      }
      const editor = document.getElementById(tool.closest("[data-rich-toolbar]").dataset.richToolbar);
      if (editor) editor.focus();
      document.execCommand(command, false, value);
      if (editor) editor.dispatchEvent(new Event("input"));
    }
  });

  // Rich-text notes: a contenteditable box mirrors into the real <textarea>, which the server sanitizes.
  function enhanceEditors(root) {
    root.querySelectorAll("[data-rich-for]").forEach(function (editor) {
      const source = document.getElementById(editor.getAttribute("data-rich-for"));
      if (!source || editor.dataset.ready) return;
      editor.dataset.ready = "1";
      source.hidden = true;
      editor.classList.add("active");
      editor.closest("form").querySelector("[data-rich-toolbar]").classList.add("active");
      editor.addEventListener("input", function () { source.value = editor.innerHTML; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhanceEditors(document); });
})();

// Picklists: colour swatches (set through the CSSOM, which the CSP allows) and dependent selects,
// which offer only the options allowed for the controlling field's value (the server checks it too).
(function () {
  "use strict";

  function paintSwatches(root) {
    root.querySelectorAll(".swatch[data-color]").forEach(function (swatch) {
      const color = swatch.getAttribute("data-color");
      if (/^#[0-9a-fA-F]{6}$/.test(color)) swatch.style.backgroundColor = color;
    });
  }

  function filterDependent(select, keepChosen) {
    const form = select.form;
    const controller = form && form.elements.namedItem(select.getAttribute("data-controlled-by"));
    if (!controller) return;
    let options;
    try { options = JSON.parse(select.getAttribute("data-options") || "[]"); } catch (e) { return; }
    const control = controller.value;
    const chosen = select.value;
    const blank = select.querySelector("option[value='']");
    select.replaceChildren();
    if (blank) select.appendChild(blank);
    options.forEach(function (option) {
      const allowed = !option.when.length || option.when.indexOf(control) !== -1;
      if (!allowed && !(keepChosen && option.value === chosen)) return;  // an old record keeps its value
      const el = document.createElement("option");
      el.value = option.value;
      el.textContent = option.label;
      el.selected = option.value === chosen;
      select.appendChild(el);
    });
    if (select.value !== chosen && blank) blank.selected = true;
  }

  function enhancePicklists(root) {
    paintSwatches(root);
    root.querySelectorAll("select[data-controlled-by]").forEach(function (select) { filterDependent(select, true); });
  }

  document.addEventListener("change", function (event) {
    const el = event.target;
    if (!el.form || !el.name) return;
    el.form.querySelectorAll("select[data-controlled-by]").forEach(function (select) {
      if (select.getAttribute("data-controlled-by") === el.name) filterDependent(select, false);
    });
  });
  document.addEventListener("DOMContentLoaded", function () { enhancePicklists(document); });
  document.addEventListener("htmx:load", function (event) { enhancePicklists(event.target); });
})();
