// Live alignment on the contract form: as a line's indicator or target changes, ask the server
// for the verdict (and, when the measurements app offers it, a backtest) and show it beside the
// line. The form works without this script; the verdict is then shown after saving.
(function () {
  "use strict";

  var form = document.getElementById("contract-form");
  if (!form) return;
  var alignmentUrl = form.dataset.alignmentUrl;
  var backtestUrl = form.dataset.backtestUrl;
  var DEBOUNCE_MS = 250;

  function field(line, name) {
    return line.querySelector('[name$="-' + name + '"]');
  }

  function value(element) {
    return element ? element.value.trim() : "";
  }

  // Fetch an HTML fragment into a container; a newer request cancels the older one so a slow
  // answer never overwrites a fresher one.
  function load(container, url, keepOnError, loaded) {
    if (container._controller) container._controller.abort();
    var controller = new AbortController();
    container._controller = controller;
    container.setAttribute("aria-busy", "true");
    fetch(url, {
      headers: { "X-Requested-With": "fetch", Accept: "text/html" },
      credentials: "same-origin",
      signal: controller.signal,
    })
      .then(function (response) {
        // The alignment preview explains a bad target with status 400; show that too.
        if (response.ok || (keepOnError && response.status === 400)) return response.text();
        return "";
      })
      .then(function (html) {
        container.innerHTML = html;
        if (loaded) loaded();
      })
      .catch(function (error) {
        if (error.name !== "AbortError") container.innerHTML = "";
      })
      .finally(function () {
        if (container._controller === controller) container.removeAttribute("aria-busy");
      });
  }

  // While a target is being typed, "9" on the way to "99.9" (or "99." on the way to "99.95")
  // is not judged: a verdict on it would flash ALIGNED with an absurd buffer. The rule, said in
  // the box: under 90 %, or ending in a point, waits until the field is left.
  var KEEP_TYPING =
    '<p class="muted keep-typing">Keep typing… a target under 90 % (or ending in a point) is ' +
    "checked when you leave the field.</p>";

  function partial(target) {
    if (/[.,]$/.test(target)) return true;
    var number = parseFloat(target.replace(",", "."));
    return !isNaN(number) && number < 90;
  }

  // The line's heading shows its saved verdict; once the live check judges what is typed, the
  // heading shows that verdict instead (and says it is not saved yet), so the two never disagree.
  function showVerdict(line, box) {
    var heading = line.querySelector("[data-verdict-badge]");
    if (!heading) return;
    if (heading._saved === undefined) heading._saved = heading.innerHTML;
    var result = box && box.querySelector("[data-verdict]");
    if (!result || result.dataset.verdict === heading.dataset.saved) {
      heading.innerHTML = heading._saved;
      return;
    }
    var badge = result.querySelector(".badge.verdict");
    heading.innerHTML =
      (badge ? badge.outerHTML : "") + ' <span class="muted unsaved">as typed, not saved</span>';
  }

  function refresh(line, typing) {
    var indicator = value(field(line, "indicator"));
    var target = value(field(line, "target"));
    var alignmentBox = line.querySelector("[data-alignment]");
    var backtestBox = line.querySelector("[data-backtest]");
    if (!indicator || !target) {
      if (alignmentBox) alignmentBox.innerHTML = "";
      if (backtestBox) backtestBox.innerHTML = "";
      showVerdict(line, null);
      return;
    }
    if (typing && partial(target)) {
      if (alignmentBox) {
        if (alignmentBox._controller) alignmentBox._controller.abort();
        alignmentBox.innerHTML = KEEP_TYPING;
      }
      if (backtestBox) {
        if (backtestBox._controller) backtestBox._controller.abort();
        backtestBox.innerHTML = "";
      }
      showVerdict(line, null);
      return;
    }
    if (alignmentBox) {
      load(
        alignmentBox,
        alignmentUrl +
          "?" +
          new URLSearchParams({
            indicator: indicator,
            target: target,
            credit_schedule: value(field(line, "credit_schedule")),
          }),
        true,
        function () {
          showVerdict(line, alignmentBox);
        }
      );
    }
    if (backtestBox && backtestUrl) {
      // Periods are the contract's calendar months or quarters, in its timezone, as in the
      // engineering sign-off view; credits in its currency.
      var params = new URLSearchParams({
        indicator: indicator,
        target: target,
        period: value(field(line, "period")),
        credit_schedule: value(field(line, "credit_schedule")),
        monthly_fee: value(document.getElementById("id_monthly_fee")),
        timezone: value(document.getElementById("id_timezone")),
        currency: value(document.getElementById("id_currency")),
      });
      load(backtestBox, backtestUrl + "?" + params, false);
    }
  }

  function watch(line) {
    var timer = null;
    // "input" fires while typing; "change" when the field is left (or a select is changed).
    function later(event) {
      var typing = Boolean(event && event.type === "input");
      clearTimeout(timer);
      timer = setTimeout(function () {
        refresh(line, typing);
      }, DEBOUNCE_MS);
    }
    ["indicator", "target", "period", "credit_schedule"].forEach(function (name) {
      var element = field(line, name);
      if (!element) return;
      element.addEventListener("input", later);
      element.addEventListener("change", later);
    });
    line._refresh = later;
    if (value(field(line, "indicator")) && value(field(line, "target"))) refresh(line, false);
  }

  var lines = document.getElementById("lines");
  Array.prototype.forEach.call(lines.querySelectorAll("[data-line]"), watch);

  // The fee, the timezone and the currency change what a backtest shows.
  ["id_monthly_fee", "id_timezone", "id_currency"].forEach(function (id) {
    var element = document.getElementById(id);
    if (!element) return;
    element.addEventListener("input", function () {
      Array.prototype.forEach.call(lines.querySelectorAll("[data-line]"), function (line) {
        if (line._refresh) line._refresh();
      });
    });
  });

  // "Add a line": copy the formset's empty form and tell the management form.
  var addButton = document.getElementById("add-line");
  var template = document.getElementById("line-template");
  var total = form.querySelector('[name="lines-TOTAL_FORMS"]');
  if (addButton && template && total) {
    addButton.hidden = false;
    addButton.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace("Line new", "Line " + (index + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var line = holder.firstElementChild;
      lines.appendChild(line);
      total.value = String(index + 1);
      watch(line);
      var first = field(line, "indicator");
      if (first) first.focus();
    });
  }

  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
