// The opening room: live status by polling, and the bidder's decryption in the browser.
// The key file is read here and never sent: only the one bid's content key leaves the machine.
(function () {
  "use strict";
  var table = document.getElementById("room-bids");
  if (table) {
    var seen = {};
    table.querySelectorAll("tr[data-bid]").forEach(function (row) {
      seen[row.dataset.bid] = row.querySelector(".bid-status").dataset.status;
    });
    var statusUrl = window.location.pathname.replace(/\/opening$/, "/opening.json");
    setInterval(function () {
      if (document.querySelector(".decrypt-form .key-file:focus, form textarea:focus, form input[type=text]:focus")) return;
      fetch(statusUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data) return;
        var changed = data.bids.some(function (b) { return seen[b.bid_id] !== b.status; });
        if (changed) window.location.reload();
      }).catch(function () {});
    }, 5000);
  }
  document.querySelectorAll("form.decrypt-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var file = form.querySelector(".key-file").files[0];
      var keyField = form.querySelector("input[name=content_key]");
      if (!file || keyField.value) return;  // a key pasted from the client goes as it is
      event.preventDefault();
      var note = form.querySelector(".progress-text");
      note.textContent = "…";
      Promise.all([file.text(), fetch(form.dataset.envelope, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error("envelope " + r.status);
        return r.blob();
      })]).then(function (parts) {
        return window.SealbidEnvelope.importPrivatePem(parts[0]).then(function (key) {
          return window.SealbidEnvelope.unwrapForBidder(parts[1], key);
        });
      }).then(function (contentKey) {
        keyField.value = window.SealbidEnvelope.util.toHex(contentKey);
        form.submit();
      }).catch(function (error) {
        note.textContent = error && error.message ? error.message : String(error);
      });
    });
  });
})();
