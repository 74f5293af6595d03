/* The catalogue (/thu-tuc/): results and filter counts follow the search box and the filters as people type.
   Without JavaScript the form is a plain GET form; here the same page answers ?partial=1 with the two changing
   parts as HTML (Portal.api), the previous request is aborted, the URL follows (history.replaceState), and a failed
   request shows Portal.failure with a retry while the list already on screen stays. */
(function () {
  "use strict";
  var form = document.getElementById("catalogue-form");
  if (!form || !window.Portal || !window.fetch || !window.URLSearchParams) return;
  var results = document.getElementById("catalogue-results");
  var filters = document.getElementById("catalogue-filters");
  var panel = document.getElementById("filters");
  var controller = null;

  // The filter panel is folded on a phone (above the results); on a wide screen it stands open beside them.
  if (panel && window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) panel.open = true;

  function query(page) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) { if (value !== "") params.append(name, value); });
    if (page) params.set("page", page);
    return params;
  }

  function showFailure(detail, again) {
    var box = results.querySelector("[data-failure]");
    if (!box) return;
    box.setAttribute("role", "alert");
    window.Portal.failure(box, detail, again);
  }

  function load(page) {
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    var params = query(page);
    params.set("partial", "1");
    form.setAttribute("aria-busy", "true");
    window.Portal.api(form.getAttribute("data-api") + "?" + params.toString(), { signal: controller && controller.signal })
      .then(function (data) {
        form.removeAttribute("aria-busy");
        results.innerHTML = data.results;
        filters.innerHTML = data.filters;
        window.history.replaceState(null, "", data.url);
      }, function (error) {
        if (error.status === -1) return; // aborted by a newer request
        form.removeAttribute("aria-busy");
        showFailure(error.detail, function () { load(page); });
      });
  }

  var typed = window.Portal.debounce(function () { load(); }, 300);
  form.querySelector("#q").addEventListener("input", typed);
  form.addEventListener("change", function (event) { if (event.target.type === "radio") load(); });
  form.addEventListener("submit", function (event) { event.preventDefault(); load(); });
  results.addEventListener("click", function (event) {
    var link = event.target.closest(".pagination a");
    if (!link) return;
    event.preventDefault();
    var page = new URL(link.href, window.location.href).searchParams.get("page");
    load(page);
    results.scrollIntoView();
  });
})();
