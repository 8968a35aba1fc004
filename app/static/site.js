// Progress for long uploads, and adding sections to the tender form. Everything works without it.
(function () {
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) return;
      event.preventDefault();
      var box = form.querySelector(".progress");
      var bar = box.querySelector("progress");
      var text = box.querySelector(".progress-text");
      box.hidden = false;
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      var xhr = new XMLHttpRequest();
      xhr.open(form.method || "POST", form.action);
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable) return;
        var pct = Math.round((e.loaded / e.total) * 100);
        bar.value = pct;
        text.textContent = pct + "%";
      };
      xhr.onload = function () {
        // The XHR has already followed the redirect (and taken the flash message with it): show that
        // page rather than loading it again.
        if (xhr.status < 400 && xhr.responseURL) history.replaceState(null, "", xhr.responseURL);
        document.open(); document.write(xhr.responseText); document.close();
      };
      xhr.onerror = function () {
        text.textContent = form.dataset.failed || "upload failed";
        form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      };
      xhr.send(new FormData(form));
    });
  });
  var add = document.getElementById("add-section");
  if (add) {
    add.addEventListener("click", function () {
      var list = document.getElementById("sections");
      var items = list.querySelectorAll("fieldset.section");
      var copy = items[items.length - 1].cloneNode(true);
      var n = items.length;
      copy.querySelector("legend .n").textContent = n + 1;
      copy.querySelectorAll("input, select").forEach(function (input) {
        input.name = input.name.replace(/^sections-\d+-/, "sections-" + n + "-");
        if (input.type === "checkbox") { if (!/-bond_forms$/.test(input.name)) input.checked = false; }
        else if (input.tagName === "INPUT") input.value = "";
      });
      list.appendChild(copy);
    });
  }
  var clock = document.getElementById("server-time");
  if (clock && clock.textContent) {
    var base = new Date(clock.textContent.replace(" ", "T") + "+08:00").getTime(), started = Date.now();
    setInterval(function () {
      var t = new Date(base + Date.now() - started + 8 * 3600 * 1000);
      clock.textContent = t.toISOString().slice(0, 19).replace("T", " ");
    }, 1000);
  }
})();
