/*
 * 递交投标文件: the bid is sealed in this browser and only the envelope leaves it (docs/envelope.md).
 *
 * The key file is read here for its public half (checked against the registered key); the bid form
 * (开标一览表) and the files go into the sealed container: manifest length, manifest with every
 * file's streamed SHA-256, the files. SealbidEnvelope.sealTo() hands the envelope on as it is made,
 * and it is uploaded in pieces to a resumable upload (app/web/bid.py): each PUT says where its piece
 * starts (Upload-Offset); after a dropped connection the page asks where the upload stands and
 * resumes from there. Sealing waits for the upload (back-pressure), so memory stays at about one
 * piece. Then the signing PIN signs the envelope's hash and the platform answers with the receipt.
 */
(function () {
  "use strict";
  const configNode = document.getElementById("bid-config");
  const form = document.getElementById("bid-form");
  if (!configNode || !form) return;
  const config = JSON.parse(configNode.textContent);
  const M = config.messages;
  const E = window.SealbidEnvelope;
  const $ = (id) => document.getElementById(id);

  const CHUNK_SIZE = 65536; // the envelope's STREAM chunk (plaintext bytes per AES-GCM chunk)
  const TAG = 16;
  const AUTO_RETRIES = 6; // then wait for the bidder to click 继续上传
  const PRICE = /^[0-9]{1,13}(\.[0-9]{1,2})?$/;

  let bidderKey = null; // {publicRaw, keyId}: only the public half is kept
  let upload = null; // the server's upload: {upload_id, upload_url, finish_url, size, offset}
  let envelopeHash = null;
  let busy = false;

  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, (m, k) => (values && k in values ? String(values[k]) : m));
  }

  function showError(error) {
    const box = $("bid-error");
    box.textContent = error && error.message ? error.message : String(error);
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  function clearError() {
    $("bid-error").hidden = true;
    $("bid-error").textContent = "";
  }

  function note(text) {
    $("upload-note").textContent = text || "";
  }

  function mib(n) {
    return (n / (1024 * 1024)).toFixed(n < 10 * 1024 * 1024 ? 2 : 1) + " MB";
  }

  function setBar(id, done, total, label) {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    $(id + "-progress").value = Math.round(fraction * 1000);
    $(id + "-text").textContent = (label ? label + " " : "") + Math.floor(fraction * 100) + " %";
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // --- talking to the platform -----------------------------------------------------------------------

  async function call(url, options) {
    const headers = Object.assign({ "X-CSRFToken": config.csrf }, options.headers || {});
    return fetch(url, Object.assign({}, options, { headers, credentials: "same-origin", cache: "no-store" }));
  }

  async function readJson(response) {
    if (!(response.headers.get("Content-Type") || "").includes("application/json")) return null;
    try {
      return await response.json();
    } catch {
      return null;
    }
  }

  function refusal(response, body) {
    const message = body && body.error ? body.error.message : format(M.httpError, { status: response.status });
    const error = new Error(message);
    error.status = response.status;
    error.code = body && body.error ? body.error.code : null;
    return error;
  }

  function retryable(status) {
    return status >= 500 || status === 408 || status === 429;
  }

  /** Wait before the next try: a growing pause, then (after AUTO_RETRIES) until the bidder clicks 继续上传. */
  async function pause(failures, offset) {
    if (failures <= AUTO_RETRIES) {
      const seconds = Math.min(15, 2 ** (failures - 1));
      note(format(M.retrying, { seconds, offset, n: failures }));
      await sleep(seconds * 1000);
      return failures;
    }
    note(M.paused);
    const button = $("resume");
    $("resume-box").hidden = false; // (the box: a button's own `hidden` loses to the site's button style)
    await new Promise((resolve) => button.addEventListener("click", resolve, { once: true }));
    $("resume-box").hidden = true;
    note("");
    return 1;
  }

  async function createUpload(size) {
    for (let failures = 0; ; ) {
      let response = null;
      let body = null;
      try {
        response = await call(config.createUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ size }),
        });
        body = await readJson(response);
      } catch {
        response = null;
      }
      if (response && response.ok && body) return body;
      if (response && !retryable(response.status)) throw refusal(response, body);
      failures = await pause(failures + 1, 0);
    }
  }

  /** Where the platform's copy ends, or `fallback` when it cannot be asked just now. */
  async function askOffset(fallback) {
    try {
      const response = await call(upload.upload_url, { method: "GET" });
      const body = await readJson(response);
      if (response.ok && body && Number.isSafeInteger(body.offset)) return body.offset;
    } catch {
      // still unreachable: the next PUT tries again
    }
    return fallback;
  }

  /** Sends envelope bytes [start, start + bytes.length), resuming wherever the platform's copy ends. */
  async function sendPiece(bytes, start) {
    const end = start + bytes.length;
    let from = start;
    let failures = 0;
    for (;;) {
      if (from === end) return;
      if (from < start || from > end) throw new Error(M.cannotResume);
      let response = null;
      let body = null;
      try {
        response = await call(upload.upload_url, {
          method: "PUT",
          headers: { "Upload-Offset": String(from), "Content-Type": "application/octet-stream" },
          body: bytes.subarray(from - start),
        });
        body = await readJson(response);
      } catch {
        response = null; // the connection dropped: the piece may or may not have arrived
      }
      if (response && response.ok && body && Number.isSafeInteger(body.offset)) {
        if (failures) note(format(M.resumed, { offset: from }));
        failures = 0;
        from = body.offset;
        setBar("upload", from, upload.size, format(M.uploading, { done: mib(from), total: mib(upload.size) }));
        continue;
      }
      if (response && response.status === 409 && body && Number.isSafeInteger(body.offset)) {
        // Not where the platform stands (an earlier try did arrive), or another request is still writing.
        const busyElsewhere = body.error && body.error.code === "upload_busy";
        if (busyElsewhere || body.offset === from) failures = await pause(failures + 1, body.offset);
        from = body.offset;
        continue;
      }
      if (response && !retryable(response.status)) throw refusal(response, body);
      failures = await pause(failures + 1, from);
      from = await askOffset(from);
    }
  }

  /** Gathers the pieces sealTo() writes into upload-sized pieces; opens the upload once its size is known. */
  class Uploader {
    constructor(plaintextSize) {
      this.plaintextSize = plaintextSize;
      this.pieces = [];
      this.buffered = 0;
      this.sent = 0;
    }

    /** The envelope's size: 12 + header length + plaintext + one tag per chunk (docs/envelope.md). */
    envelopeSize() {
      const lead = this.peek(12);
      const hlen = new DataView(lead.buffer, lead.byteOffset, 12).getUint32(8);
      const n = this.plaintextSize;
      const chunks = n === 0 ? 1 : Math.ceil(n / CHUNK_SIZE);
      return 12 + hlen + n + TAG * chunks;
    }

    async write(piece) {
      this.pieces.push(piece);
      this.buffered += piece.length;
      if (!upload && this.buffered >= 12) {
        upload = await createUpload(this.envelopeSize());
        setBar("upload", 0, upload.size, format(M.uploading, { done: mib(0), total: mib(upload.size) }));
      }
      while (upload && this.buffered >= config.chunkBytes) await this.flush(config.chunkBytes);
    }

    async close() {
      if (!upload) throw new Error(M.sizeMismatch);
      while (this.buffered > 0) await this.flush(Math.min(this.buffered, config.chunkBytes));
    }

    async flush(n) {
      const bytes = this.take(n);
      if (this.sent + bytes.length > upload.size) throw new Error(M.sizeMismatch);
      await sendPiece(bytes, this.sent);
      this.sent += bytes.length;
    }

    peek(n) {
      const out = new Uint8Array(n);
      let at = 0;
      for (const piece of this.pieces) {
        if (at >= n) break;
        const k = Math.min(piece.length, n - at);
        out.set(piece.subarray(0, k), at);
        at += k;
      }
      return out;
    }

    take(n) {
      const out = new Uint8Array(n);
      let at = 0;
      while (at < n) {
        const head = this.pieces[0];
        const k = Math.min(head.length, n - at);
        out.set(head.subarray(0, k), at);
        at += k;
        if (k === head.length) this.pieces.shift();
        else this.pieces[0] = head.subarray(k);
      }
      this.buffered -= n;
      return out;
    }
  }

  // --- the key file -----------------------------------------------------------------------------------

  $("key-file").addEventListener("change", async () => {
    bidderKey = null;
    const status = $("key-status");
    status.textContent = "";
    status.className = "muted";
    const file = $("key-file").files[0];
    if (!file) return;
    try {
      const key = await E.importPrivatePem(await file.text()); // not extractable; only its public half is kept
      if (key.keyId !== config.keyId) throw new Error(M.keyMismatch);
      bidderKey = { publicRaw: key.publicRaw, keyId: key.keyId };
      status.textContent = format(M.keyOk, { id: key.keyId.slice(0, 16) });
      status.className = "key-ok";
    } catch (error) {
      status.textContent = error && error.message ? error.message : String(error);
      status.className = "key-bad";
    }
  });

  // --- sealing and uploading --------------------------------------------------------------------------

  function bidForm() {
    const price = $("price").value.trim();
    if (!PRICE.test(price)) throw new Error(M.badPrice);
    const days = Number($("duration_days").value);
    if (!Number.isSafeInteger(days) || days < 1) throw new Error(M.badDays);
    return {
      price,
      duration_days: days,
      quality: $("quality").value.trim(),
      project_manager: $("project_manager").value.trim(),
    };
  }

  function chosenFiles() {
    const files = Array.from($("bid-files").files);
    if (!files.length) throw new Error(M.needFiles);
    const names = new Set();
    for (const f of files) {
      if (names.has(f.name)) throw new Error(format(M.duplicateName, { name: f.name }));
      names.add(f.name);
    }
    return files;
  }

  function lockForm(locked) {
    form.querySelectorAll("input, button").forEach((el) => {
      el.disabled = locked;
    });
  }

  async function sealAndUpload() {
    if (!bidderKey) throw new Error(M.needKey);
    const fields = bidForm();
    const files = chosenFiles();
    busy = true;
    lockForm(true);
    upload = null;
    envelopeHash = null;
    $("finish-box").hidden = true;
    $("receipt").hidden = true;
    $("progress").hidden = false;
    note("");
    setBar("seal", 0, 1, M.hashing);
    setBar("upload", 0, 1, "");

    // 1. The manifest: every file's size and SHA-256, read in slices (the first half of the bar).
    const total = files.reduce((n, f) => n + f.size, 0);
    const entries = [];
    let hashed = 0;
    for (const f of files) {
      const sha256 = await E.sha256Hex(f, {
        onProgress: (p) => setBar("seal", hashed + p.done, 2 * total, M.hashing),
      });
      entries.push({ name: f.name, size: f.size, sha256 });
      hashed += f.size;
    }
    const manifest = new TextEncoder().encode(E.canonicalJson({ v: 1, bid_form: fields, files: entries }));
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, manifest.length);
    const container = new Blob([length, manifest, ...files]); // the files are referenced, not copied

    // 2. Seal, uploading the envelope as it is made (the second half of the bar).
    const uploader = new Uploader(container.size);
    const escrow = { k: config.escrow.k, holders: config.escrow.holders.map(E.util.b64decode) };
    const sealed = await E.sealTo((piece) => uploader.write(piece), container, config.binding, bidderKey.publicRaw,
      escrow, {
        chunkSize: CHUNK_SIZE,
        onProgress: (p) => setBar("seal", total + (p.done / (p.total || 1)) * total, 2 * total || 1, M.sealing),
      });
    await uploader.close();
    setBar("seal", 1, 1, M.sealed);
    if (sealed.size !== upload.size || uploader.sent !== upload.size) throw new Error(M.sizeMismatch);
    envelopeHash = sealed.hash;
    $("envelope-hash").textContent = envelopeHash;
    $("finish-box").hidden = false;
    $("pin").focus();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault(); // nothing of this form is ever posted
    if (busy) return;
    clearError();
    sealAndUpload()
      .catch(showError)
      .finally(() => {
        busy = false;
        lockForm(false);
      });
  });

  window.addEventListener("beforeunload", (event) => {
    if (busy) {
      event.preventDefault();
      event.returnValue = M.leave;
    }
  });

  // --- signing and finishing ---------------------------------------------------------------------------

  function showReceipt(body) {
    $("finish-box").hidden = true;
    $("receipt-hash").textContent = body.envelope_sha256;
    $("receipt-size").textContent = mib(body.size) + " (" + body.size + " B)";
    // Beijing time as the site writes it (2026-03-02 11:00:00): the Swedish locale's format is exactly that.
    $("receipt-time").textContent = new Date(body.received_at).toLocaleString("sv-SE", { timeZone: "Asia/Shanghai" });
    $("receipt-seq").textContent = String(body.ledger_seq);
    const same = body.envelope_sha256 === envelopeHash;
    $("receipt-check").textContent = same ? M.hashMatch : M.hashMismatch;
    $("receipt-check").className = same ? "flash success" : "flash error";
    if (body.receipt_url) $("receipt-link").href = body.receipt_url;
    $("receipt-link").hidden = !body.receipt_url;
    $("receipt").hidden = false;
    form.style.display = "none"; // (`hidden` loses to form.grid's display)
  }

  $("finish").addEventListener("click", async () => {
    clearError();
    const pin = $("pin").value;
    if (!pin) return showError(new Error(M.needPin));
    if (!upload) return;
    const button = $("finish");
    button.disabled = true;
    try {
      let response;
      try {
        response = await call(upload.finish_url, {
          method: "POST",
          headers: { "X-Sealbid-Pin": pin, "X-Client-Fingerprint": "sealbid-web/1 " + navigator.userAgent },
        });
      } catch {
        // The answer was lost; the bid may have been recorded all the same.
        const state = await call(upload.upload_url, { method: "GET" }).then(readJson).catch(() => null);
        throw new Error(state && state.status === "finished" ? M.finishedElsewhere : M.network);
      }
      const body = await readJson(response);
      if (!response.ok || !body) throw refusal(response, body);
      $("pin").value = "";
      showReceipt(body);
    } catch (error) {
      showError(error);
      button.disabled = false;
    }
  });
})();
