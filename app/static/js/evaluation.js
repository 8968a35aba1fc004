// The evaluation pages: the room's heartbeat (and reloading when the committee moves on), live score totals,
// the setup form's point total and extra rows, confirmations and a progress note on long steps.
// Everything works without it: the server checks every value and every step.
(function () {
  "use strict";
  var dirty = false;
  document.addEventListener("input", function (event) {
    if (event.target.closest("form")) dirty = true;
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    dirty = false;
    if (form.hasAttribute("data-busy")) {
      var busy = form.querySelector(".busy");
      if (busy) busy.hidden = false;
      // after the browser has taken the form's values
      setTimeout(function () { form.querySelectorAll("button").forEach(function (b) { b.disabled = true; }); }, 0);
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && document.querySelector("form.score-form, form.review-form")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // --- the room: heartbeat every 20 seconds; reload when the stage or the counts changed --------------------------
  var room = document.getElementById("room");
  if (room && room.dataset.heartbeat) {
    var beat = function () {
      var body = new URLSearchParams();
      body.set("venue", room.dataset.venue || "");
      fetch(room.dataset.heartbeat, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": room.dataset.csrf, "Accept": "application/json" }
      }).then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || !data.version || data.version === room.dataset.version) return;
          var typing = document.activeElement && /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
          if (!dirty && !typing) window.location.reload();
        })
        .catch(function () { /* offline for a moment: the next beat tries again */ });
    };
    setInterval(beat, 20000);
  }

  // --- the review sheet: "every item passes" for one bid (the platform's pre-answers stay as they are) ------------
  document.querySelectorAll("[data-all-pass]").forEach(function (button) {
    button.addEventListener("click", function () {
      button.closest("form").querySelectorAll("tr:not(.auto) input[type='radio'][value='pass']").forEach(function (radio) {
        radio.checked = true;
      });
      dirty = true;
    });
  });

  // --- the scoring sheet: live totals and a warning on values out of range --------------------------------------
  var decimals = /^\d+(\.\d{1,2})?$/;
  document.querySelectorAll("form.score-form").forEach(function (form) {
    var inputs = form.querySelectorAll("input.points");
    var out = form.querySelector(".live-total");
    var update = function () {
      var sum = 0;
      inputs.forEach(function (input) {
        var raw = input.value.trim(), max = parseFloat(input.dataset.max);
        var bad = raw !== "" && (!decimals.test(raw) || parseFloat(raw) > max);
        input.classList.toggle("over", bad);
        input.setAttribute("aria-invalid", bad ? "true" : "false");
        if (raw !== "" && !bad) sum += Math.round(parseFloat(raw) * 100);
      });
      if (out) out.textContent = (sum / 100).toFixed(2);
    };
    inputs.forEach(function (input) { input.addEventListener("input", update); });
    update();
  });

  // --- the setup form: the sum of the maximum points, and extra rows ---------------------------------------------
  var total = document.getElementById("points-total");
  if (total) {
    var recount = function () {
      var sum = 0;
      document.querySelectorAll("#setup-form input.max-points").forEach(function (input) {
        var value = parseFloat(input.value);
        if (!isNaN(value)) sum += Math.round(value * 100);
      });
      total.textContent = total.dataset.template.replace("{total}", (sum / 100).toFixed(2));
      total.classList.toggle("over", sum !== 10000);
    };
    document.getElementById("setup-form").addEventListener("input", recount);
    recount();
  }
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var body = document.querySelector("#" + button.dataset.addRow + " tbody");
      var rows = body.querySelectorAll("tr.row"), copy = rows[rows.length - 1].cloneNode(true), n = rows.length;
      copy.querySelector(".n").textContent = n + 1;
      copy.querySelectorAll("input, select").forEach(function (input) {
        input.name = input.name.replace(/^(review|score)-\d+-/, "$1-" + n + "-");
        if (input.type === "checkbox") input.checked = false;
        else if (input.tagName === "INPUT") input.value = "";
      });
      body.appendChild(copy);
    });
  });
})();
