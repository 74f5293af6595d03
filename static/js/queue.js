/* The desk's queue: "select all" for the bulk actions (the checkboxes work one by one without it). */
(function () {
  "use strict";
  var all = document.querySelector(".desk-all");
  if (!all) return;
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".desk-pick input[type=checkbox]"));
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      all.checked = boxes.every(function (b) { return b.checked; });
    });
  });
})();
