/* The province dashboard: a thin client of /api/stats/…. It reads the filter form, asks the API, and writes the
   cards, the tables (each chart's numbers, for screen readers and for copying) and the charts (Chart.js, vendored).
   Every count links to the desk's list of the dossiers behind it, with the same filters. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) return;
  var T = JSON.parse(document.getElementById("dash-texts").textContent);
  var form = document.getElementById("dash-form");
  var api = root.getAttribute("data-api").replace(/summary\/$/, "");
  var dossiersUrl = root.getAttribute("data-dossiers");
  var locale = T.lang === "en" ? "en-GB" : "vi-VN";
  var number = new Intl.NumberFormat(locale);
  var percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  var decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  var FILTERS = ["period", "from", "to", "unit", "field", "level", "area", "transitional"];
  var SHARES = {
    on_time_share: ["early", "on_time"], late_share: ["late"], online_share: ["online"],
    full_online_share: ["online_full"], partial_online_share: ["online", "online_full"], digitised_share: ["digitised"], paid_online_share: ["online_paid"],
    satisfaction: ["satisfied"]
  };
  var CARDS = ["received", "in_progress", "finished", "returned", "refused", "withdrawn", "early", "on_time", "late",
    "overdue_now", "on_time_share", "average_days", "p90_days", "online_share", "full_online_share", "partial_online_share",
    "digitised_share", "paid_online_share", "satisfaction", "transitional"];
  var COLUMNS = ["received", "in_progress", "finished", "early", "on_time", "late", "overdue_now", "on_time_share",
    "average_days", "online_share", "digitised_share", "satisfaction"];
  var charts = {};
  var period = null;
  var lastAsOf = null;
  var loads = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function filters() {
    var params = new URLSearchParams();
    FILTERS.forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value && (name !== "from" && name !== "to" || form.elements.period.value === "custom")) {
        params.set(name, field.value);
      }
    });
    return params;
  }

  function get(path, extra) {
    var params = filters();
    Object.keys(extra || {}).forEach(function (key) { params.set(key, extra[key]); });
    return fetch(api + path + "?" + params.toString(), {
      headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang || "vi" },
      credentials: "same-origin"
    })
      .then(function (response) {
        if (!response.ok) return response.json().then(function (body) { throw new Error(body.detail || response.status); });
        return response.json();
      });
  }

  /* The desk's list of the dossiers a number counts. */
  function dossiersLink(measure, rowParams) {
    var params = new URLSearchParams({ measure: measure, from: period.from, to: period.to });
    ["unit", "field", "level", "area", "transitional"].forEach(function (name) {
      var value = form.elements[name].value;
      if (value) params.set(name, value);
    });
    Object.keys(rowParams || {}).forEach(function (key) {
      if (key === "commune") params.delete("unit");
      params.set(key, rowParams[key]);
    });
    return dossiersUrl + "?" + params.toString();
  }

  function format(name, value) {
    if (value === null || value === undefined) return "—";
    if (SHARES[name] || name === "value") return percent.format(value);
    if (name === "average_days" || name === "p90_days") return decimal.format(value) + " " + T.days;
    return number.format(value);
  }

  /* A cell: a count is a link to its dossiers; a share links to its numerator's dossiers. */
  function figure(name, value, rowParams) {
    var text = format(name, value);
    var measure = SHARES[name] ? SHARES[name][0] : name;
    var linkable = T.labels[measure] && name !== "average_days" && name !== "p90_days" && value !== null &&
      (!SHARES[name] || SHARES[name].length === 1);
    if (!linkable || !period) return document.createTextNode(text);
    return el("a", { href: dossiersLink(measure, rowParams), title: T.dossiersOf + ": " + T.labels[measure], text: text });
  }

  function table(node, caption, headers, rows) {
    var kept = node.querySelector("caption");
    node.textContent = "";
    if (caption !== null) node.appendChild(el("caption", { id: node.id + "-cap", text: caption }));
    else if (kept) node.appendChild(kept);
    node.appendChild(el("thead", {}, [el("tr", {}, headers.map(function (h) { return el("th", { scope: "col", text: h }); }))]));
    var body = el("tbody");
    if (!rows.length) body.appendChild(el("tr", {}, [el("td", { colspan: String(headers.length), text: T.none })]));
    rows.forEach(function (cells) {
      var column = 0;
      body.appendChild(el("tr", {}, cells.map(function (cell, i) {
        var span = cell && cell.span ? cell.span : 1;
        var content = cell && cell.span ? cell.node : cell;
        var node = el(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : { "data-label": headers[column] });
        if (span > 1) node.setAttribute("colspan", String(span));
        column += span;
        node.appendChild(typeof content === "object" && content !== null ? content : document.createTextNode(content === null ? "—" : String(content)));
        return node;
      })));
    });
    node.appendChild(body);
  }

  function chart(id, config) {
    if (typeof window.Chart === "undefined") return;
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { position: "bottom" } } }, config.options || {});
    charts[id] = new window.Chart(document.getElementById(id), config);
  }

  function day(iso) {
    var parts = iso.split("-");
    return parts[2] + "/" + parts[1];
  }

  function renderSummary(data) {
    var box = document.getElementById("dash-cards");
    box.textContent = "";
    var list = el("dl", { class: "dash-card-list" });
    CARDS.forEach(function (name) {
      var value = data.totals[name];
      list.appendChild(el("div", { class: "dash-card" + (name === "overdue_now" && value ? " dash-alarm" : "") }, [
        el("dt", { text: T.labels[name] }),
        el("dd", {}, [figure(name, value, {})])
      ]));
    });
    box.appendChild(list);
    box.removeAttribute("aria-busy");
  }

  function renderWeekly(data) {
    var weeks = data.weeks;
    var labels = weeks.map(function (w) { return day(w.week); });
    table(document.getElementById("table-weekly"), null, [T.week, T.received, T.finished],
      weeks.map(function (w) { return [day(w.week), number.format(w.received), number.format(w.finished)]; }));
    table(document.getElementById("table-trend"), null, [T.week, T.onTime],
      weeks.map(function (w) { return [day(w.week), format("on_time_share", w.on_time_share)]; }));
    chart("chart-weekly", { type: "bar", data: { labels: labels, datasets: [
      { label: T.received, data: weeks.map(function (w) { return w.received; }), backgroundColor: "#1d4f91" },
      { label: T.finished, data: weeks.map(function (w) { return w.finished; }), backgroundColor: "#00703c" }
    ] } });
    chart("chart-trend", { type: "line", data: { labels: labels, datasets: [
      { label: T.onTime, data: weeks.map(function (w) { return w.on_time_share === null ? null : Math.round(w.on_time_share * 1000) / 10; }),
        borderColor: "#a3161a", backgroundColor: "#a3161a", spanGaps: true }
    ] }, options: { scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } } } });
  }

  function renderBreakdown(data) {
    var by = data.by;
    var rows = data.rows;
    var node = document.getElementById("table-breakdown");
    var headers = [T.by[by]].concat(COLUMNS.map(function (name) { return T.labels[name]; }));
    table(node, null, headers, rows.map(function (row) {
      return [row.label].concat(COLUMNS.map(function (name) { return figure(name, row[name], row.params); }));
    }));
    document.getElementById("cap-breakdown").textContent = T.by[by];
    var shown = rows.length > 20 ? rows.slice(0, 10).concat(rows.slice(-10)) : rows;
    document.getElementById("chart-breakdown").parentNode.style.height = Math.max(10, 4 + shown.length * 1.9) + "rem";
    document.getElementById("chart-breakdown-note").textContent = rows.length > 20 ? T.shown : "";
    chart("chart-breakdown", { type: "bar", data: {
      labels: shown.map(function (row) { return row.label.length > 28 ? row.label.slice(0, 27) + "…" : row.label; }),
      datasets: [{ label: T.onTime, backgroundColor: "#1d4f91",
        data: shown.map(function (row) { return row.on_time_share === null ? 0 : Math.round(row.on_time_share * 1000) / 10; }) }]
    }, options: { indexAxis: "y", scales: { x: { min: 0, max: 100 } } } });
  }

  function renderPanel(data) {
    var panel = data.panel;
    var box = document.getElementById("dash-766");
    box.textContent = "";
    box.appendChild(el("p", { class: "dash-score" }, [
      el("strong", { text: T.total + ": " + decimal.format(panel.points) + " / " + panel.computable_points }),
      document.createTextNode(" (" + T.outOf100 + ")")
    ]));
    panel.groups.forEach(function (group) {
      var title = group.number + ". " + group.name + " — " + decimal.format(group.points) + " / " +
        group.computable_points + " (" + T.of + " " + group.max_points + ")";
      var node = el("table", { class: "dash-table dash-766 dash-stacked", id: "table-766-" + group.number });
      var rows = group.indicators.map(function (row) {
        var name = el("span", { text: row.name });
        if (row.computable === "no") {
          return [row.code, name, { span: 5, node: el("span", {}, [
            el("span", { class: "tag tag-grey", text: T.notHere }), document.createTextNode(" " + row.reason)]) }];
        }
        var value = row.code === "2.2" ? (row.value === null ? "—" : decimal.format(row.value) + " " + T.days) : format("value", row.value);
        var cell = row.reason ? el("span", {}, [document.createTextNode(value + " "), el("small", { class: "muted", text: "(" + T.partial + ": " + row.reason + ")" })]) : value;
        return [row.code, name,
          row.numerator_label + ": " + (row.numerator === null ? "—" : decimal.format(row.numerator)),
          row.denominator_label + ": " + (row.denominator === null ? "—" : number.format(row.denominator)),
          cell,
          row.threshold ? percent.format(row.threshold) : "—",
          row.points === null ? T.noPoints : decimal.format(row.points) + " / " + row.max_points];
      });
      table(node, title, [T.code, T.indicator, T.numerator, T.denominator, T.rate, T.threshold, T.points], rows);
      box.appendChild(node);
    });
    box.removeAttribute("aria-busy");
  }

  function renderRanking(data, panel) {
    var groups = panel.groups.map(function (group) { return group.number; });
    var headers = [T.rank, T.unit, T.received].concat(panel.groups.map(function (group) {
      return group.number + ". " + group.short;
    }), [T.computable]);
    table(document.getElementById("table-ranking"), null, headers, data.rows.map(function (row) {
      return [String(row.rank), row.label, figure("received", row.received, row.params)]
        .concat(groups.map(function (n) { return decimal.format(row.groups[n]); }),
          [decimal.format(row.points) + " / " + row.computable_points]);
    }));
  }

  function exportLinks() {
    var params = filters();
    root.querySelectorAll(".dash-exports a").forEach(function (link) {
      var query = new URLSearchParams(params);
      var by = link.getAttribute("data-by");
      if (by) query.set("by", document.getElementById(by).value);
      link.href = link.href.split("?")[0] + "?" + query.toString();
    });
  }

  function fail(error) {
    var status = document.getElementById("dash-asof");
    status.textContent = T.error + " (" + error.message + ")";
  }

  function load() {
    var by = document.getElementById("f-by").value;
    var rank = document.getElementById("f-rank").value;
    exportLinks();
    document.getElementById("dash-asof").textContent = T.loading;
    return Promise.all([
      get("summary/"), get("weekly/"), get("breakdown/", { by: by }), get("decision-766/"),
      get("decision-766/ranking/", { by: rank })
    ]).then(function (results) {
      period = results[0].period;
      var from = period.from.split("-").reverse().join("/");
      var to = period.to.split("-").reverse().join("/");
      document.getElementById("dash-period").textContent = T.period + ": " + from + " – " + to;
      lastAsOf = results[0].as_of;
      var asOf = results[0].as_of ? new Date(results[0].as_of) : null;
      document.getElementById("dash-asof").textContent = asOf ? "· " + T.asOf + " " + asOf.toLocaleString(locale) : "";
      renderSummary(results[0]);
      renderWeekly(results[1]);
      renderBreakdown(results[2]);
      renderPanel(results[3]);
      renderRanking(results[4], results[3].panel);
      loads += 1;
      root.setAttribute("data-period", period.from + ".." + period.to);
      root.setAttribute("data-loaded", String(loads));
    }).catch(fail);
  }

  function toggleCustom() {
    var custom = form.elements.period.value === "custom";
    root.querySelectorAll(".dash-custom").forEach(function (node) { node.hidden = !custom; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var params = filters();
    params.set("by", document.getElementById("f-by").value);
    params.set("rank", document.getElementById("f-rank").value);
    history.replaceState(null, "", "?" + params.toString());
    load();
  });
  form.elements.period.addEventListener("change", toggleCustom);
  ["f-by", "f-rank"].forEach(function (id) {
    document.getElementById(id).addEventListener("change", function () {
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    });
  });
  /* On a phone the filters fold away under a one-line summary of them (open them to change). */
  function summarise() {
    var parts = [];
    ["period", "unit", "field", "level", "area", "transitional"].forEach(function (name) {
      var field = form.elements[name];
      if (field.value || name === "period") parts.push(field.options[field.selectedIndex].text);
    });
    document.getElementById("dash-filter-summary").textContent = parts.join(" · ");
  }
  if (window.matchMedia && window.matchMedia("(max-width: 40em)").matches) {
    document.getElementById("dash-filter-box").removeAttribute("open");
  }
  form.addEventListener("submit", summarise);
  toggleCustom();
  summarise();
  load();
  /* The aggregates are refreshed every half minute: follow them while the page is in view and nobody is working in
     it (a redraw would move the focus). */
  setInterval(function () {
    if (document.hidden || root.contains(document.activeElement)) return;
    get("summary/").then(function (data) {
      if (data.as_of !== lastAsOf) load();
    }).catch(function () {});
  }, 60000);
})();
