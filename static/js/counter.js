/* Counter reception: Enter in the CCCD field fills in what the portal knows of the person (JSON from
   /can-bo/tiep-nhan/nguoi-nop/, the number POSTed); Enter in another field does not submit (only the
   "Tiếp nhận hồ sơ" button receives); the button is disabled once pressed (the server's idempotency key makes a
   second press harmless) and enabled again when the page comes back from the browser's history. */
(function () {
  "use strict";
  var form = document.querySelector(".desk-counter-form");
  if (!form) return;
  var cccd = document.getElementById("applicant_id_number");
  var status = form.querySelector(".desk-prefill-status");
  var fields = {name: "applicant_name", phone: "applicant_phone", email: "applicant_email",
                address: "applicant_address", organisation_name: "organisation_name", kind: "applicant_kind"};
  var texts = {
    found: document.documentElement.lang === "en" ? "Filled in from earlier dossiers and the account: check with the person." : "Đã điền thông tin đã có; hãy hỏi lại để kiểm tra.",
    none: document.documentElement.lang === "en" ? "Nothing known of this person yet: type it in." : "Chưa có thông tin của người này; hãy nhập."
  };
  function prefill() {
    var value = cccd.value.replace(/\D/g, "");
    if (!value) return;
    // POSTed, so that the number stays out of URLs (history, proxy and access logs)
    var body = new FormData();
    body.append("cccd", value);
    fetch(cccd.getAttribute("data-prefill-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value}
    })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (data) {
        if (!data.found) { status.textContent = texts.none; document.getElementById("applicant_name").focus(); return; }
        Object.keys(fields).forEach(function (key) {
          var input = document.getElementById(fields[key]);
          if (input && data[key] && !input.value) input.value = data[key];
          if (input && key === "kind" && data.kind) input.value = data.kind;
        });
        status.textContent = texts.found;
        document.getElementById("applicant_name").focus();
      })
      .catch(function () { form.querySelector("button[value=tim]").click(); });
  }
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT") return;
    var type = event.target.type;
    if (type === "submit" || type === "button" || type === "file") return;
    event.preventDefault();
    if (event.target === cccd) prefill();
  });
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.value === "nhan") {
      setTimeout(function () { button.disabled = true; }, 0);
    }
  });
  window.addEventListener("pageshow", function () {
    var button = form.querySelector("button[value=nhan]");
    if (button) button.disabled = false;
  });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
