/*
 * The sealed-bid envelope, version 1, in the browser (the format is docs/envelope.md; the Python
 * implementation is signing/envelope.py and the two must produce and accept the same bytes).
 *
 * WebCrypto only: no packages, no network, no build step; plain ES2020. Exposes one global,
 * `SealbidEnvelope`. Everything is async (returns Promises) except the small byte helpers.
 *
 *   keys      generateKeyPair(), importPublicRaw(), publicRawOf(), keyId(),
 *             exportPrivatePem(), importPrivatePem()
 *   envelope  seal() → Blob, sealTo(write) → {size, hash} (streams out), readHeader(),
 *             unwrapForBidder(), escrowWrap(), peel(), bindingInfo(), canonicalJson()
 *   hashing   sha256Hex(blob) streams a Blob through an incremental SHA-256 (WebCrypto's digest()
 *             is one-shot only), for the envelope hash and the manifest's per-file hashes
 *   hpke      RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM
 *
 * Sealing reads the plaintext Blob/File in slices (Blob.slice), so a 1 GiB bid never sits in this
 * page's memory; sealTo() hands the sealed bytes on as they are made (see seal() for why a 1 GiB
 * envelope should not be collected into one Blob).
 */
(function (global) {
  "use strict";

  const subtle = global.crypto && global.crypto.subtle;
  const utf8 = new TextEncoder();

  const MAGIC = utf8.encode("SEALBID1");
  const VERSION = 1;
  const CHUNK_SIZE = 64 * 1024;
  const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
  const MAX_HEADER = 1024 * 1024;
  const TAG = 16;
  const HPKE_NAME = "X25519-HKDF-SHA256-AES-256-GCM";
  const MAX_SUBSETS = 256;
  const INFO_PREFIX = "sealbid-envelope/1\u0000";
  const READ_BLOCK = 4 * 1024 * 1024; // plaintext bytes read per Blob.slice
  const FLUSH_BYTES = 16 * 1024 * 1024; // sealed bytes gathered before they are folded into the output Blob

  /** The envelope is refused; the message says why (the same messages as signing/envelope.py). */
  class EnvelopeError extends Error {
    constructor(message) {
      super(message);
      this.name = "EnvelopeError";
      this.code = "bad_envelope";
    }
  }

  function requireSubtle() {
    if (!subtle) {
      // crypto.subtle exists only in a secure context (https, or http on localhost / 127.0.0.1).
      throw new Error("WebCrypto is not available: the page must be served over https.");
    }
  }

  // --- bytes ----------------------------------------------------------------------------------------

  function bytes(value) {
    if (value instanceof Uint8Array) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (Array.isArray(value)) return Uint8Array.from(value);
    throw new TypeError("expected bytes (Uint8Array, ArrayBuffer or an array of numbers)");
  }

  function concat(...parts) {
    const arrays = parts.map(bytes);
    const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of arrays) {
      out.set(a, at);
      at += a.length;
    }
    return out;
  }

  /** I2OSP (RFC 8017 section 4.1), as RFC 9180 uses it: n as a w-byte big-endian string. */
  function i2osp(n, w) {
    const out = new Uint8Array(w);
    for (let i = w - 1; i >= 0; i--) {
      out[i] = n & 0xff;
      n = Math.floor(n / 256);
    }
    return out;
  }

  function toHex(data) {
    return Array.from(bytes(data), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function fromHex(text) {
    if (typeof text !== "string" || !/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new TypeError("bad hex");
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  }

  /** Standard base64 with padding (what Python's base64.b64encode writes). */
  function b64encode(data) {
    const a = bytes(data);
    let binary = "";
    for (let i = 0; i < a.length; i += 0x8000) binary += String.fromCharCode.apply(null, a.subarray(i, i + 0x8000));
    return btoa(binary);
  }

  /** Strict, like Python's base64.b64decode(text, validate=True): no whitespace, correct padding. */
  function b64decode(text) {
    // (Checked without a whole-string pattern: a backtracking regex overflows the stack on megabytes.)
    const body = typeof text === "string" ? text.replace(/={1,2}$/, "") : "";
    if (typeof text !== "string" || text.length % 4 !== 0 || body.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(body)) {
      throw new TypeError("bad base64");
    }
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }

  function isWellFormed(s) {
    return !/[\ud800-\udbff](?![\udc00-\udfff])|(?:[^\ud800-\udbff]|^)[\udc00-\udfff]/.test(s);
  }

  // --- canonical JSON -----------------------------------------------------------------------------------

  /*
   * Python's json.dumps(value, sort_keys=True, separators=(",", ":")) with its default
   * ensure_ascii=True, byte for byte: every character outside printable ASCII (0x20..0x7e, so DEL
   * too) is written as \uXXXX in lowercase hex, one escape per UTF-16 code unit (a surrogate pair for
   * characters beyond the BMP); \b \f \n \r \t \" \\ use their short forms. Keys are sorted by code
   * point, as Python compares strings. Only integers are allowed as numbers: float formatting differs
   * between the two languages and the format has none.
   */
  function pyString(s) {
    if (!isWellFormed(s)) throw new TypeError("string with a lone surrogate");
    let out = '"';
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += "\\\\";
      else if (c === 0x08) out += "\\b";
      else if (c === 0x0c) out += "\\f";
      else if (c === 0x0a) out += "\\n";
      else if (c === 0x0d) out += "\\r";
      else if (c === 0x09) out += "\\t";
      else if (c < 0x20 || c > 0x7e) out += "\\u" + c.toString(16).padStart(4, "0");
      else out += s[i];
    }
    return out + '"';
  }

  function compareCodePoints(a, b) {
    const x = Array.from(a);
    const y = Array.from(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (d) return d;
    }
    return x.length - y.length;
  }

  function canonicalJson(value) {
    if (value === null) return "null";
    if (value === true) return "true";
    if (value === false) return "false";
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) throw new TypeError("only integers are allowed in canonical JSON");
      return String(value);
    }
    if (typeof value === "string") return pyString(value);
    if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
    if (typeof value === "object") {
      const keys = Object.keys(value).sort(compareCodePoints);
      return "{" + keys.map((k) => pyString(k) + ":" + canonicalJson(value[k])).join(",") + "}";
    }
    throw new TypeError("not representable in canonical JSON: " + typeof value);
  }

  // --- SHA-256 -----------------------------------------------------------------------------------------

  async function sha256(data) {
    requireSubtle();
    return new Uint8Array(await subtle.digest("SHA-256", bytes(data)));
  }

  // FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the cube roots of the
  // first 64 primes. Held as signed 32-bit values, like every word below: the arithmetic is `| 0`.
  const K256 = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  /**
   * Incremental SHA-256 (FIPS 180-4). WebCrypto can only hash a whole buffer at once, which a 1 GiB
   * file is not; this one is fed slice by slice. update(bytes) → this; digest() → Uint8Array(32),
   * once (the object is spent after it).
   */
  class Sha256 {
    constructor() {
      this.h = new Int32Array([
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
      ]);
      this.w = new Int32Array(64);
      this.buffer = new Uint8Array(64);
      this.buffered = 0;
      this.length = 0; // bytes hashed so far
    }

    update(data) {
      const input = bytes(data);
      let at = 0;
      this.length += input.length;
      if (this.buffered) {
        const take = Math.min(64 - this.buffered, input.length);
        this.buffer.set(input.subarray(0, take), this.buffered);
        this.buffered += take;
        at = take;
        if (this.buffered < 64) return this;
        this.blocks(this.buffer, 0, 64);
        this.buffered = 0;
      }
      const whole = (input.length - at) & ~63;
      this.blocks(input, at, at + whole);
      at += whole;
      if (at < input.length) {
        this.buffer.set(input.subarray(at), 0);
        this.buffered = input.length - at;
      }
      return this;
    }

    digest() {
      // Padding (section 5.1.1): 0x80, zeros, then the message length in bits as 64-bit big-endian.
      const padLength = (this.buffered < 56 ? 56 : 120) - this.buffered;
      const tail = new Uint8Array(padLength + 8);
      tail[0] = 0x80;
      const hi = Math.floor(this.length / 0x20000000); // length * 8 / 2^32
      const lo = ((this.length % 0x20000000) * 8) >>> 0;
      tail.set(i2osp(hi, 4), padLength);
      tail.set(i2osp(lo, 4), padLength + 4);
      const length = this.length;
      this.update(tail);
      this.length = length;
      const out = new Uint8Array(32);
      for (let i = 0; i < 8; i++) out.set(i2osp(this.h[i] >>> 0, 4), i * 4);
      return out;
    }

    /** The compression function (section 6.2.2) over the 64-byte blocks of p[from, to). */
    blocks(p, from, to) {
      const w = this.w;
      const h = this.h;
      let h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4], h5 = h[5], h6 = h[6], h7 = h[7];
      for (let off = from; off < to; off += 64) {
        for (let i = 0; i < 16; i++) {
          const j = off + i * 4;
          w[i] = (p[j] << 24) | (p[j + 1] << 16) | (p[j + 2] << 8) | p[j + 3];
        }
        for (let i = 16; i < 64; i++) {
          const x = w[i - 15];
          const y = w[i - 2];
          const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
          const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
          w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
        }
        let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, hh = h7;
        for (let i = 0; i < 64; i++) {
          const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
          const ch = (e & f) ^ (~e & g);
          const t1 = (hh + S1 + ch + K256[i] + w[i]) | 0;
          const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
          const maj = (a & b) ^ (a & c) ^ (b & c);
          hh = g;
          g = f;
          f = e;
          e = (d + t1) | 0;
          d = c;
          c = b;
          b = a;
          a = (t1 + S0 + maj) | 0;
        }
        h0 = (h0 + a) | 0;
        h1 = (h1 + b) | 0;
        h2 = (h2 + c) | 0;
        h3 = (h3 + d) | 0;
        h4 = (h4 + e) | 0;
        h5 = (h5 + f) | 0;
        h6 = (h6 + g) | 0;
        h7 = (h7 + hh) | 0;
      }
      h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4; h[5] = h5; h[6] = h6; h[7] = h7;
    }
  }

  /** Lowercase hex SHA-256 of a Blob/File (or bytes), read slice by slice: the envelope hash. */
  async function sha256Hex(source, options = {}) {
    const blob = source instanceof Blob ? source : new Blob([bytes(source)]);
    const hash = new Sha256();
    for (let at = 0; at < blob.size; at += READ_BLOCK) {
      hash.update(new Uint8Array(await blob.slice(at, at + READ_BLOCK).arrayBuffer()));
      if (options.onProgress) options.onProgress({ done: Math.min(blob.size, at + READ_BLOCK), total: blob.size });
    }
    return toHex(hash.digest());
  }

  // --- HKDF-SHA256 (RFC 5869) on WebCrypto's HMAC ------------------------------------------------------------

  const NH = 32; // output size of SHA-256

  async function hmacKey(key) {
    return subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  }

  /*
   * HKDF-Extract (RFC 5869 section 2.2). HPKE's LabeledExtract uses an empty salt, which RFC 5869
   * defines as HashLen zero bytes; WebCrypto refuses a zero-length HMAC key, so it is written out.
   * (HMAC pads its key with zeros, so the two are the same key.)
   */
  async function hkdfExtract(salt, ikm) {
    const key = await hmacKey(salt.length ? salt : new Uint8Array(NH));
    return new Uint8Array(await subtle.sign("HMAC", key, ikm));
  }

  /** HKDF-Expand (RFC 5869 section 2.3): T(i) = HMAC(PRK, T(i-1) || info || i). */
  async function hkdfExpand(prk, info, length) {
    if (length > 255 * NH) throw new Error("HKDF-Expand: output too long");
    const key = await hmacKey(prk);
    const out = new Uint8Array(Math.ceil(length / NH) * NH);
    let t = new Uint8Array(0);
    for (let i = 1; (i - 1) * NH < length; i++) {
      t = new Uint8Array(await subtle.sign("HMAC", key, concat(t, info, [i])));
      out.set(t, (i - 1) * NH);
    }
    return out.slice(0, length);
  }

  // --- HPKE (RFC 9180), base mode ---------------------------------------------------------------------

  const HPKE_V1 = utf8.encode("HPKE-v1");
  const KEM_ID = 0x0020; // DHKEM(X25519, HKDF-SHA256), section 7.1
  const KDF_ID = 0x0001; // HKDF-SHA256, section 7.2
  // Section 4.1: suite_id = "KEM" || I2OSP(kem_id, 2) for the KEM's own derivations.
  const KEM_SUITE_ID = concat(utf8.encode("KEM"), i2osp(KEM_ID, 2));
  const N_SECRET = 32; // Nsecret of DHKEM(X25519, HKDF-SHA256)
  const N_SK = 32;
  const N_N = 12; // AES-GCM nonce length

  /*
   * The AEADs (section 7.3). The envelope uses AES-256-GCM only; AES-128-GCM is here because RFC 9180's
   * appendix has no known-answer vector for X25519 with AES-256-GCM, so the tests check the shared
   * machinery against A.1.1 (X25519, HKDF-SHA256, AES-128-GCM) and AES-256-GCM against another HPKE.
   */
  const AES_256_GCM = { aeadId: 0x0002, nk: 32 };
  const AES_128_GCM = { aeadId: 0x0001, nk: 16 };

  /** Section 5.1: suite_id = "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2). */
  function hpkeSuiteId(aead) {
    return concat(utf8.encode("HPKE"), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(aead.aeadId, 2));
  }

  /** Section 4: LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm). */
  function labeledExtract(suiteId, salt, label, ikm) {
    return hkdfExtract(salt, concat(HPKE_V1, suiteId, utf8.encode(label), ikm));
  }

  /** Section 4: LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L). */
  function labeledExpand(suiteId, prk, label, info, length) {
    return hkdfExpand(prk, concat(i2osp(length, 2), HPKE_V1, suiteId, utf8.encode(label), info), length);
  }

  // X25519 keys in WebCrypto. A raw private key can only enter through PKCS#8 (or JWK): this is the
  // RFC 8410 PrivateKeyInfo prefix for id-X25519 (1.3.101.110) before the 32 key bytes; it is also
  // exactly what Python's cryptography writes into a "PRIVATE KEY" PEM.
  const PKCS8_X25519_PREFIX = fromHex("302e020100300506032b656e04220420");
  // The X25519 base point, u = 9 (RFC 7748 section 4.1): X25519(sk, 9) is sk's public key.
  const BASE_POINT = concat([9], new Uint8Array(31));

  async function importPublicRaw(raw) {
    requireSubtle();
    const pk = bytes(raw);
    if (pk.length !== 32) throw new TypeError("an X25519 public key is 32 bytes");
    return subtle.importKey("raw", pk, { name: "X25519" }, true, []);
  }

  async function importPrivateRaw(raw, extractable = false) {
    const sk = bytes(raw);
    if (sk.length !== 32) throw new TypeError("an X25519 private key is 32 bytes");
    return subtle.importKey("pkcs8", concat(PKCS8_X25519_PREFIX, sk), { name: "X25519" }, extractable, ["deriveBits"]);
  }

  /** DH(sk, pk) (section 7.1): X25519; an all-zero result (a small-order pk) is refused (section 7.1.4). */
  async function dh(privateKey, publicKey) {
    const out = new Uint8Array(await subtle.deriveBits({ name: "X25519", public: publicKey }, privateKey, 256));
    if (out.every((b) => b === 0)) throw new Error("X25519 produced the all-zero value");
    return out;
  }

  /** The 32-byte raw public key of a private CryptoKey, extractable or not: X25519(sk, 9). */
  async function publicRawOf(privateKey) {
    requireSubtle();
    return dh(privateKey, await importPublicRaw(BASE_POINT));
  }

  /** DeriveKeyPair(ikm) for X25519 (section 7.1.3): the raw private key (used by the known-answer tests). */
  async function deriveKeyPair(ikm) {
    const dkpPrk = await labeledExtract(KEM_SUITE_ID, new Uint8Array(0), "dkp_prk", bytes(ikm));
    const skRaw = await labeledExpand(KEM_SUITE_ID, dkpPrk, "sk", new Uint8Array(0), N_SK);
    const privateKey = await importPrivateRaw(skRaw);
    return { skRaw, privateKey, publicRaw: await publicRawOf(privateKey) };
  }

  /** ExtractAndExpand (section 4.1). */
  async function extractAndExpand(dhValue, kemContext) {
    const eaePrk = await labeledExtract(KEM_SUITE_ID, new Uint8Array(0), "eae_prk", dhValue);
    return labeledExpand(KEM_SUITE_ID, eaePrk, "shared_secret", kemContext, N_SECRET);
  }

  /**
   * Encap(pkR) (section 4.1). `ephemeral` (raw private key bytes) is for known-answer tests only;
   * normally the ephemeral key pair is fresh from WebCrypto and never leaves it.
   */
  async function encap(pkRaw, ephemeral) {
    const pkR = await importPublicRaw(pkRaw);
    let skE;
    let enc;
    if (ephemeral) {
      skE = await importPrivateRaw(ephemeral);
      enc = await publicRawOf(skE);
    } else {
      const pair = await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
      skE = pair.privateKey;
      enc = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
    }
    const kemContext = concat(enc, bytes(pkRaw));
    return { sharedSecret: await extractAndExpand(await dh(skE, pkR), kemContext), enc };
  }

  /** Decap(enc, skR) (section 4.1). */
  async function decap(enc, skR) {
    const pkE = await importPublicRaw(enc);
    const kemContext = concat(enc, await publicRawOf(skR));
    return extractAndExpand(await dh(skR, pkE), kemContext);
  }

  /** KeySchedule for mode_base (section 5.1): no PSK, so psk and psk_id are empty. */
  async function keySchedule(sharedSecret, info, aead = AES_256_GCM) {
    const suiteId = hpkeSuiteId(aead);
    const empty = new Uint8Array(0);
    const pskIdHash = await labeledExtract(suiteId, empty, "psk_id_hash", empty);
    const infoHash = await labeledExtract(suiteId, empty, "info_hash", bytes(info));
    const context = concat([0x00], pskIdHash, infoHash); // mode_base = 0x00
    const secret = await labeledExtract(suiteId, sharedSecret, "secret", empty);
    return {
      keyScheduleContext: context,
      secret,
      key: await labeledExpand(suiteId, secret, "key", context, aead.nk),
      baseNonce: await labeledExpand(suiteId, secret, "base_nonce", context, N_N),
      exporterSecret: await labeledExpand(suiteId, secret, "exp", context, NH),
    };
  }

  async function aeadKey(key, usage) {
    return subtle.importKey("raw", key, { name: "AES-GCM" }, false, [usage]);
  }

  /**
   * Single-shot SealBase (section 6.1): returns enc || ciphertext. The first (and only) message uses
   * sequence number 0, so its nonce is base_nonce itself (section 5.2). Python's cryptography
   * `Suite.encrypt(plaintext, public_key, info=...)` is this with an empty aad.
   */
  async function hpkeSeal(pkRaw, info, plaintext, options = {}) {
    requireSubtle();
    const aead = options.aead || AES_256_GCM;
    const { sharedSecret, enc } = await encap(pkRaw, options.ephemeral);
    const ks = await keySchedule(sharedSecret, info, aead);
    const ct = await subtle.encrypt(
      { name: "AES-GCM", iv: ks.baseNonce, additionalData: bytes(options.aad || []) },
      await aeadKey(ks.key, "encrypt"),
      bytes(plaintext),
    );
    return concat(enc, new Uint8Array(ct));
  }

  /** Single-shot OpenBase (section 6.1) of enc || ciphertext; throws if any tag fails. */
  async function hpkeOpen(privateKey, info, sealed, options = {}) {
    requireSubtle();
    const aead = options.aead || AES_256_GCM;
    const data = bytes(sealed);
    if (data.length < 32 + TAG) throw new Error("HPKE ciphertext too short");
    const enc = data.subarray(0, 32);
    const ks = await keySchedule(await decap(enc, privateKey), info, aead);
    const pt = await subtle.decrypt(
      { name: "AES-GCM", iv: ks.baseNonce, additionalData: bytes(options.aad || []) },
      await aeadKey(ks.key, "decrypt"),
      data.subarray(32),
    );
    return new Uint8Array(pt);
  }

  // --- keys ---------------------------------------------------------------------------------------------

  /** Lowercase hex SHA-256 of the 32-byte raw public key. */
  async function keyId(publicRaw) {
    return toHex(await sha256(publicKeyBytes(publicRaw)));
  }

  /**
   * A raw public key given as bytes, as 64 hex digits or as base64 (44 characters): always 32 bytes.
   */
  function publicKeyBytes(value) {
    let raw;
    if (typeof value === "string") raw = /^[0-9a-fA-F]{64}$/.test(value) ? fromHex(value) : b64decode(value);
    else raw = bytes(value);
    if (raw.length !== 32) throw new TypeError("加密公钥格式不正确（应为 32 字节 X25519 公钥）。");
    return raw;
  }

  /** A new X25519 key pair: { privateKey, publicKey (CryptoKeys), publicRaw, keyId }. */
  async function generateKeyPair() {
    requireSubtle();
    const pair = await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
    const publicRaw = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
    return { privateKey: pair.privateKey, publicKey: pair.publicKey, publicRaw, keyId: await keyId(publicRaw) };
  }

  /**
   * The private key file: PKCS#8 in a "PRIVATE KEY" PEM, the same bytes as Python's
   * envelope.private_key_pem() (the key must have been made extractable).
   */
  async function exportPrivatePem(privateKey) {
    requireSubtle();
    const der = new Uint8Array(await subtle.exportKey("pkcs8", privateKey));
    const lines = b64encode(der).match(/.{1,64}/g);
    return "-----BEGIN PRIVATE KEY-----\n" + lines.join("\n") + "\n-----END PRIVATE KEY-----\n";
  }

  /**
   * Reads a key file (PEM text, or its bytes): { privateKey, publicRaw, keyId }. The CryptoKey is not
   * extractable unless options.extractable: the page can use it but not read it back out.
   */
  async function importPrivatePem(pem, options = {}) {
    requireSubtle();
    const text = typeof pem === "string" ? pem : new TextDecoder().decode(bytes(pem));
    const m = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(text);
    let der;
    try {
      if (!m) throw new TypeError("no PRIVATE KEY block");
      der = b64decode(m[1].replace(/\s+/g, ""));
    } catch {
      throw new EnvelopeError("密钥文件无法读取。");
    }
    let privateKey;
    try {
      privateKey = await subtle.importKey("pkcs8", der, { name: "X25519" }, !!options.extractable, ["deriveBits"]);
    } catch {
      throw new EnvelopeError("密钥文件不是 X25519 加密密钥。");
    }
    const publicRaw = await publicRawOf(privateKey);
    return { privateKey, publicRaw, keyId: await keyId(publicRaw) };
  }

  async function privateKeyOf(key) {
    if (typeof key === "string" || key instanceof Uint8Array || key instanceof ArrayBuffer) {
      return (await importPrivatePem(key)).privateKey;
    }
    if (key && key.privateKey) return key.privateKey; // a key pair or importPrivatePem()'s result
    return key;
  }

  // --- the envelope -----------------------------------------------------------------------------------

  function checkBinding(binding) {
    const b = binding || {};
    const ok =
      typeof b.tender_code === "string" && Number.isSafeInteger(b.section) && typeof b.bidder === "string" &&
      isWellFormed(b.tender_code) && isWellFormed(b.bidder);
    if (!ok) throw new TypeError("binding must be {tender_code: string, section: integer, bidder: string}");
    return { tender_code: b.tender_code, section: b.section, bidder: b.bidder };
  }

  /** The HPKE info of every wrap: "sealbid-envelope/1" NUL tender_code NUL section NUL bidder (UTF-8). */
  function bindingInfo(binding) {
    const b = checkBinding(binding);
    return utf8.encode(INFO_PREFIX + [b.tender_code, String(b.section), b.bidder].join("\u0000"));
  }

  /** All k-subsets of items, in the order of Python's itertools.combinations. */
  function combinations(items, k) {
    const out = [];
    const pick = [];
    (function walk(start) {
      if (pick.length === k) {
        out.push(pick.slice());
        return;
      }
      for (let i = start; i <= items.length - (k - pick.length); i++) {
        pick.push(items[i]);
        walk(i + 1);
        pick.pop();
      }
    })(0);
    return out;
  }

  function binomial(n, k) {
    let r = 1;
    for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
    return Math.round(r);
  }

  /** Escrow wraps (docs/envelope.md, "Recipients"): per k-subset in key-id order, innermost for the last holder. */
  async function escrowWraps(contentKey, escrow, info) {
    const holders = [];
    for (const h of escrow.holders || []) {
      const raw = publicKeyBytes(h);
      holders.push({ raw, id: await keyId(raw) });
    }
    holders.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const k = escrow.k;
    if (!Number.isInteger(k) || k < 1 || k > holders.length) {
      throw new TypeError("开标密钥托管的门限 k 必须在 1 到托管人数之间。");
    }
    if (binomial(holders.length, k) > MAX_SUBSETS) throw new TypeError("托管人过多：组合数超过上限。");
    const wraps = [];
    for (const subset of combinations(holders, k)) {
      let wrapped = contentKey;
      for (const holder of subset.slice().reverse()) wrapped = await hpkeSeal(holder.raw, info, wrapped);
      wraps.push({ holders: subset.map((h) => h.id), wrap: b64encode(wrapped) });
    }
    return { k, holders: holders.map((h) => h.id), wraps };
  }

  /** STREAM nonce: nonce_prefix (7) || index as 4-byte big-endian || 0x01 for the last chunk, else 0x00. */
  function chunkNonce(prefix, index, last) {
    return concat(prefix, i2osp(index, 4), [last ? 1 : 0]);
  }

  /**
   * Seals a Blob/File (or bytes), exactly as signing/envelope.py's seal() does, handing the envelope's
   * bytes in order to `write` (an async function of a Uint8Array; it is awaited, so it can apply
   * back-pressure). Nothing is kept: this is the way for large bids — upload the pieces as they come, or
   * write them to a file (File System Access API's createWritable()).
   *
   *   binding         {tender_code, section, bidder}
   *   bidderPublic    the bidder's raw X25519 public key (bytes, hex or base64)
   *   escrow          {k, holders: [raw public keys]} — the tender's opening escrow
   *   options         {chunkSize (default 65536), onProgress({done, total}) after every slice of the
   *                    plaintext, hash (default true): compute the envelope hash on the way}
   *
   * → {size, hash}: the envelope's length and its hash (lowercase hex SHA-256 of every byte written;
   * null with hash: false), the hash the receipt names.
   */
  async function sealTo(write, plaintext, binding, bidderPublic, escrow, options = {}) {
    requireSubtle();
    const source = plaintext instanceof Blob ? plaintext : new Blob([bytes(plaintext)]);
    const chunkSize = options.chunkSize === undefined ? CHUNK_SIZE : options.chunkSize;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
      throw new TypeError("chunkSize must be an integer from 1 to " + MAX_CHUNK_SIZE);
    }
    const b = checkBinding(binding);
    const info = bindingInfo(b);
    const bidderRaw = publicKeyBytes(bidderPublic);

    const contentKey = crypto.getRandomValues(new Uint8Array(32));
    const prefix = crypto.getRandomValues(new Uint8Array(7));
    let header;
    let aesKey;
    try {
      header = {
        v: VERSION,
        aead: "AES-256-GCM",
        hpke: HPKE_NAME,
        binding: b,
        chunk_size: chunkSize,
        nonce_prefix: b64encode(prefix),
        bidder: { key_id: await keyId(bidderRaw), wrap: b64encode(await hpkeSeal(bidderRaw, info, contentKey)) },
        escrow: await escrowWraps(contentKey, escrow || {}, info),
      };
      aesKey = await aeadKey(contentKey, "encrypt");
    } finally {
      contentKey.fill(0); // from here on the key lives only inside WebCrypto and in the wraps
    }
    const headerBytes = utf8.encode(canonicalJson(header));
    if (headerBytes.length > MAX_HEADER) throw new TypeError("信封头过大。");
    const lead = concat(MAGIC, i2osp(headerBytes.length, 4), headerBytes);
    const aad = await sha256(lead); // associated data of every chunk: SHA-256(magic || hlen || header)

    const hash = options.hash === false ? null : new Sha256();
    let size = 0;
    const emit = async (piece) => {
      if (hash) hash.update(piece);
      size += piece.length;
      await write(piece);
    };

    // STREAM: chunk i of chunk_size bytes (the last shorter; one empty chunk for an empty plaintext).
    const total = source.size;
    const chunks = total === 0 ? 1 : Math.ceil(total / chunkSize);
    const perRead = Math.max(1, Math.floor(READ_BLOCK / chunkSize)); // chunks per Blob.slice
    const reads = Math.ceil(chunks / perRead);

    /** Reads slice r of the plaintext and seals its chunks (WebCrypto runs them in parallel). */
    async function sealSlice(r) {
      const first = r * perRead;
      const end = Math.min(chunks, first + perRead);
      const start = first * chunkSize;
      const stop = Math.min(total, end * chunkSize);
      const block = new Uint8Array(await source.slice(start, stop).arrayBuffer());
      if (block.length !== stop - start) throw new Error("文件在加密过程中被修改。");
      const jobs = [];
      for (let i = first; i < end; i++) {
        const piece = block.subarray((i - first) * chunkSize, Math.min(block.length, (i - first + 1) * chunkSize));
        const params = { name: "AES-GCM", iv: chunkNonce(prefix, i, i === chunks - 1), additionalData: aad };
        jobs.push(subtle.encrypt(params, aesKey, piece));
      }
      return { sealed: concat(...(await Promise.all(jobs))), done: stop };
    }

    await emit(lead);
    // One slice ahead: slice r+1 is read and encrypted while slice r is hashed and written.
    let next = sealSlice(0);
    for (let r = 0; r < reads; r++) {
      const current = await next;
      next = r + 1 < reads ? sealSlice(r + 1) : null;
      if (next) next.catch(() => {}); // a failure is reported when it is awaited, not as unhandled
      await emit(current.sealed);
      if (options.onProgress) options.onProgress({ done: current.done, total });
    }
    return { size, hash: hash ? toHex(hash.digest()) : null };
  }

  /**
   * Seals into an envelope Blob (see sealTo for the arguments). Its envelope hash is sha256Hex(blob).
   *
   * Chrome keeps Blobs made in a page in its blob storage, which has a quota: in the Chromium this was
   * tested with, a Blob built from memory past about 512 MiB could be made but not read back
   * (NotReadableError). For bids that large use sealTo() and send the pieces on as they come.
   */
  async function seal(plaintext, binding, bidderPublic, escrow, options = {}) {
    let out = new Blob([]);
    let pending = [];
    let pendingBytes = 0;
    await sealTo(
      (piece) => {
        pending.push(piece);
        pendingBytes += piece.length;
        if (pendingBytes >= FLUSH_BYTES) {
          // Fold into the Blob, which moves the bytes out of this page's memory into the blob storage.
          out = new Blob([out, ...pending]);
          pending = [];
          pendingBytes = 0;
        }
      },
      plaintext, binding, bidderPublic, escrow, { ...options, hash: false },
    );
    return new Blob([out, ...pending], { type: "application/octet-stream" });
  }

  // --- reading ------------------------------------------------------------------------------------------

  async function readRange(source, start, end) {
    if (source instanceof Blob) return new Uint8Array(await source.slice(start, end).arrayBuffer());
    return bytes(source).slice(start, end);
  }

  function checkFields(f) {
    const isInt = Number.isInteger;
    let ok;
    try {
      if (f.v !== VERSION) throw new EnvelopeError("不支持的信封版本 " + String(f.v).slice(0, 10) + "。");
      ok =
        f.aead === "AES-256-GCM" && f.hpke === HPKE_NAME &&
        isInt(f.chunk_size) && f.chunk_size >= 1 && f.chunk_size <= MAX_CHUNK_SIZE &&
        b64decode(f.nonce_prefix).length === 7 &&
        typeof f.binding.tender_code === "string" && isInt(f.binding.section) && typeof f.binding.bidder === "string" &&
        typeof f.bidder.key_id === "string" && typeof f.bidder.wrap === "string" &&
        isInt(f.escrow.k) && Array.isArray(f.escrow.holders) && Array.isArray(f.escrow.wraps);
    } catch (exc) {
      if (exc instanceof EnvelopeError) throw exc;
      ok = false;
    }
    if (!ok) throw new EnvelopeError("信封头格式不正确。");
  }

  /**
   * Parses and checks the header of an envelope (a Blob/File, or bytes holding at least its start):
   * { fields, aad (SHA-256 of magic||hlen||header), length (bytes before the first chunk), lead, binding }.
   */
  async function readHeader(source) {
    requireSubtle();
    const start = await readRange(source, 0, 12);
    if (start.length < 12 || !MAGIC.every((c, i) => start[i] === c)) {
      throw new EnvelopeError("这不是 sealbid 投标文件信封（文件头不符）。");
    }
    const hlen = ((start[8] << 24) | (start[9] << 16) | (start[10] << 8) | start[11]) >>> 0;
    if (hlen > MAX_HEADER) throw new EnvelopeError("信封头过大。");
    const raw = await readRange(source, 12, 12 + hlen);
    if (raw.length !== hlen) throw new EnvelopeError("信封不完整（文件被截断）。");
    let fields;
    try {
      fields = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
    } catch {
      throw new EnvelopeError("信封头格式不正确。");
    }
    if (!fields || typeof fields !== "object") throw new EnvelopeError("信封头格式不正确。");
    checkFields(fields);
    const lead = concat(start, raw);
    return { fields, aad: await sha256(lead), length: 12 + hlen, lead, binding: fields.binding };
  }

  async function headerOf(source) {
    return source && source.fields && source.aad ? source : readHeader(source);
  }

  /**
   * The bidder's own way to the content key ("decrypt-key" at the opening): the key file stays in the
   * browser. `privateKey` is a CryptoKey, a key pair, or the key file's PEM text. → Uint8Array(32).
   */
  async function unwrapForBidder(source, privateKey) {
    const header = await headerOf(source);
    const sk = await privateKeyOf(privateKey);
    const mismatch = "密钥与该投标文件不匹配。";
    if ((await keyId(await publicRawOf(sk))) !== header.fields.bidder.key_id) throw new EnvelopeError(mismatch);
    let wrap;
    try {
      wrap = b64decode(header.fields.bidder.wrap);
    } catch {
      throw new EnvelopeError("信封头格式不正确。");
    }
    try {
      return await hpkeOpen(sk, bindingInfo(header.fields.binding), wrap);
    } catch {
      throw new EnvelopeError(mismatch);
    }
  }

  /** The nested escrow wrap for exactly these holders (key ids). */
  async function escrowWrap(source, holderIds) {
    const header = await headerOf(source);
    const wanted = holderIds.slice().sort();
    for (const entry of header.fields.escrow.wraps) {
      if (Array.isArray(entry.holders) && canonicalJson(entry.holders) === canonicalJson(wanted)) {
        try {
          return b64decode(entry.wrap);
        } catch {
          throw new EnvelopeError("信封头格式不正确。");
        }
      }
    }
    throw new EnvelopeError("这些托管人的组合无法解开该信封。");
  }

  /** One escrow holder removes its layer; after the k-th layer the result is the content key. */
  async function peel(layer, privateKey, binding) {
    const sk = await privateKeyOf(privateKey);
    try {
      return await hpkeOpen(sk, bindingInfo(binding), layer);
    } catch {
      throw new EnvelopeError("托管人的密钥无法解开这一层。");
    }
  }

  global.SealbidEnvelope = Object.freeze({
    VERSION,
    MAGIC: "SEALBID1",
    CHUNK_SIZE,
    MAX_CHUNK_SIZE,
    HPKE_NAME,
    EnvelopeError,
    // keys
    generateKeyPair,
    importPublicRaw,
    publicRawOf,
    keyId,
    exportPrivatePem,
    importPrivatePem,
    // the envelope
    seal,
    sealTo,
    readHeader,
    unwrapForBidder,
    escrowWrap,
    peel,
    bindingInfo,
    canonicalJson,
    // hashing
    Sha256,
    sha256Hex,
    // HPKE, RFC 9180 (seal/open are single-shot base mode; the rest is exposed for the known-answer tests)
    hpke: Object.freeze({
      seal: hpkeSeal,
      open: hpkeOpen,
      encap,
      decap,
      keySchedule,
      deriveKeyPair,
      importPrivateRaw,
      AES_256_GCM,
      AES_128_GCM,
    }),
    util: Object.freeze({ concat, toHex, fromHex, b64encode, b64decode }),
  });
})(typeof window !== "undefined" ? window : globalThis);
