/* The lookup page without a reload: ask GET /api/lookup/ and fill the same markup the server renders.
   Without JavaScript (or fetch) the form simply posts to the page. No framework, no dependencies. */
(function () {
  "use strict";
  var form = document.getElementById("lookup-form");
  if (!form || !window.fetch || !window.JSON) return;
  var message = document.getElementById("lookup-message");
  var result = document.getElementById("lookup-result");
  var button = form.querySelector("button[type=submit]");

  function pick(data, path) {
    return path.split(".").reduce(function (value, key) { return value == null ? value : value[key]; }, data);
  }

  function moment(iso) {  // the API answers in Asia/Ho_Chi_Minh: "2026-03-05T09:00:00+07:00" -> "09:00, 05/03/2026"
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
    return m ? m[4] + ":" + m[5] + ", " + m[3] + "/" + m[2] + "/" + m[1] : "—";
  }

  var summary = document.getElementById("lookup-summary");

  function showErrors(fields) {
    fields = fields || {};
    var any = false;
    form.querySelectorAll("[data-error-for]").forEach(function (slot) {
      var names = slot.getAttribute("data-error-for").split(" ");
      var messages = [];
      names.forEach(function (name) {
        (fields[name] || []).forEach(function (text) { if (messages.indexOf(text) < 0) messages.push(text); });
        var input = form.elements[name];
        if (fields[name]) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
      });
      slot.textContent = messages.join(" ");
      slot.hidden = messages.length === 0;
      any = any || messages.length > 0;
      // the summary at the top links to the first field of the slot; the group gets the error border
      var item = summary && summary.querySelector("[data-summary-for='" + names[0] + "']");
      if (item) {
        item.querySelector("a").textContent = slot.textContent;
        item.hidden = slot.hidden;
      }
      var group = form.querySelector("[data-group-for='" + names.join(" ") + "']");
      if (group) group.classList.toggle("form-group-error", messages.length > 0);
    });
    if (summary) {
      summary.hidden = !any;
      if (any) summary.focus();
    }
    return any;
  }

  function fail(text) {
    result.hidden = true;
    message.textContent = text;
    message.hidden = false;
  }

  function show(data) {
    message.hidden = true;
    result.querySelectorAll("[data-field]").forEach(function (el) {
      var value = pick(data, el.getAttribute("data-field"));
      if (el.getAttribute("data-kind") === "datetime") el.textContent = moment(value);
      else el.textContent = value == null || value === "" ? "—" : String(value);
    });
    result.querySelectorAll("[data-optional]").forEach(function (el) {
      el.hidden = !pick(data, el.getAttribute("data-optional"));
    });
    result.hidden = false;
    result.focus();
  }

  function lookup() {
    var query = {};
    ["code", "id_number", "phone"].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) query[name] = value;
    });
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    // POST: the ID number and the phone travel in the body, never in a URL (history, access logs)
    fetch(form.getAttribute("data-api"), {
      method: "POST",
      headers: {
        Accept: "application/json",
        "Accept-Language": document.documentElement.lang || "vi",
        "Content-Type": "application/json"
      },
      body: JSON.stringify(query),
      credentials: "same-origin",  // the language cookie; the lookup itself needs no login
      cache: "no-store"
    })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (answer) {
        var invalid = showErrors(answer.body.fields);
        if (answer.status === 200) show(answer.body);
        else if (invalid) { result.hidden = true; message.hidden = true; }
        else fail(answer.body.detail || form.getAttribute("data-error-network"));
      })
      .catch(function () {  // network failure: say so, with a "Thử lại" button
        showErrors({});
        result.hidden = true;
        if (window.Portal) window.Portal.failure(message, form.getAttribute("data-error-network"), lookup);
        else fail(form.getAttribute("data-error-network"));
      })
      .then(function () {
        button.disabled = false;
        form.removeAttribute("aria-busy");
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    lookup();
  });
})();
