// Accessible names for what the admin's own scripts add to a page after it has loaded, so that every field
// has a name a screen reader reads out (WCAG 1.3.1, 4.1.2): the autocomplete fields (Select2) and the
// «filter» boxes of the two-list multi-select (SelectFilter2). Both are built, and rebuilt, by Django's admin
// scripts (on load, and when an inline row is added), so a MutationObserver names them whenever they appear.
"use strict";
(function () {
  function labelFor(select) {
    const label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (!label) return null;
    if (!label.id) label.id = select.id + "-label";
    return label;
  }

  function nameSelect2(select) {
    const container = select.nextElementSibling;
    if (!container || !container.classList.contains("select2")) return;
    const label = labelFor(select);
    const name = label ? label.textContent.replace(/[:*]\s*$/, "").trim() : select.getAttribute("aria-label");
    if (!name) return;
    // A single choice: the combobox is named by its rendered value only, which is empty before a choice.
    const combobox = container.querySelector(".select2-selection--single[role=combobox]");
    if (combobox && label) {
      const rendered = combobox.getAttribute("aria-labelledby") || "";
      if (!rendered.split(" ").includes(label.id)) {
        combobox.setAttribute("aria-labelledby", (label.id + " " + rendered).trim());
      }
    }
    // Its read-only box that shows the choice is a textbox too, named by the field's label; its own content
    // is the value, which the combobox above reads after the label.
    const rendered = container.querySelector(".select2-selection__rendered[role=textbox]");
    if (rendered && label && !rendered.hasAttribute("aria-labelledby")) {
      rendered.setAttribute("aria-labelledby", label.id);
    }
    // Several choices: the text box to search in.
    for (const search of container.querySelectorAll("input.select2-search__field:not([aria-label])")) {
      search.setAttribute("aria-label", name);
    }
  }

  function nameAll() {
    document.querySelectorAll("select.select2-hidden-accessible").forEach(nameSelect2);
    // The filter box's label holds only an icon, whose aria-label is its text; a span may carry one as an image.
    document.querySelectorAll("span.search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  let queued = false;
  new MutationObserver(function () {
    if (queued) return;
    queued = true;
    queueMicrotask(function () {
      queued = false;
      nameAll();
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", nameAll);
})();
