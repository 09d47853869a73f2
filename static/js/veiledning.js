// After a failed submit the error summary takes the focus, so that a keyboard or screen-reader user starts
// at the list of what to fix instead of at the top of the page. Its links put the focus in the field they
// name: following a link to #id only scrolls there, and the next Tab would start from the link's target
// without being in it.
const summary = document.getElementById("feiloppsummering");
if (summary) {
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  });
}
