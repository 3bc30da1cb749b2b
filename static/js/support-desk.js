/* Refreshes the support desk's live parts every few seconds by fetching the same page's
   fragment: the ticket list's rows, the board's groups (their clocks' time left and colours).
   Each element with data-refresh-url is one such part: the fragment replaces the content of its
   [data-refresh-body] child (or its own), and the element named by data-refresh-stamp (default
   "refreshed") says when. Without this script the pages still work: reload them. */
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }

  function poll(region) {
    var url = region.getAttribute("data-refresh-url");
    var seconds = parseInt(region.getAttribute("data-refresh-seconds"), 10) || 30;
    var body = region.querySelector("[data-refresh-body]") || region;
    var stamp = document.getElementById(region.getAttribute("data-refresh-stamp") || "refreshed");

    function refresh() {
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.status);
          }
          return response.text();
        })
        .then(function (html) {
          body.innerHTML = html;
          if (stamp) {
            // As the page writes it: 24-hour time in UTC, like every time on the desk.
            stamp.textContent = "As of " + new Date().toISOString().slice(11, 19) + ".";
          }
        })
        .catch(function () {
          if (stamp) {
            stamp.textContent = "Could not refresh; reload the page.";
          }
        });
    }

    window.setInterval(refresh, seconds * 1000);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-refresh-url]"), poll);
})();
