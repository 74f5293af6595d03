/* Account forms: after a refused submit, move the focus to the error summary (GOV.UK habit) so that keyboard and
   screen-reader users start from the list of what to fix; its links then move to each field. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary && typeof summary.focus === "function") {
    summary.focus();
  }
})();
