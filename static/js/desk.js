/* The desk: "In phiếu" prints the slip shown in the page's frame (without a script the link opens the slip, which
   has its own print button); the first error of a refused action gets the focus. */
(function () {
  "use strict";
  var print = document.querySelector(".desk-print");
  if (print) {
    print.addEventListener("click", function (event) {
      var frame = document.getElementById(print.getAttribute("data-frame"));
      if (!frame || !frame.contentWindow) return;
      event.preventDefault();
      frame.contentWindow.focus();
      frame.contentWindow.print();
    });
  }
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
