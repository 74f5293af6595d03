/* "Hồ sơ của tôi" (dossiers/views/mine.py): the supplement form sends its files with XMLHttpRequest to show the
   upload's progress. Without JavaScript it is the same multipart POST; the server's answer is the same either way:
   a redirect to the dossier (done, or stale) or the form again with its errors. */
(function (window, document) {
  "use strict";
  var form = document.getElementById("mine-supplement");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var progress = form.querySelector(".mine-progress");
  var bar = progress.querySelector("progress");
  var label = progress.querySelector(".mine-progress-text");
  var failure = form.querySelector(".mine-failure");
  var button = form.querySelector("button[type=submit]");
  var busy = false;

  function send() {
    if (busy) return;
    busy = true;
    button.disabled = true;
    failure.hidden = true;
    progress.hidden = false;
    var ui = { bar: bar, label: label, text: form.getAttribute("data-text-uploading"),
               headers: { "X-Requested-With": "XMLHttpRequest" } };
    Portal.upload(form.action, new FormData(form), ui, function (xhr) {
      var answer = null;
      if ((xhr.getResponseHeader("Content-Type") || "").indexOf("application/json") === 0) {
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      }
      if (xhr.status === 200 && answer && answer.redirect) {
        window.location.assign(answer.redirect);  // done (or the dossier changed meanwhile): its page says which
        return;
      }
      if (xhr.status === 200 || xhr.status === 400) {  // the form again, with its errors beside the fields
        document.open();
        document.write(xhr.responseText);
        document.close();
        return;
      }
      done(Portal.text.server);
    }, function () { done(Portal.text.network); });
  }

  function done(message) {
    busy = false;
    button.disabled = false;
    progress.hidden = true;
    Portal.failure(failure, message, send);
    failure.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send();
  });
})(window, document);
