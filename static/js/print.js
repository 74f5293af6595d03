/* The printable slips' "In phiếu" / "In tất cả" button ([data-print]) prints the page. A file of its own: the slips'
   Content-Security-Policy runs no inline script (dossiers/slips/render.py). */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i += 1) {
    buttons[i].addEventListener("click", function () {
      window.print();
    });
  }
})();
