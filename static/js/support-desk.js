/* Refreshes the ticket list's rows (their clocks' time left and colours) every few seconds by
   fetching the same page's rows fragment. Without this script the page still works: reload it. */
(function () {
  "use strict";
  var table = document.getElementById("tickets");
  if (!table || !window.fetch) {
    return;
  }
  var url = table.getAttribute("data-refresh-url");
  var seconds = parseInt(table.getAttribute("data-refresh-seconds"), 10) || 30;
  var body = table.querySelector("tbody");
  var stamp = document.getElementById("refreshed");

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
          stamp.textContent = "As of " + new Date().toLocaleTimeString() + ".";
        }
      })
      .catch(function () {
        if (stamp) {
          stamp.textContent = "Could not refresh; reload the page.";
        }
      });
  }

  window.setInterval(refresh, seconds * 1000);
})();
