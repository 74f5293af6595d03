/* Filing online (dossiers/views/filing.py): small enhancements of forms that work without JavaScript.
   - the centre list gets a filter box (with or without diacritics);
   - each document is uploaded as soon as it is picked (XMLHttpRequest, with a progress bar) and its error shown
     beside its field; the no-JavaScript form posts them all at once instead;
   - the submit button disables itself (the server files once whatever happens: the draft's idempotency key). */
(function (window, document) {
  "use strict";

  function fold(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").trim();
  }

  /* --- the centre filter --- */
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter-for]"), function (box) {
    var select = document.getElementById(box.getAttribute("data-filter-for"));
    var input = box.querySelector("input");
    if (!select || !input) return;
    box.hidden = false;
    input.addEventListener("input", Portal.debounce(function () {
      var q = fold(input.value);
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        var any = false;
        Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
          var show = !q || option.selected || fold(option.textContent).indexOf(q) >= 0;
          option.hidden = !show;
          option.disabled = !show;
          any = any || show;
        });
        group.hidden = !any;
      });
    }, 150));
  });

  /* --- uploads as soon as a file is picked --- */
  var form = document.getElementById("filing-documents");
  if (form) {
    var url = form.getAttribute("data-upload");
    Array.prototype.forEach.call(form.querySelectorAll(".filing-doc"), function (group) {
      var input = group.querySelector("input[type=file]");
      var error = group.querySelector(".error-message");
      var current = group.querySelector(".filing-current");
      var progress = group.querySelector(".filing-progress");
      var bar = progress.querySelector("progress");
      var label = progress.querySelector(".filing-progress-text");
      var pick = group.querySelector(".filing-pick-label");

      function showError(message, again) {
        group.classList.add("form-group-error");
        input.setAttribute("aria-invalid", "true");
        if (again) {
          Portal.failure(error, message, again);
          error.classList.add("error-message");
        } else {
          error.textContent = message;
          error.hidden = false;
        }
      }

      function clearError() {
        group.classList.remove("form-group-error");
        input.removeAttribute("aria-invalid");
        error.textContent = "";
        error.hidden = true;
      }

      function send() {
        var file = input.files && input.files[0];
        if (!file) return;
        clearError();
        var data = new FormData();
        data.append("component", group.getAttribute("data-component"));
        data.append("file", file);
        progress.hidden = false;
        var ui = { bar: bar, label: label, text: form.getAttribute("data-text-uploading"),
                   headers: { "Accept": "application/json" } };
        Portal.upload(url, data, ui, function (xhr) {
          var body = null;
          try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
          progress.hidden = true;
          if (xhr.status === 201 && body) {
            input.value = "";
            current.querySelector(".filing-file-name").textContent = body.name;
            current.querySelector(".filing-file-size").textContent = body.size_label;
            current.querySelector("button[name=remove]").value = body.id;
            current.hidden = false;
            if (pick) pick.textContent = pick.getAttribute("data-replace") || pick.textContent;
            label.textContent = form.getAttribute("data-text-uploaded");
            return;
          }
          var fields = (body && body.fields) || {};
          var key = "component-" + group.getAttribute("data-component");
          var messages = fields[key] || [];
          if (body && messages.length) showError(messages.join(" "));
          else if (xhr.status >= 500 || !body) showError(Portal.text.server, send);
          else showError(body.detail || Portal.text.server);
        }, function () {
          progress.hidden = true;
          showError(Portal.text.network, send);
        });
      }

      input.addEventListener("change", send);
    });
  }

  /* --- one submit --- */
  var submit = document.getElementById("filing-submit");
  if (submit) {
    submit.addEventListener("submit", function (event) {
      var button = submit.querySelector("button[type=submit]");
      if (button.disabled) { event.preventDefault(); return; }
      window.setTimeout(function () {
        button.disabled = true;
        button.textContent = submit.getAttribute("data-text-sending");
      }, 0);
    });
  }
})(window, document);
