/* The pages' one shared helper (no framework, no build step): calls to the portal's REST API in the page's language
   with the CSRF token, and a clear message with a "try again" button when a call fails — never a blank page.
   Usage: Portal.api("/api/procedures/?search=x").then(function (data) { ... }, function (error) { ... });
   error = {status, code, detail, fields}; status 0 means the network failed. */
(function (window, document) {
  "use strict";
  var root = document.documentElement;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var text = {
    network: root.getAttribute("data-text-network") || "Network error",
    retry: root.getAttribute("data-text-retry") || "Retry",
    server: root.getAttribute("data-text-server") || "Server error"
  };

  function api(url, options) {
    options = options || {};
    var headers = { "Accept": "application/json", "Accept-Language": root.lang || "vi" };
    if (options.method && options.method !== "GET") headers["X-CSRFToken"] = meta ? meta.content : "";
    var body = options.body;
    if (options.json !== undefined) { headers["Content-Type"] = "application/json"; body = JSON.stringify(options.json); }
    Object.keys(options.headers || {}).forEach(function (name) { headers[name] = options.headers[name]; });
    return window.fetch(url, {
      method: options.method || "GET", headers: headers, body: body, credentials: "same-origin", signal: options.signal
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      var read = type.indexOf("json") >= 0 ? response.json() : Promise.resolve(null);
      return read.then(function (data) {
        if (response.ok) return data;
        var error = data || {};
        throw { status: response.status, code: error.code || "", detail: error.detail || text.server, fields: error.fields || {} };
      }, function () {
        if (response.ok) return null;
        throw { status: response.status, code: "", detail: text.server, fields: {} };
      });
    }, function (reason) {
      if (reason && reason.name === "AbortError") throw { status: -1, code: "aborted", detail: "", fields: {} };
      throw { status: 0, code: "network", detail: text.network, fields: {} };
    });
  }

  /* Show `detail` in `box` (an element with role=alert) with a "try again" button calling `again`. */
  function failure(box, detail, again) {
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = detail;
    box.appendChild(p);
    if (again) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary";
      button.textContent = text.retry;
      button.addEventListener("click", function () { box.hidden = true; again(); });
      box.appendChild(button);
    }
    box.hidden = false;
  }

  /* POST `body` (a FormData) with XMLHttpRequest — fetch cannot report an upload's progress — showing it in
     `ui.bar` (a <progress>) and `ui.label` ("<ui.text> 42 %"), in the page's language with the CSRF token and
     `ui.headers`. `done(xhr)` gets any answer, `failed()` a network failure. */
  function upload(url, body, ui, done, failed) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", meta ? meta.content : "");
    xhr.setRequestHeader("Accept-Language", root.lang || "vi");
    Object.keys(ui.headers || {}).forEach(function (name) { xhr.setRequestHeader(name, ui.headers[name]); });
    ui.bar.value = 0;
    ui.label.textContent = ui.text;
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      ui.bar.value = Math.round((event.loaded / event.total) * 100);
      ui.label.textContent = ui.text + " " + ui.bar.value + " %";
    });
    xhr.addEventListener("load", function () { done(xhr); });
    xhr.addEventListener("error", failed);
    xhr.send(body);
    return xhr;
  }

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  /* "09:00, 05/03/2026" from the API's "2026-03-05T09:00:00+07:00" (the API answers in Asia/Ho_Chi_Minh). */
  function moment(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
    return m ? m[4] + ":" + m[5] + ", " + m[3] + "/" + m[2] + "/" + m[1] : "—";
  }

  window.Portal = { api: api, upload: upload, failure: failure, debounce: debounce, moment: moment, text: text };
})(window, document);
