// The Web/Deno API surface edge functions use, written on top of a few host functions (`__host`, see HostBindings.cs).
// Runs once per engine before the function's module is loaded. Jint 4.x ships no Web APIs, so they live here.
(function (host) {
  "use strict";
  const g = globalThis;
  const define = (name, value) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });

  // ---------- DOMException, Event, EventTarget, AbortController ----------
  const DOM_CODES = { IndexSizeError: 1, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12, InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, TimeoutError: 23, DataCloneError: 25, InvalidCharacterError: 5, OperationError: 0, DataError: 0 };
  class DOMException extends Error {
    constructor(message = "", name = "Error") {
      super(message);
      Object.defineProperty(this, "name", { value: String(name), configurable: true, writable: true });
    }
    get code() { return DOM_CODES[this.name] || 0; }
  }
  define("DOMException", DOMException);

  class Event {
    constructor(type, init = {}) {
      this.type = String(type);
      this.bubbles = !!init.bubbles;
      this.cancelable = !!init.cancelable;
      this.composed = !!init.composed;
      this.defaultPrevented = false;
      this.timeStamp = Date.now();
      this.target = null;
      this.currentTarget = null;
      this.isTrusted = false;
    }
    preventDefault() { if (this.cancelable) this.defaultPrevented = true; }
    stopPropagation() {}
    stopImmediatePropagation() { this._stop = true; }
  }
  class CustomEvent extends Event {
    constructor(type, init = {}) { super(type, init); this.detail = init.detail ?? null; }
  }
  class ErrorEvent extends Event {
    constructor(type, init = {}) { super(type, init); this.message = init.message ?? ""; this.error = init.error; }
  }
  class EventTarget {
    constructor() { Object.defineProperty(this, "_listeners", { value: new Map(), writable: true }); }
    addEventListener(type, listener, options) {
      if (!listener) return;
      if (!this._listeners) Object.defineProperty(this, "_listeners", { value: new Map(), writable: true });
      const once = typeof options === "object" && options !== null && !!options.once;
      let list = this._listeners.get(type);
      if (!list) this._listeners.set(type, (list = []));
      if (!list.some((l) => l.listener === listener)) list.push({ listener, once });
      if (typeof options === "object" && options?.signal) options.signal.addEventListener("abort", () => this.removeEventListener(type, listener));
    }
    removeEventListener(type, listener) {
      const list = this._listeners?.get(type);
      if (!list) return;
      const i = list.findIndex((l) => l.listener === listener);
      if (i >= 0) list.splice(i, 1);
    }
    dispatchEvent(event) {
      const list = this._listeners?.get(event.type);
      event.target = event.currentTarget = this;
      const handler = this["on" + event.type];
      if (typeof handler === "function") handler.call(this, event);
      if (list) {
        for (const l of [...list]) {
          if (l.once) this.removeEventListener(event.type, l.listener);
          if (typeof l.listener === "function") l.listener.call(this, event);
          else if (l.listener && typeof l.listener.handleEvent === "function") l.listener.handleEvent(event);
          if (event._stop) break;
        }
      }
      return !event.defaultPrevented;
    }
  }
  define("Event", Event);
  define("CustomEvent", CustomEvent);
  define("ErrorEvent", ErrorEvent);
  define("EventTarget", EventTarget);

  class AbortSignal extends EventTarget {
    constructor() { super(); this.aborted = false; this.reason = undefined; this.onabort = null; }
    throwIfAborted() { if (this.aborted) throw this.reason; }
    _abort(reason) {
      if (this.aborted) return;
      this.aborted = true;
      this.reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
      this.dispatchEvent(new Event("abort"));
    }
    static abort(reason) { const s = new AbortSignal(); s._abort(reason); return s; }
    static timeout(ms) {
      const s = new AbortSignal();
      setTimeout(() => s._abort(new DOMException("Signal timed out.", "TimeoutError")), ms);
      return s;
    }
    static any(signals) {
      const s = new AbortSignal();
      for (const x of signals) {
        if (x.aborted) { s._abort(x.reason); break; }
        x.addEventListener("abort", () => s._abort(x.reason));
      }
      return s;
    }
  }
  class AbortController {
    constructor() { this.signal = new AbortSignal(); }
    abort(reason) { this.signal._abort(reason); }
  }
  define("AbortSignal", AbortSignal);
  define("AbortController", AbortController);

  // ---------- console ----------
  function inspect(v, depth, seen) {
    if (typeof v === "string") return depth === 0 ? v : JSON.stringify(v);
    if (v === null || v === undefined || typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
    if (typeof v === "symbol") return v.toString();
    if (typeof v === "function") return `[Function: ${v.name || "(anonymous)"}]`;
    if (v instanceof Error) return v.stack ? String(v.stack) : `${v.name}: ${v.message}`;
    if (seen.includes(v)) return "[Circular]";
    if (depth > 4) return Array.isArray(v) ? "[Array]" : "[Object]";
    const next = [...seen, v];
    if (Array.isArray(v)) return "[ " + v.map((x) => inspect(x, depth + 1, next)).join(", ") + " ]";
    if (v instanceof Date) return isNaN(v) ? "Invalid Date" : v.toISOString();
    if (v instanceof Map) return `Map(${v.size}) { ` + [...v].map(([k, x]) => `${inspect(k, depth + 1, next)} => ${inspect(x, depth + 1, next)}`).join(", ") + " }";
    if (v instanceof Set) return `Set(${v.size}) { ` + [...v].map((x) => inspect(x, depth + 1, next)).join(", ") + " }";
    if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.length}) [ ${Array.prototype.slice.call(v, 0, 50).join(", ")} ]`;
    if (v instanceof URL || v instanceof URLSearchParams || v instanceof Headers) return `${v.constructor.name} ${v.toString()}`;
    const keys = Object.keys(v);
    const name = v.constructor && v.constructor !== Object ? v.constructor.name + " " : "";
    if (keys.length === 0) return name + "{}";
    return name + "{ " + keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(v[k], depth + 1, next)}`).join(", ") + " }";
  }
  function format(args) {
    if (args.length === 0) return "";
    let first = args[0];
    let rest = args.slice(1);
    if (typeof first === "string" && /%[sdifoOjc%]/.test(first) && rest.length) {
      first = first.replace(/%([sdifoOjc%])/g, (m, c) => {
        if (c === "%") return "%";
        if (rest.length === 0) return m;
        const a = rest.shift();
        switch (c) {
          case "s": return typeof a === "string" ? a : inspect(a, 1, []);
          case "d": case "i": return String(parseInt(a, 10));
          case "f": return String(parseFloat(a));
          case "c": return "";
          default: return inspect(a, 1, []);
        }
      });
    }
    return [first, ...rest].map((a) => inspect(a, 0, [])).join(" ");
  }
  const counters = new Map();
  const timersByLabel = new Map();
  let groupIndent = "";
  const out = (level) => (...args) => host.log(level, groupIndent + format(args));
  const console = {
    log: out(1), info: out(1), debug: out(0), trace: out(0), warn: out(2), error: out(3),
    dir: (o) => host.log(1, groupIndent + inspect(o, 1, [])),
    table: (o) => host.log(1, groupIndent + inspect(o, 1, [])),
    assert: (cond, ...args) => { if (!cond) host.log(3, "Assertion failed" + (args.length ? ": " + format(args) : "")); },
    count: (label = "default") => { const n = (counters.get(label) || 0) + 1; counters.set(label, n); host.log(1, `${label}: ${n}`); },
    countReset: (label = "default") => counters.delete(label),
    time: (label = "default") => timersByLabel.set(label, Date.now()),
    timeLog: (label = "default", ...a) => host.log(1, `${label}: ${Date.now() - (timersByLabel.get(label) ?? Date.now())}ms ${format(a)}`.trimEnd()),
    timeEnd: (label = "default") => { host.log(1, `${label}: ${Date.now() - (timersByLabel.get(label) ?? Date.now())}ms`); timersByLabel.delete(label); },
    group: (...a) => { if (a.length) host.log(1, groupIndent + format(a)); groupIndent += "  "; },
    groupCollapsed: (...a) => console.group(...a),
    groupEnd: () => { groupIndent = groupIndent.slice(2); },
  };
  define("console", console);

  // ---------- timers ----------
  const timers = new Map();
  let nextTimerId = 1;
  function addTimer(fn, ms, args, repeat) {
    const id = nextTimerId++;
    const delay = Math.max(0, Number(ms) || 0);
    timers.set(id, { fn, args, repeat, delay });
    host.setTimer(id, delay);
    return id;
  }
  define("setTimeout", (fn, ms, ...args) => addTimer(fn, ms, args, false));
  define("setInterval", (fn, ms, ...args) => addTimer(fn, ms, args, true));
  const clear = (id) => { if (timers.delete(Number(id))) host.clearTimer(Number(id)); };
  define("clearTimeout", clear);
  define("clearInterval", clear);
  define("queueMicrotask", (fn) => { Promise.resolve().then(() => fn()); });
  define("__supacsRunTimer", (id) => {
    const t = timers.get(id);
    if (!t) return;
    if (t.repeat) host.setTimer(id, Math.max(1, t.delay));
    else timers.delete(id);
    if (typeof t.fn === "function") t.fn(...t.args);
    else if (typeof t.fn === "string") (0, eval)(t.fn);
  });

  // ---------- bytes, text, base64 ----------
  // Jint 4.18's string iterator yields grapheme clusters ("\r\n" and "e\u0301" are one step), not code points as the
  // spec says: Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)), the usual base64 decoder in functions, then drops
  // the 0x0A after every 0x0D byte. Replace it with a code-point iterator.
  if ([..."\r\n"].length !== 2) {
    const StringIteratorProto = Object.getPrototypeOf(""[Symbol.iterator]());
    class CodePointIterator {
      constructor(s) { this._s = s; this._i = 0; }
      next() {
        const s = this._s, i = this._i;
        if (i >= s.length) return { value: undefined, done: true };
        const c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) { this._i = i + 2; return { value: s.slice(i, i + 2), done: false }; }
        }
        this._i = i + 1;
        return { value: s[i], done: false };
      }
      [Symbol.iterator]() { return this; }
    }
    Object.defineProperty(CodePointIterator.prototype, Symbol.toStringTag, { value: StringIteratorProto[Symbol.toStringTag] || "String Iterator" });
    Object.defineProperty(String.prototype, Symbol.iterator, {
      value: function () {
        if (this === null || this === undefined) throw new TypeError("String.prototype[Symbol.iterator] called on null or undefined");
        return new CodePointIterator(String(this));
      },
      writable: true, configurable: true, enumerable: false,
    });
  }
  // Jint 4.18's Uint8Array.prototype.toBase64/toHex read from the start of the buffer, ignoring a view's byteOffset
  // (jose base64url-encodes the GCM tag as encrypted.subarray(-16)): encode a copy when the view is offset.
  for (const method of ["toBase64", "toHex"]) {
    const native = Uint8Array.prototype[method];
    if (typeof native !== "function") continue;
    Object.defineProperty(Uint8Array.prototype, method, {
      value: function (options) { return native.call(this.byteOffset === 0 ? this : this.slice(), options); },
      writable: true, configurable: true, enumerable: false,
    });
  }
  function toU8(x) {
    if (x instanceof Uint8Array) return x;
    if (x instanceof ArrayBuffer) return new Uint8Array(x);
    if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    if (typeof SharedArrayBuffer !== "undefined" && x instanceof SharedArrayBuffer) return new Uint8Array(x);
    throw new TypeError("Expected an ArrayBuffer or ArrayBufferView");
  }
  const copyBuffer = (u8) => u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength);
  // The length of the longest prefix of u8 that does not end inside a UTF-8 sequence.
  function completeUtf8Length(u8) {
    const n = u8.length;
    for (let back = 1; back <= 3 && back <= n; back++) {
      const b = u8[n - back];
      if ((b & 0xc0) === 0x80) continue; // continuation byte
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      return need > back ? n - back : n;
    }
    return n;
  }
  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(s = "") { return host.utf8Encode(String(s)); }
    encodeInto(s, dest) {
      const bytes = host.utf8Encode(String(s));
      const n = Math.min(bytes.length, dest.length);
      let cut = n;
      if (n < bytes.length) cut = completeUtf8Length(bytes.subarray(0, n + 1)) > n ? n : completeUtf8Length(bytes.subarray(0, n));
      dest.set(bytes.subarray(0, cut));
      return { read: host.utf8Decode(bytes.subarray(0, cut), false, true).length, written: cut };
    }
  }
  class TextDecoder {
    constructor(label = "utf-8", options = {}) {
      const l = String(label).toLowerCase().trim();
      if (l !== "utf-8" && l !== "utf8" && l !== "unicode-1-1-utf-8") throw new RangeError(`The encoding label provided ('${label}') is invalid.`);
      this.encoding = "utf-8";
      this.fatal = !!options.fatal;
      this.ignoreBOM = !!options.ignoreBOM;
      this._pending = null;
    }
    decode(input, options = {}) {
      let u8 = input === undefined || input === null ? new Uint8Array(0) : toU8(input);
      if (this._pending) {
        const joined = new Uint8Array(this._pending.length + u8.length);
        joined.set(this._pending);
        joined.set(u8, this._pending.length);
        u8 = joined;
        this._pending = null;
      }
      if (options.stream) {
        const cut = completeUtf8Length(u8);
        if (cut < u8.length) { this._pending = u8.slice(cut); u8 = u8.subarray(0, cut); }
      }
      try {
        return host.utf8Decode(u8, this.fatal, this.ignoreBOM);
      } catch (e) {
        throw new TypeError("The encoded data was not valid for encoding utf-8");
      }
    }
  }
  define("TextEncoder", TextEncoder);
  define("TextDecoder", TextDecoder);
  define("btoa", (s) => {
    const r = host.btoa(String(s));
    if (r === null) throw new DOMException("Invalid character", "InvalidCharacterError");
    return r;
  });
  define("atob", (s) => {
    const r = host.atob(String(s));
    if (r === null) throw new DOMException("Failed to decode base64", "InvalidCharacterError");
    return r;
  });

  // ---------- structuredClone ----------
  function clone(v, seen) {
    if (typeof v !== "object" || v === null) {
      if (typeof v === "function" || typeof v === "symbol") throw new DOMException(`${String(v)} could not be cloned.`, "DataCloneError");
      return v;
    }
    if (seen.has(v)) return seen.get(v);
    let r;
    if (v instanceof Date) r = new Date(v.getTime());
    else if (v instanceof RegExp) r = new RegExp(v.source, v.flags);
    else if (v instanceof ArrayBuffer) r = v.slice(0);
    else if (ArrayBuffer.isView(v)) r = new v.constructor(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    else if (v instanceof Map) { r = new Map(); seen.set(v, r); for (const [k, x] of v) r.set(clone(k, seen), clone(x, seen)); return r; }
    else if (v instanceof Set) { r = new Set(); seen.set(v, r); for (const x of v) r.add(clone(x, seen)); return r; }
    else if (v instanceof Error) { r = new (g[v.name] && g[v.name].prototype instanceof Error ? g[v.name] : Error)(v.message); if (v.stack) r.stack = v.stack; }
    else if (v instanceof Blob) r = v.slice(0, v.size, v.type);
    else if (Array.isArray(v)) { r = []; seen.set(v, r); for (let i = 0; i < v.length; i++) r[i] = clone(v[i], seen); return r; }
    else {
      if (typeof v.then === "function" && v instanceof Promise) throw new DOMException("#<Promise> could not be cloned.", "DataCloneError");
      r = {};
      seen.set(v, r);
      for (const k of Object.keys(v)) r[k] = clone(v[k], seen);
      return r;
    }
    seen.set(v, r);
    return r;
  }
  define("structuredClone", (v) => clone(v, new Map()));

  // ---------- URL, URLSearchParams ----------
  const formEncode = (s) => encodeURIComponent(s).replace(/%20/g, "+").replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  const formDecode = (s) => { try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch { return s.replace(/\+/g, " "); } };
  class URLSearchParams {
    constructor(init = "") {
      this._list = [];
      this._url = null;
      if (init instanceof URLSearchParams) this._list = init._list.map((p) => [p[0], p[1]]);
      else if (typeof init === "object" && init !== null) {
        if (typeof init[Symbol.iterator] === "function") {
          for (const pair of init) {
            const p = [...pair];
            if (p.length !== 2) throw new TypeError("Each query pair must be an iterable [name, value] tuple");
            this._list.push([String(p[0]), String(p[1])]);
          }
        } else for (const k of Object.keys(init)) this._list.push([k, String(init[k])]);
      } else this._parse(String(init));
    }
    _parse(s) {
      this._list = [];
      if (s.startsWith("?")) s = s.slice(1);
      for (const part of s.split("&")) {
        if (!part) continue;
        const i = part.indexOf("=");
        this._list.push(i < 0 ? [formDecode(part), ""] : [formDecode(part.slice(0, i)), formDecode(part.slice(i + 1))]);
      }
    }
    _update() { if (this._url) { const s = this.toString(); this._url._search = s ? "?" + s : ""; } }
    get size() { return this._list.length; }
    append(k, v) { this._list.push([String(k), String(v)]); this._update(); }
    delete(k, v) { k = String(k); this._list = this._list.filter((p) => !(p[0] === k && (v === undefined || p[1] === String(v)))); this._update(); }
    get(k) { k = String(k); const p = this._list.find((x) => x[0] === k); return p ? p[1] : null; }
    getAll(k) { k = String(k); return this._list.filter((x) => x[0] === k).map((x) => x[1]); }
    has(k, v) { k = String(k); return this._list.some((x) => x[0] === k && (v === undefined || x[1] === String(v))); }
    set(k, v) {
      k = String(k); v = String(v);
      const i = this._list.findIndex((x) => x[0] === k);
      if (i < 0) this._list.push([k, v]);
      else { this._list[i][1] = v; this._list = this._list.filter((x, j) => j <= i || x[0] !== k); }
      this._update();
    }
    sort() { this._list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this._update(); }
    forEach(cb, thisArg) { for (const [k, v] of this._list) cb.call(thisArg, v, k, this); }
    keys() { return this._list.map((p) => p[0])[Symbol.iterator](); }
    values() { return this._list.map((p) => p[1])[Symbol.iterator](); }
    entries() { return this._list.map((p) => [p[0], p[1]])[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this._list.map(([k, v]) => formEncode(k) + "=" + formEncode(v)).join("&"); }
  }
  define("URLSearchParams", URLSearchParams);

  const SPECIAL = { "http:": "80", "https:": "443", "ws:": "80", "wss:": "443", "ftp:": "21", "file:": "" };
  class URL {
    constructor(input, base) {
      const p = host.parseUrl(String(input), base === undefined || base === null ? null : String(base));
      if (!p) throw new TypeError(`Invalid URL: '${input}'` + (base !== undefined ? ` with base '${base}'` : ""));
      this._apply(p);
    }
    _apply(p) {
      [this._protocol, this._username, this._password, this._hostname, this._port, this._pathname, this._search, this._hash, this._opaque] = p;
      if (this._sp) this._sp._parse(this._search);
    }
    static canParse(input, base) { return host.parseUrl(String(input), base === undefined ? null : String(base)) !== null; }
    static parse(input, base) { try { return new URL(input, base); } catch { return null; } }
    get protocol() { return this._protocol; }
    set protocol(v) { v = String(v).replace(/:.*$/, "").toLowerCase() + ":"; if (/^[a-z][a-z0-9+.-]*:$/.test(v)) this._protocol = v; }
    get username() { return this._username; }
    set username(v) { this._username = encodeURIComponent(String(v)); }
    get password() { return this._password; }
    set password(v) { this._password = encodeURIComponent(String(v)); }
    get hostname() { return this._hostname; }
    set hostname(v) { this._hostname = String(v).toLowerCase(); }
    get port() { return this._port; }
    set port(v) { v = String(v); if (v === "" ) { this._port = ""; return; } const n = parseInt(v, 10); if (!isNaN(n) && n >= 0 && n <= 65535) this._port = SPECIAL[this._protocol] === String(n) ? "" : String(n); }
    get host() { return this._hostname + (this._port ? ":" + this._port : ""); }
    set host(v) { const m = /^([^:/?#]*)(?::(\d*))?/.exec(String(v)); if (m) { this.hostname = m[1]; if (m[2] !== undefined) this.port = m[2]; } }
    get origin() { return this._protocol in SPECIAL && this._protocol !== "file:" ? `${this._protocol}//${this.host}` : "null"; }
    get pathname() { return this._pathname; }
    set pathname(v) {
      if (this._opaque) return;
      v = String(v);
      if (!v.startsWith("/")) v = "/" + v;
      this._pathname = v.replace(/[ "<>`#?{}]/g, (c) => encodeURIComponent(c));
    }
    get search() { return this._search.length > 1 ? this._search : ""; }
    set search(v) {
      v = String(v);
      if (v.startsWith("?")) v = v.slice(1);
      this._search = v ? "?" + v.replace(/[ "#<>]/g, (c) => encodeURIComponent(c)) : "";
      if (this._sp) this._sp._parse(this._search);
    }
    get searchParams() {
      if (!this._sp) { this._sp = new URLSearchParams(this._search); this._sp._url = this; }
      return this._sp;
    }
    get hash() { return this._hash.length > 1 ? this._hash : ""; }
    set hash(v) { v = String(v); if (v.startsWith("#")) v = v.slice(1); this._hash = v ? "#" + v.replace(/[ "<>`]/g, (c) => encodeURIComponent(c)) : ""; }
    get href() {
      if (this._opaque) return this._protocol + this._pathname + this._search + this._hash;
      const auth = this._username || this._password ? this._username + (this._password ? ":" + this._password : "") + "@" : "";
      return `${this._protocol}//${auth}${this.host}${this._pathname}${this._search}${this._hash}`;
    }
    set href(v) { const p = host.parseUrl(String(v), null); if (!p) throw new TypeError(`Invalid URL: '${v}'`); this._apply(p); }
    toString() { return this.href; }
    toJSON() { return this.href; }
  }
  define("URL", URL);

  // ---------- Headers ----------
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const normValue = (v) => String(v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  class Headers {
    constructor(init) {
      this._map = new Map(); // lower-case name -> array of values
      if (init === undefined || init === null) return;
      if (init instanceof Headers) { for (const [k, v] of init._map) this._map.set(k, [...v]); return; }
      if (typeof init !== "object") throw new TypeError("Headers init must be an object");
      if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = typeof pair === "string" ? null : [...pair];
          if (!p || p.length !== 2) throw new TypeError("Header pairs must contain exactly a name and a value");
          this.append(p[0], p[1]);
        }
      } else for (const k of Object.keys(init)) this.append(k, init[k]);
    }
    _key(name) {
      name = String(name);
      if (!TOKEN.test(name)) throw new TypeError(`Header name is not valid: "${name}"`);
      return name.toLowerCase();
    }
    append(name, value) {
      const k = this._key(name);
      const list = this._map.get(k);
      if (list) list.push(normValue(value)); else this._map.set(k, [normValue(value)]);
    }
    set(name, value) { this._map.set(this._key(name), [normValue(value)]); }
    get(name) {
      const list = this._map.get(String(name).toLowerCase());
      return list === undefined ? null : list.join(", ");
    }
    getSetCookie() { return [...(this._map.get("set-cookie") || [])]; }
    has(name) { return this._map.has(String(name).toLowerCase()); }
    delete(name) { this._map.delete(String(name).toLowerCase()); }
    forEach(cb, thisArg) { for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this); }
    *entries() {
      const keys = [...this._map.keys()].sort();
      for (const k of keys) {
        if (k === "set-cookie") for (const v of this._map.get(k)) yield [k, v];
        else yield [k, this._map.get(k).join(", ")];
      }
    }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    [Symbol.iterator]() { return this.entries(); }
    // name, value, name, value… with every value separately, for the host.
    _flat() {
      const out = [];
      for (const [k, list] of this._map) for (const v of list) out.push(k, v);
      return out;
    }
    toString() { return JSON.stringify(Object.fromEntries(this.entries())); }
  }
  define("Headers", Headers);

  // ---------- Blob, File, FormData ----------
  class Blob {
    constructor(parts = [], options = {}) {
      const chunks = [];
      let size = 0;
      for (const p of parts) {
        let u8;
        if (p instanceof Blob) u8 = p._bytes;
        else if (typeof p === "string") u8 = host.utf8Encode(p);
        else if (p instanceof ArrayBuffer || ArrayBuffer.isView(p)) u8 = toU8(p);
        else u8 = host.utf8Encode(String(p));
        chunks.push(u8);
        size += u8.length;
      }
      const all = new Uint8Array(size);
      let o = 0;
      for (const c of chunks) { all.set(c, o); o += c.length; }
      this._bytes = all;
      this.type = options.type ? String(options.type).toLowerCase() : "";
    }
    get size() { return this._bytes.length; }
    slice(start = 0, end = this.size, type = "") {
      const b = new Blob([], { type });
      b._bytes = this._bytes.slice(start, end);
      return b;
    }
    async text() { return host.utf8Decode(this._bytes, false, false); }
    async arrayBuffer() { return copyBuffer(this._bytes); }
    async bytes() { return this._bytes.slice(); }
    stream() { return streamOfBytes(this._bytes.slice()); }
  }
  class File extends Blob {
    constructor(parts, name, options = {}) {
      super(parts, options);
      this.name = String(name);
      this.lastModified = options.lastModified ?? Date.now();
    }
  }
  define("Blob", Blob);
  define("File", File);

  class FormData {
    constructor() { this._list = []; }
    _entry(name, value, filename) {
      if (value instanceof Blob) {
        if (!(value instanceof File) || filename !== undefined) {
          const f = new File([], filename !== undefined ? filename : value instanceof File ? value.name : "blob", { type: value.type });
          f._bytes = value._bytes;
          value = f;
        }
      } else value = String(value);
      return [String(name), value];
    }
    append(name, value, filename) { this._list.push(this._entry(name, value, filename)); }
    set(name, value, filename) {
      const e = this._entry(name, value, filename);
      const i = this._list.findIndex((x) => x[0] === e[0]);
      if (i < 0) this._list.push(e);
      else { this._list[i] = e; this._list = this._list.filter((x, j) => j <= i || x[0] !== e[0]); }
    }
    get(name) { const e = this._list.find((x) => x[0] === String(name)); return e ? e[1] : null; }
    getAll(name) { return this._list.filter((x) => x[0] === String(name)).map((x) => x[1]); }
    has(name) { return this._list.some((x) => x[0] === String(name)); }
    delete(name) { this._list = this._list.filter((x) => x[0] !== String(name)); }
    forEach(cb, thisArg) { for (const [k, v] of this._list) cb.call(thisArg, v, k, this); }
    entries() { return this._list.map((x) => [x[0], x[1]])[Symbol.iterator](); }
    keys() { return this._list.map((x) => x[0])[Symbol.iterator](); }
    values() { return this._list.map((x) => x[1])[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
    _encode() {
      const boundary = "----supacs" + host.randomUUID().replace(/-/g, "");
      const parts = [];
      const esc = (s) => s.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22");
      for (const [k, v] of this._list) {
        if (typeof v === "string") {
          parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${esc(k)}"\r\n\r\n${v.replace(/\r?\n|\r/g, "\r\n")}\r\n`);
        } else {
          parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${esc(k)}"; filename="${esc(v.name)}"\r\nContent-Type: ${v.type || "application/octet-stream"}\r\n\r\n`);
          parts.push(v);
          parts.push("\r\n");
        }
      }
      parts.push(`--${boundary}--\r\n`);
      return { bytes: new Blob(parts)._bytes, type: `multipart/form-data; boundary=${boundary}` };
    }
  }
  define("FormData", FormData);

  function parseMultipart(u8, contentType) {
    const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
    if (!m) throw new TypeError("Missing boundary in multipart/form-data");
    const parts = host.parseMultipart(u8, (m[1] || m[2]).trim());
    if (parts === null) throw new TypeError("Body can not be decoded as form data");
    const fd = new FormData();
    for (const p of parts) {
      // p: [name, filename|null, contentType|null, bytes]
      if (p[1] === null) fd.append(p[0], host.utf8Decode(p[3], false, false));
      else {
        const f = new File([], p[1], { type: p[2] || "" });
        f._bytes = p[3];
        fd.append(p[0], f);
      }
    }
    return fd;
  }

  // ---------- Streams ----------
  class ReadableStream {
    constructor(source = {}, strategy = {}) {
      this._queue = [];
      this._state = "readable";
      this._error = undefined;
      this._waiters = [];
      this._locked = false;
      this._source = source;
      this._hwm = strategy && strategy.highWaterMark !== undefined ? strategy.highWaterMark : 1;
      const self = this;
      this._controller = {
        enqueue(chunk) { self._enqueue(chunk); },
        close() { self._close(); },
        error(e) { self._fail(e); },
        get desiredSize() { return self._hwm - self._queue.length; },
        byobRequest: null,
      };
      this._starting = Promise.resolve().then(() => (source.start ? source.start(this._controller) : undefined)).catch((e) => this._fail(e));
      this._closedPromise = new Promise((res, rej) => { this._closedResolve = res; this._closedReject = rej; });
      this._closedPromise.catch(() => {});
    }
    _enqueue(chunk) {
      if (this._state !== "readable") throw new TypeError("The stream is not in a state that permits enqueue");
      const w = this._waiters.shift();
      if (w) w.resolve({ value: chunk, done: false }); else this._queue.push(chunk);
    }
    _close() {
      if (this._state !== "readable") return;
      this._state = "closed";
      if (this._queue.length === 0) for (const w of this._waiters.splice(0)) w.resolve({ value: undefined, done: true });
      this._closedResolve();
    }
    _fail(e) {
      if (this._state !== "readable") return;
      this._state = "errored";
      this._error = e;
      this._queue = [];
      for (const w of this._waiters.splice(0)) w.reject(e);
      this._closedReject(e);
    }
    async _read() {
      await this._starting;
      for (;;) {
        if (this._queue.length) {
          const value = this._queue.shift();
          if (this._state === "closed" && this._queue.length === 0) for (const w of this._waiters.splice(0)) w.resolve({ value: undefined, done: true });
          return { value, done: false };
        }
        if (this._state === "errored") throw this._error;
        if (this._state === "closed") return { value: undefined, done: true };
        if (this._source.pull && !this._pulling) {
          this._pulling = true;
          try { await this._source.pull(this._controller); } catch (e) { this._fail(e); } finally { this._pulling = false; }
          if (this._queue.length || this._state !== "readable") continue;
        }
        return new Promise((resolve, reject) => this._waiters.push({ resolve, reject }));
      }
    }
    get locked() { return this._locked; }
    getReader() {
      if (this._locked) throw new TypeError("ReadableStream is locked");
      this._locked = true;
      const stream = this;
      return {
        read: () => stream._read(),
        releaseLock() { stream._locked = false; },
        cancel: (reason) => stream.cancel(reason),
        get closed() { return stream._closedPromise; },
      };
    }
    async cancel(reason) {
      if (this._state === "readable") {
        this._queue = [];
        this._close();
        if (this._source.cancel) await this._source.cancel(reason);
      }
    }
    async *[Symbol.asyncIterator]() {
      const reader = this.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally { reader.releaseLock(); }
    }
    values() { return this[Symbol.asyncIterator](); }
    pipeThrough(transform) { this.pipeTo(transform.writable).catch(() => {}); return transform.readable; }
    async pipeTo(dest) {
      const reader = this.getReader();
      const writer = dest.getWriter();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          await writer.write(value);
        }
        await writer.close();
      } catch (e) {
        await writer.abort(e);
        throw e;
      } finally { reader.releaseLock(); writer.releaseLock(); }
    }
    tee() {
      const reader = this.getReader();
      const a = [], b = [];
      let ca, cb;
      const pump = async () => {
        const { value, done } = await reader.read();
        if (done) { ca.close(); cb.close(); return; }
        ca.enqueue(value); cb.enqueue(value);
      };
      return [new ReadableStream({ start(c) { ca = c; }, pull: pump }), new ReadableStream({ start(c) { cb = c; }, pull: pump })];
    }
    static from(iterable) {
      const it = iterable[Symbol.asyncIterator] ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
      return new ReadableStream({
        async pull(c) {
          const { value, done } = await it.next();
          if (done) c.close(); else c.enqueue(value);
        },
      });
    }
  }
  class WritableStream {
    constructor(sink = {}) {
      this._sink = sink;
      this._locked = false;
      this._controller = { error: (e) => { this._errored = e; }, signal: new AbortController().signal };
      this._ready = Promise.resolve(sink.start ? sink.start(this._controller) : undefined);
    }
    get locked() { return this._locked; }
    getWriter() {
      if (this._locked) throw new TypeError("WritableStream is locked");
      this._locked = true;
      const s = this;
      let chain = this._ready;
      const enqueue = (fn) => (chain = chain.then(fn));
      return {
        write: (chunk) => enqueue(() => (s._sink.write ? s._sink.write(chunk, s._controller) : undefined)),
        close: () => enqueue(() => (s._sink.close ? s._sink.close() : undefined)),
        abort: (reason) => enqueue(() => (s._sink.abort ? s._sink.abort(reason) : undefined)),
        releaseLock() { s._locked = false; },
        get ready() { return chain; },
        get closed() { return chain; },
        get desiredSize() { return 1; },
      };
    }
    async close() { const w = this.getWriter(); await w.close(); w.releaseLock(); }
    async abort(reason) { if (this._sink.abort) await this._sink.abort(reason); }
  }
  class TransformStream {
    constructor(transformer = {}) {
      let rc;
      this.readable = new ReadableStream({ start(c) { rc = c; } });
      const controller = {
        enqueue: (chunk) => rc.enqueue(chunk),
        error: (e) => rc.error(e),
        terminate: () => rc.close(),
        get desiredSize() { return 1; },
      };
      const started = Promise.resolve(transformer.start ? transformer.start(controller) : undefined);
      this.writable = new WritableStream({
        async write(chunk) { await started; if (transformer.transform) await transformer.transform(chunk, controller); else controller.enqueue(chunk); },
        async close() { await started; if (transformer.flush) await transformer.flush(controller); rc.close(); },
        abort(reason) { rc.error(reason); },
      });
    }
  }
  class TextDecoderStream extends TransformStream {
    constructor(label = "utf-8", options = {}) {
      const dec = new TextDecoder(label, options);
      super({
        transform(chunk, c) { const s = dec.decode(chunk, { stream: true }); if (s) c.enqueue(s); },
        flush(c) { const s = dec.decode(); if (s) c.enqueue(s); },
      });
    }
  }
  class TextEncoderStream extends TransformStream {
    constructor() {
      const enc = new TextEncoder();
      super({ transform(chunk, c) { c.enqueue(enc.encode(String(chunk))); } });
    }
  }
  define("ReadableStream", ReadableStream);
  define("WritableStream", WritableStream);
  define("TransformStream", TransformStream);
  define("TextDecoderStream", TextDecoderStream);
  define("TextEncoderStream", TextEncoderStream);
  define("ByteLengthQueuingStrategy", class { constructor(o) { this.highWaterMark = o.highWaterMark; } size(c) { return c.byteLength; } });
  define("CountQueuingStrategy", class { constructor(o) { this.highWaterMark = o.highWaterMark; } size() { return 1; } });

  function streamOfBytes(u8) {
    return new ReadableStream({ start(c) { if (u8.length) c.enqueue(u8); c.close(); } });
  }
  // A body read from the host chunk by chunk (an outbound fetch's response).
  function hostStream(id) {
    const s = new ReadableStream({
      async pull(c) {
        const chunk = await host.readChunk(id);
        if (chunk === null) c.close(); else c.enqueue(chunk);
      },
      cancel() { host.closeStream(id); },
    });
    s._hostId = id;
    return s;
  }

  // ---------- Body, Request, Response ----------
  // A body is one of: null, {text}, {bytes}, {stream}.
  function extractBody(init) {
    if (init === undefined || init === null) return { body: null, type: null };
    if (typeof init === "string") return { body: { text: init }, type: "text/plain;charset=UTF-8" };
    if (init instanceof URLSearchParams) return { body: { text: init.toString() }, type: "application/x-www-form-urlencoded;charset=UTF-8" };
    if (init instanceof ArrayBuffer || ArrayBuffer.isView(init)) return { body: { bytes: toU8(init).slice() }, type: null };
    if (init instanceof Blob) return { body: { bytes: init._bytes }, type: init.type || null };
    if (init instanceof FormData) { const e = init._encode(); return { body: { bytes: e.bytes }, type: e.type }; }
    if (init instanceof ReadableStream) return { body: { stream: init }, type: null };
    if (typeof init[Symbol.asyncIterator] === "function") return { body: { stream: ReadableStream.from(init) }, type: null };
    return { body: { text: String(init) }, type: "text/plain;charset=UTF-8" };
  }
  async function readStreamBytes(stream) {
    if (stream._hostId !== undefined && !stream._locked && stream._queue.length === 0) {
      stream._locked = true;
      return await host.readAll(stream._hostId);
    }
    const reader = stream.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const u8 = typeof value === "string" ? host.utf8Encode(value) : toU8(value);
      chunks.push(u8);
      size += u8.length;
    }
    if (chunks.length === 1) return chunks[0];
    const all = new Uint8Array(size);
    let o = 0;
    for (const c of chunks) { all.set(c, o); o += c.length; }
    return all;
  }
  const BodyMixin = {
    _take() {
      if (this._bodyUsed) throw new TypeError("Body already consumed.");
      this._bodyUsed = true;
      return this._body;
    },
    get body() {
      const b = this._body;
      if (b === null) return null;
      if (!b.stream) {
        b.stream = b.text !== undefined ? streamOfBytes(host.utf8Encode(b.text)) : streamOfBytes(b.bytes);
        delete b.text;
        delete b.bytes;
      }
      return b.stream;
    },
    get bodyUsed() { return this._bodyUsed || (this._body !== null && !!this._body.stream && this._body.stream._locked); },
    async text() {
      const b = this._take();
      if (b === null) return "";
      if (b.text !== undefined) return b.text;
      const u8 = b.bytes !== undefined ? b.bytes : await readStreamBytes(b.stream);
      return host.utf8Decode(u8, false, false);
    },
    async bytes() {
      const b = this._take();
      if (b === null) return new Uint8Array(0);
      if (b.text !== undefined) return host.utf8Encode(b.text);
      return b.bytes !== undefined ? b.bytes.slice() : await readStreamBytes(b.stream);
    },
    async arrayBuffer() { return copyBuffer(await this.bytes()); },
    async json() { return JSON.parse(await this.text()); },
    async blob() { const u8 = await this.bytes(); const b = new Blob([], { type: this.headers.get("content-type") || "" }); b._bytes = u8; return b; },
    async formData() {
      const type = this.headers.get("content-type") || "";
      if (/^multipart\/form-data/i.test(type)) return parseMultipart(await this.bytes(), type);
      if (/^application\/x-www-form-urlencoded/i.test(type)) {
        const fd = new FormData();
        for (const [k, v] of new URLSearchParams(await this.text())) fd.append(k, v);
        return fd;
      }
      throw new TypeError("Body can not be decoded as form data");
    },
  };
  function mixBody(cls) {
    for (const k of Object.getOwnPropertyNames(BodyMixin)) Object.defineProperty(cls.prototype, k, Object.getOwnPropertyDescriptor(BodyMixin, k));
  }
  function cloneBody(b) {
    if (b === null) return null;
    if (b.text !== undefined) return { text: b.text };
    if (b.bytes !== undefined) return { bytes: b.bytes };
    const [x, y] = b.stream.tee();
    b.stream = x;
    return { stream: y };
  }

  const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];
  class Request {
    constructor(input, init = {}) {
      init = init || {};
      let src = null;
      if (input instanceof Request) { src = input; this._url = input._url; }
      else this._url = new URL(input instanceof URL ? input.href : String(input)).href;
      let method = init.method !== undefined ? String(init.method) : src ? src.method : "GET";
      if (METHODS.includes(method.toUpperCase())) method = method.toUpperCase();
      this.method = method;
      this.headers = new Headers(init.headers !== undefined ? init.headers : src ? src.headers : undefined);
      this.redirect = init.redirect || (src ? src.redirect : "follow");
      this._signal = init.signal || (src ? src.signal : null);
      this.credentials = init.credentials || "same-origin";
      this.mode = init.mode || "cors";
      this.cache = init.cache || "default";
      this.referrer = init.referrer || "about:client";
      this.integrity = init.integrity || "";
      this.keepalive = !!init.keepalive;
      this._bodyUsed = false;
      if (init.body !== undefined && init.body !== null) {
        if (method === "GET" || method === "HEAD") throw new TypeError("Request with GET/HEAD method cannot have body.");
        const { body, type } = extractBody(init.body);
        this._body = body;
        if (type && !this.headers.has("content-type")) this.headers.set("content-type", type);
      } else if (src && init.body === undefined) {
        this._body = src._body;
        if (src._body) src._bodyUsed = true;
      } else this._body = null;
    }
    get url() { return this._url; }
    get signal() { return this._signal || (this._signal = new AbortController().signal); }
    get destination() { return ""; }
    clone() {
      if (this.bodyUsed) throw new TypeError("Body already consumed.");
      const r = new Request(this._url, { method: this.method, headers: this.headers, redirect: this.redirect, signal: this.signal });
      r._body = cloneBody(this._body);
      return r;
    }
  }
  mixBody(Request);
  define("Request", Request);

  const NULL_BODY = [101, 103, 204, 205, 304];
  class Response {
    constructor(body = null, init = {}) {
      init = init || {};
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!Number.isInteger(status) || status < 200 || status > 599)
        throw new RangeError(`The status provided (${init.status}) is outside the range [200, 599].`);
      this._status = status;
      this._statusText = init.statusText === undefined ? "" : String(init.statusText);
      this._headers = new Headers(init.headers);
      this._bodyUsed = false;
      this._type = "default";
      this._url = "";
      this._redirected = false;
      const { body: b, type } = extractBody(body);
      if (b !== null && NULL_BODY.includes(status)) throw new TypeError("Response with null body status cannot have body");
      this._body = b;
      if (type && !this._headers.has("content-type")) this._headers.set("content-type", type);
    }
    get status() { return this._status; }
    get statusText() { return this._statusText; }
    get ok() { return this._status >= 200 && this._status <= 299; }
    get headers() { return this._headers; }
    get url() { return this._url; }
    get redirected() { return this._redirected; }
    get type() { return this._type; }
    clone() {
      if (this.bodyUsed) throw new TypeError("Body already consumed.");
      const r = new Response(null, { status: this._status === 101 ? 200 : this._status, statusText: this._statusText, headers: this._headers });
      r._status = this._status;
      r._body = cloneBody(this._body);
      r._url = this._url;
      return r;
    }
    static json(data, init = {}) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Value is not JSON serializable");
      const headers = new Headers(init.headers);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return new Response(text, { ...init, headers });
    }
    static redirect(url, status = 302) {
      if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError("Invalid redirect status code");
      return new Response(null, { status, headers: { location: new URL(String(url)).href } });
    }
    static error() {
      const r = new Response(null, { status: 200 });
      r._status = 0;
      r._type = "error";
      return r;
    }
  }
  mixBody(Response);
  define("Response", Response);

  // ---------- fetch ----------
  let nextFetchId = 1;
  async function fetch(input, init) {
    const req = new Request(input, init);
    if (req.signal.aborted) throw req.signal.reason;
    const protocol = new URL(req.url).protocol;
    if (protocol === "data:") {
      const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(req.url);
      if (!m) throw new TypeError("Invalid data URL");
      const body = m[2] ? Uint8Array.from(atob(decodeURIComponent(m[3])), (c) => c.charCodeAt(0)) : host.utf8Encode(decodeURIComponent(m[3]));
      return new Response(body, { headers: { "content-type": m[1] || "text/plain;charset=US-ASCII" } });
    }
    if (protocol !== "http:" && protocol !== "https:") throw new TypeError(`scheme '${protocol.slice(0, -1)}' not supported`);
    let payload = null;
    const b = req._body;
    if (b !== null) payload = b.text !== undefined ? b.text : b.bytes !== undefined ? b.bytes : await readStreamBytes(b.stream);
    const id = nextFetchId++;
    const onAbort = () => host.fetchAbort(id);
    req.signal.addEventListener("abort", onAbort);
    let r;
    try {
      r = await host.fetch(id, req.method, req.url, req.headers._flat(), payload, req.redirect);
    } catch (e) {
      if (req.signal.aborted) throw req.signal.reason;
      throw new TypeError(`error sending request for url (${req.url}): ${e && e.message ? e.message : e}`);
    } finally {
      req.signal.removeEventListener("abort", onAbort);
    }
    // r: [status, statusText, flatHeaders, finalUrl, streamId|-1]
    const resp = new Response(null, { headers: pairs(r[2]) });
    resp._status = r[0];
    resp._statusText = r[1];
    resp._url = r[3];
    resp._redirected = r[3] !== req.url;
    resp._body = r[4] >= 0 ? { stream: hostStream(r[4]) } : null;
    if (resp._body && req.signal) req.signal.addEventListener("abort", () => resp._body.stream._fail(req.signal.reason));
    return resp;
  }
  function pairs(flat) {
    const out = [];
    for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
    return out;
  }
  define("fetch", fetch);

  // ---------- crypto ----------
  class CryptoKey {
    constructor(type, extractable, algorithm, usages, material) {
      this.type = type;
      this.extractable = extractable;
      this.algorithm = algorithm;
      this.usages = usages;
      Object.defineProperty(this, "_material", { value: material });
    }
  }
  const hashName = (h) => {
    const n = (typeof h === "string" ? h : h && h.name) || "";
    const u = n.toUpperCase().replace(/^SHA(\d)/, "SHA-$1");
    if (!["SHA-1", "SHA-256", "SHA-384", "SHA-512"].includes(u)) throw new DOMException(`Unrecognized hash: ${n}`, "NotSupportedError");
    return u;
  };
  const algName = (a) => String(typeof a === "string" ? a : a.name).toUpperCase();
  const ASYMMETRIC = { "RSASSA-PKCS1-V1_5": "RSA", "RSA-PSS": "RSA", "RSA-OAEP": "RSA", ECDSA: "EC", ECDH: "EC", ED25519: "OKP", X25519: "OKP" };
  const canonical = { "RSASSA-PKCS1-V1_5": "RSASSA-PKCS1-v1_5", "RSA-PSS": "RSA-PSS", ECDSA: "ECDSA", HMAC: "HMAC", "RSA-OAEP": "RSA-OAEP", ECDH: "ECDH", ED25519: "Ed25519", X25519: "X25519" };
  function okpKey(name, info, extractable, usages) {
    // info: [isPrivate, raw (seed/scalar or public point), public point]
    const type = info[0] ? "private" : "public";
    const allowed = type === "private" ? ["sign", "deriveKey", "deriveBits"] : ["verify"];
    return new CryptoKey(type, type === "public" ? true : !!extractable, { name: canonical[name] }, usages.filter((u) => allowed.includes(u)),
      { family: "OKP", curve: canonical[name], raw: info[1], pub: info[2], isPrivate: info[0] });
  }
  const opError = (e) => new DOMException(String(e && e.message || e).replace(/^OperationError: /, ""), "DataError");
  function asymmetricKey(name, alg, info, extractable, usages) {
    // info: [isPrivate, der, modulusLength, publicExponent, namedCurve]
    const family = ASYMMETRIC[name];
    const algorithm = family === "RSA"
      ? { name: canonical[name], modulusLength: info[2], publicExponent: info[3], hash: { name: hashName(alg.hash) } }
      : { name: canonical[name], namedCurve: info[4] };
    const type = info[0] ? "private" : "public";
    const allowed = type === "private" ? ["sign", "decrypt", "unwrapKey", "deriveKey", "deriveBits"] : ["verify", "encrypt", "wrapKey"];
    return new CryptoKey(type, type === "public" ? true : !!extractable, algorithm, usages.filter((u) => allowed.includes(u)), { family, der: info[1], isPrivate: info[0] });
  }
  const SECRET = { "AES-GCM": "AES", "AES-CBC": "AES", "AES-CTR": "AES", "AES-KW": "AES", PBKDF2: "KDF", HKDF: "KDF" };
  function aes(alg, key, data, encrypt, wrapping) {
    const name = algName(alg);
    if (name === "RSA-OAEP") {
      if (algName(key.algorithm) !== name || key.type !== (encrypt ? "public" : "private")) throw new DOMException("Key does not match the algorithm", "InvalidAccessError");
      const m = key._material;
      try {
        return copyBuffer(host.rsaOaep(encrypt, key.algorithm.hash.name, m.isPrivate, m.der, toU8(data), alg.label === undefined ? null : toU8(alg.label)));
      } catch (e) { throw new DOMException(encrypt ? String(e && e.message || e) : "Decryption failed", "OperationError"); }
    }
    if (!["AES-GCM", "AES-CBC", "AES-CTR"].includes(name) && !(wrapping && name === "AES-KW")) throw new DOMException(`${name} cannot ${encrypt ? "encrypt" : "decrypt"}`, "NotSupportedError");
    if (key.algorithm.name !== name) throw new DOMException("Key does not match the algorithm", "InvalidAccessError");
    const aad = alg.additionalData === undefined ? null : toU8(alg.additionalData);
    const iv = name === "AES-CTR" ? toU8(alg.counter) : name === "AES-KW" ? new Uint8Array(0) : toU8(alg.iv);
    const bits = name === "AES-CTR" ? alg.length : alg.tagLength || 128;
    try {
      const out = (encrypt ? host.aesEncrypt : host.aesDecrypt)(name, key._material, iv, toU8(data), aad, bits);
      return copyBuffer(out);
    } catch (e) {
      throw encrypt ? opError(e) : new DOMException("Decryption failed", "OperationError");
    }
  }
  const subtle = {
    async digest(alg, data) { return copyBuffer(host.digest(hashName(alg), toU8(data))); },
    async importKey(format, keyData, alg, extractable, usages) {
      const name = algName(alg);
      if (ASYMMETRIC[name] === "OKP") {
        let info;
        try {
          info = host.okpImport(canonical[name], format, format === "jwk" ? JSON.stringify(keyData) : toU8(keyData));
        } catch (e) { throw opError(e); }
        return okpKey(name, info, extractable, usages);
      }
      if (ASYMMETRIC[name]) {
        let info;
        try {
          info = format === "jwk" ? host.keyImport(ASYMMETRIC[name], "jwk", JSON.stringify(keyData)) : host.keyImport(ASYMMETRIC[name], format, toU8(keyData));
        } catch (e) { throw opError(e); }
        return asymmetricKey(name, alg, info, extractable, usages);
      }
      if (SECRET[name]) {
        let bytes;
        if (format === "raw") bytes = toU8(keyData).slice();
        else if (format === "jwk" && SECRET[name] === "AES") bytes = host.base64UrlDecode(keyData.k);
        else throw new DOMException(`Unsupported key format ${format} for ${name}`, "NotSupportedError");
        if (SECRET[name] === "AES" && ![16, 24, 32].includes(bytes.length)) throw new DOMException("AES key data must be 128, 192 or 256 bits", "DataError");
        const algorithm = SECRET[name] === "AES" ? { name, length: bytes.length * 8 } : { name };
        return new CryptoKey("secret", SECRET[name] === "AES" ? !!extractable : false, algorithm, usages, bytes);
      }
      if (name !== "HMAC") throw new DOMException(`${name} keys are not supported yet`, "NotSupportedError");
      let raw;
      if (format === "raw") raw = toU8(keyData).slice();
      else if (format === "jwk") raw = host.base64UrlDecode(keyData.k);
      else throw new DOMException(`Unsupported key format ${format}`, "NotSupportedError");
      const hash = hashName(alg.hash);
      return new CryptoKey("secret", !!extractable, { name: "HMAC", hash: { name: hash }, length: raw.length * 8 }, usages, raw);
    },
    async exportKey(format, key) {
      if (!key.extractable) throw new DOMException("key is not extractable", "InvalidAccessError");
      if (key.type !== "secret" && key._material.family === "OKP") {
        const m = key._material;
        try {
          if (format === "jwk") return Object.assign(JSON.parse(host.okpExport(m.curve, m.isPrivate, m.raw, m.pub, "jwk")), { key_ops: key.usages, ext: true });
          return copyBuffer(host.okpExport(m.curve, m.isPrivate, m.raw, m.pub, format));
        } catch (e) { throw new DOMException(String(e && e.message || e), "InvalidAccessError"); }
      }
      if (key.type !== "secret") {
        const m = key._material;
        try {
          if (format === "jwk") {
            const jwk = JSON.parse(host.keyExport(m.family, m.isPrivate, m.der, "jwk"));
            jwk.key_ops = key.usages;
            jwk.ext = true;
            return jwk;
          }
          return copyBuffer(host.keyExport(m.family, m.isPrivate, m.der, format));
        } catch (e) { throw opError(e); }
      }
      if (format === "raw") return copyBuffer(key._material);
      if (format === "jwk" && SECRET[key.algorithm.name] === "AES")
        return { kty: "oct", k: host.base64UrlEncode(key._material), alg: `A${key.algorithm.length}${key.algorithm.name.slice(4)}`, ext: true, key_ops: key.usages };
      if (format === "jwk") return { kty: "oct", k: host.base64UrlEncode(key._material), alg: "HS" + key.algorithm.hash.name.slice(4), ext: true, key_ops: key.usages };
      throw new DOMException(`Unsupported key format ${format}`, "NotSupportedError");
    },
    async generateKey(alg, extractable, usages) {
      const name = algName(alg);
      if (ASYMMETRIC[name] === "OKP") {
        const pair = host.okpGenerate(canonical[name]);
        return { privateKey: okpKey(name, [true, pair[0], pair[1]], extractable, usages), publicKey: okpKey(name, [false, pair[1], pair[1]], true, usages) };
      }
      if (ASYMMETRIC[name]) {
        const family = ASYMMETRIC[name];
        const pair = host.keyGenerate(family, alg.modulusLength || 2048, alg.namedCurve || null);
        const priv = host.keyImport(family, "pkcs8", pair[0]);
        const pub = host.keyImport(family, "spki", pair[1]);
        return { privateKey: asymmetricKey(name, alg, priv, extractable, usages), publicKey: asymmetricKey(name, alg, pub, true, usages) };
      }
      if (SECRET[name] === "AES") {
        if (![128, 192, 256].includes(alg.length)) throw new DOMException("AES key length must be 128, 192 or 256", "OperationError");
        return new CryptoKey("secret", !!extractable, { name, length: alg.length }, usages, host.randomBytes(alg.length / 8));
      }
      if (name !== "HMAC") throw new DOMException(`${name} keys are not supported yet`, "NotSupportedError");
      const hash = hashName(alg.hash);
      const len = alg.length ? alg.length / 8 : hash === "SHA-384" || hash === "SHA-512" ? 128 : 64;
      return new CryptoKey("secret", !!extractable, { name: "HMAC", hash: { name: hash }, length: len * 8 }, usages, host.randomBytes(len));
    },
    async sign(alg, key, data) {
      const name = algName(alg);
      if (name === "ED25519") {
        if (key.type !== "private" || key.algorithm.name !== "Ed25519") throw new DOMException("Key does not match the algorithm or is not a private key", "InvalidAccessError");
        try { return copyBuffer(host.ed25519Sign(key._material.raw, toU8(data))); } catch (e) { throw opError(e); }
      }
      if (ASYMMETRIC[name]) {
        if (key.type !== "private" || algName(key.algorithm) !== name) throw new DOMException("Key does not match the algorithm or is not a private key", "InvalidAccessError");
        const hash = name === "ECDSA" ? hashName(alg.hash) : key.algorithm.hash.name;
        try { return copyBuffer(host.keySign(name, hash, key._material.der, toU8(data), alg.saltLength || 0)); } catch (e) { throw opError(e); }
      }
      if (name !== "HMAC" || key.algorithm.name !== "HMAC") throw new DOMException(`${name} is not supported yet`, "NotSupportedError");
      return copyBuffer(host.hmac(key.algorithm.hash.name, key._material, toU8(data)));
    },
    async encrypt(alg, key, data) { return aes(alg, key, data, true, false); },
    async decrypt(alg, key, data) { return aes(alg, key, data, false, false); },
    async wrapKey(format, key, wrappingKey, wrapAlg) {
      const exported = await subtle.exportKey(format, key);
      const bytes = format === "jwk" ? new TextEncoder().encode(JSON.stringify(exported)) : exported;
      return aes(wrapAlg, wrappingKey, bytes, true, true);
    },
    async unwrapKey(format, wrapped, unwrappingKey, unwrapAlg, keyAlg, extractable, usages) {
      const bytes = aes(unwrapAlg, unwrappingKey, wrapped, false, true);
      const keyData = format === "jwk" ? JSON.parse(new TextDecoder().decode(bytes)) : bytes;
      return subtle.importKey(format, keyData, keyAlg, extractable, usages);
    },
    async deriveBits(alg, key, length) {
      const name = algName(alg);
      if (name === "ECDH" || name === "X25519") {
        const peer = alg.public;
        if (!(peer instanceof CryptoKey) || peer.type !== "public" || algName(peer.algorithm) !== name || algName(key.algorithm) !== name || key.type !== "private")
          throw new DOMException("ECDH/X25519 needs the own private key and the peer's public key of the same algorithm", "InvalidAccessError");
        let secret;
        try {
          secret = name === "ECDH" ? host.ecdh(key._material.der, peer._material.der) : host.x25519(key._material.raw, peer._material.pub);
        } catch (e) { throw new DOMException(String(e && e.message || e), "OperationError"); }
        if (length === null || length === undefined) return copyBuffer(secret);
        if (length > secret.length * 8) throw new DOMException("Length is larger than the shared secret", "OperationError");
        const out = secret.slice(0, Math.ceil(length / 8));
        if (length % 8) out[out.length - 1] &= 0xff << (8 - (length % 8));
        return copyBuffer(out);
      }
      if (name !== "PBKDF2" && name !== "HKDF") throw new DOMException(`${name} is not supported yet`, "NotSupportedError");
      if (key.algorithm.name !== name) throw new DOMException("Key does not match the algorithm", "InvalidAccessError");
      try {
        return copyBuffer(host.deriveBits(name, hashName(alg.hash), key._material, toU8(alg.salt || new Uint8Array(0)), toU8(alg.info || new Uint8Array(0)), alg.iterations || 0, length));
      } catch (e) { throw opError(e); }
    },
    async deriveKey(alg, key, derived, extractable, usages) {
      const dname = algName(derived);
      const length = SECRET[dname] === "AES" ? derived.length : derived.length || ({ "SHA-1": 512, "SHA-256": 512, "SHA-384": 1024, "SHA-512": 1024 })[hashName(derived.hash)];
      const bits = await subtle.deriveBits(alg, key, length);
      return subtle.importKey("raw", bits, derived, extractable, usages);
    },
    async verify(alg, key, signature, data) {
      const name = algName(alg);
      if (name === "ED25519") {
        if (key.algorithm.name !== "Ed25519") throw new DOMException("Key does not match the algorithm", "InvalidAccessError");
        return host.ed25519Verify(key._material.pub, toU8(data), toU8(signature));
      }
      if (ASYMMETRIC[name]) {
        if (algName(key.algorithm) !== name) throw new DOMException("Key does not match the algorithm", "InvalidAccessError");
        const hash = name === "ECDSA" ? hashName(alg.hash) : key.algorithm.hash.name;
        try { return host.keyVerify(name, hash, key._material.isPrivate, key._material.der, toU8(signature), toU8(data)); } catch (e) { throw opError(e); }
      }
      const mac = new Uint8Array(await subtle.sign(alg, key, data));
      return host.fixedEquals(mac, toU8(signature));
    },
  };
  const crypto = {
    randomUUID: () => host.randomUUID(),
    getRandomValues(arr) {
      if (!ArrayBuffer.isView(arr) || arr instanceof Float32Array || arr instanceof Float64Array) throw new DOMException("The data is not an integer TypedArray", "TypeMismatchError");
      if (arr.byteLength > 65536) throw new DOMException(`The ArrayBufferView's byte length (${arr.byteLength}) exceeds 65536`, "QuotaExceededError");
      new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(host.randomBytes(arr.byteLength));
      return arr;
    },
    subtle,
  };
  define("crypto", crypto);
  define("CryptoKey", CryptoKey);

  // ---------- MessageChannel (React's scheduler posts tasks through it) ----------
  class MessageEvent extends Event {
    constructor(type, init = {}) { super(type, init); this.data = init.data; this.ports = []; }
  }
  class MessagePort extends EventTarget {
    constructor() { super(); this._other = null; this.onmessage = null; this._closed = false; }
    postMessage(data) {
      const target = this._other;
      if (!target || this._closed) return;
      const copy = structuredClone(data);
      setTimeout(() => { if (!target._closed) target.dispatchEvent(new MessageEvent("message", { data: copy })); }, 0);
    }
    start() {}
    close() { this._closed = true; }
  }
  class MessageChannel {
    constructor() {
      this.port1 = new MessagePort();
      this.port2 = new MessagePort();
      this.port1._other = this.port2;
      this.port2._other = this.port1;
    }
  }
  define("MessageEvent", MessageEvent);
  define("MessagePort", MessagePort);
  define("MessageChannel", MessageChannel);

  // ---------- WebSocket ----------
  // Outbound WebSockets are not available yet: the constructor succeeds (libraries probe for the global) and the
  // socket fails asynchronously like an unreachable server would.
  class WebSocket extends EventTarget {
    constructor(url, protocols) {
      super();
      this.url = String(url);
      this.protocol = "";
      this.readyState = 0;
      this.binaryType = "blob";
      this.bufferedAmount = 0;
      this.extensions = "";
      this.onopen = this.onclose = this.onerror = this.onmessage = null;
      void protocols;
      setTimeout(() => {
        this.readyState = 3;
        const err = new ErrorEvent("error", { message: "WebSocket connections are not supported by Supacs edge functions yet" });
        this.dispatchEvent(err);
        const close = new Event("close");
        close.code = 1006; close.reason = ""; close.wasClean = false;
        this.dispatchEvent(close);
      }, 0);
    }
    send() { throw new DOMException("WebSocket is not open", "InvalidStateError"); }
    close() { this.readyState = 3; }
  }
  WebSocket.CONNECTING = 0; WebSocket.OPEN = 1; WebSocket.CLOSING = 2; WebSocket.CLOSED = 3;
  define("WebSocket", WebSocket);

  // ---------- performance ----------
  const t0 = Date.now();
  define("performance", { now: () => host.now(), timeOrigin: t0, mark() {}, measure() {}, toJSON: () => ({ timeOrigin: t0 }) });

  // ---------- Deno, EdgeRuntime, serve ----------
  let handler = null;
  let onError = null;
  const register = (fn, errorHandler) => {
    if (typeof fn !== "function") throw new TypeError("A handler function must be provided.");
    handler = fn;
    onError = typeof errorHandler === "function" ? errorHandler : null;
  };
  class NotFound extends Error { constructor(m) { super(m); this.name = "NotFound"; } }
  class PermissionDenied extends Error { constructor(m) { super(m); this.name = "PermissionDenied"; } }
  class NotSupported extends Error { constructor(m) { super(m); this.name = "NotSupported"; } }
  const notSupported = (name) => () => { throw new NotSupported(`Deno.${name} is not supported by Supacs edge functions`); };
  const env = {
    get: (k) => { const v = host.envGet(String(k)); return v === null ? undefined : v; },
    set: (k, v) => host.envSet(String(k), String(v)),
    delete: (k) => host.envDelete(String(k)),
    has: (k) => host.envGet(String(k)) !== null,
    toObject: () => { const flat = host.envAll(); const o = {}; for (let i = 0; i < flat.length; i += 2) o[flat[i]] = flat[i + 1]; return o; },
  };
  const Deno = {
    env,
    serve(a, b) {
      let opts = {};
      let fn;
      if (typeof a === "function") { fn = a; opts = b || {}; }
      else { opts = a || {}; fn = typeof b === "function" ? b : opts.handler || opts.fetch; }
      register(fn, opts.onError);
      const addr = { transport: "tcp", hostname: "0.0.0.0", port: opts.port || 8000 };
      if (typeof opts.onListen === "function") opts.onListen(addr);
      return { finished: new Promise(() => {}), addr, shutdown: async () => {}, ref() {}, unref() {}, [Symbol.asyncDispose]: async () => {} };
    },
    version: { deno: "2.1.4", v8: "13.0", typescript: "5.6.2" },
    build: { os: "linux", arch: "x86_64", target: "x86_64-unknown-linux-gnu", vendor: "unknown" },
    pid: 1,
    noColor: true,
    errors: { NotFound, PermissionDenied, NotSupported },
    cwd: () => "/",
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0 }),
    exit: () => { throw new Error("Deno.exit() is not allowed in edge functions"); },
    readTextFile: notSupported("readTextFile"),
    readFile: notSupported("readFile"),
    writeTextFile: notSupported("writeTextFile"),
    writeFile: notSupported("writeFile"),
    openKv: notSupported("openKv"),
    upgradeWebSocket: notSupported("upgradeWebSocket"),
    inspect: (v) => inspect(v, 1, []),
  };
  define("Deno", Deno);

  const waits = new Set();
  define("EdgeRuntime", {
    waitUntil(p) {
      const pr = Promise.resolve(p);
      waits.add(pr);
      pr.catch((e) => console.error(e)).finally(() => waits.delete(pr));
      return pr;
    },
  });
  // globalThis is an event target too (addEventListener('beforeunload', …) is used by some functions).
  const globalEvents = new EventTarget();
  define("addEventListener", (t, l, o) => globalEvents.addEventListener(t, l, o));
  define("removeEventListener", (t, l) => globalEvents.removeEventListener(t, l));
  define("dispatchEvent", (e) => globalEvents.dispatchEvent(e));
  define("self", g);

  // ---------- process (Deno 2 has a global one) ----------
  const processEnv = new Proxy({}, {
    get: (_, k) => (typeof k === "string" ? env.get(k) : undefined),
    set: (_, k, v) => { env.set(String(k), String(v)); return true; },
    has: (_, k) => env.has(String(k)),
    deleteProperty: (_, k) => { env.delete(String(k)); return true; },
    ownKeys: () => Object.keys(env.toObject()),
    getOwnPropertyDescriptor: (_, k) => (env.has(String(k)) ? { value: env.get(String(k)), enumerable: true, configurable: true, writable: true } : undefined),
  });
  const processEvents = new Map();
  const process = {
    env: processEnv,
    argv: [],
    platform: "linux",
    arch: "x64",
    pid: 1,
    version: "v20.11.1",
    versions: {},
    browser: false,
    cwd: () => "/",
    nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)),
    hrtime: Object.assign((prev) => {
      const t = host.now();
      const s = Math.floor(t / 1000), ns = Math.floor((t % 1000) * 1e6);
      return prev ? [s - prev[0], ns - prev[1]] : [s, ns];
    }, { bigint: () => BigInt(Math.floor(host.now() * 1e6)) }),
    on(e, f) { processEvents.set(e, f); return process; },
    once(e, f) { processEvents.set(e, f); return process; },
    off(e) { processEvents.delete(e); return process; },
    removeListener(e) { processEvents.delete(e); return process; },
    emitWarning: (w) => console.warn(String(w)),
    exit: () => { throw new Error("process.exit() is not allowed in edge functions"); },
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0 }),
    stdout: { write: (s) => { host.log(1, String(s)); return true; } },
    stderr: { write: (s) => { host.log(3, String(s)); return true; } },
  };
  define("process", process);

  // ---------- CommonJS (npm packages without an ES module build) ----------
  class EventEmitter {
    constructor() { this._events = new Map(); }
    on(e, f) { if (!this._events) this._events = new Map(); (this._events.get(e) || this._events.set(e, []).get(e)).push(f); return this; }
    addListener(e, f) { return this.on(e, f); }
    prependListener(e, f) { this.on(e, f); const l = this._events.get(e); l.unshift(l.pop()); return this; }
    once(e, f) { const w = (...a) => { this.off(e, w); f.apply(this, a); }; w.listener = f; return this.on(e, w); }
    off(e, f) { const l = this._events?.get(e); if (l) { const i = l.findIndex((x) => x === f || x.listener === f); if (i >= 0) l.splice(i, 1); } return this; }
    removeListener(e, f) { return this.off(e, f); }
    removeAllListeners(e) { if (e === undefined) this._events = new Map(); else this._events?.delete(e); return this; }
    emit(e, ...a) { const l = this._events?.get(e); if (!l || l.length === 0) { if (e === "error") throw a[0]; return false; } for (const f of [...l]) f.apply(this, a); return true; }
    listeners(e) { return [...(this._events?.get(e) || [])]; }
    listenerCount(e) { return this._events?.get(e)?.length || 0; }
    setMaxListeners() { return this; }
    getMaxListeners() { return 10; }
    eventNames() { return [...(this._events?.keys() || [])]; }
  }
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.default = EventEmitter;
  const inherits = (ctor, superCtor) => { Object.setPrototypeOf(ctor.prototype, superCtor.prototype); Object.setPrototypeOf(ctor, superCtor); ctor.super_ = superCtor; };
  // ---------- node: built-ins (the subset npm packages and functions import most) ----------
  const ENCODINGS = ["utf8", "utf-8", "hex", "base64", "base64url", "latin1", "binary", "ascii", "utf16le", "ucs2", "ucs-2", "utf-16le"];
  const normEnc = (e) => {
    const n = String(e || "utf8").toLowerCase();
    if (!ENCODINGS.includes(n)) throw new TypeError(`Unknown encoding: ${e}`);
    return n === "utf-8" ? "utf8" : n === "binary" ? "latin1" : n === "ucs2" || n === "ucs-2" || n === "utf-16le" ? "utf16le" : n;
  };
  const b64decode = (s) => { s = String(s).replace(/[^A-Za-z0-9+/\-_]/g, "").replace(/-/g, "+").replace(/_/g, "/"); while (s.length % 4) s += "="; return Uint8Array.from(atob(s), (c) => c.charCodeAt(0)); };
  const b64encode = (u8) => { let s = ""; for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000)); return btoa(s); };
  function encodeString(str, enc) {
    str = String(str);
    switch (normEnc(enc)) {
      case "utf8": return new TextEncoder().encode(str);
      case "hex": { const n = Math.floor(str.length / 2); const out = new Uint8Array(n); for (let i = 0; i < n; i++) { const v = parseInt(str.substr(i * 2, 2), 16); if (Number.isNaN(v)) return out.subarray(0, i); out[i] = v; } return out; }
      case "base64": case "base64url": return b64decode(str);
      case "latin1": case "ascii": { const out = new Uint8Array(str.length); for (let i = 0; i < str.length; i++) out[i] = str.charCodeAt(i) & 0xff; return out; }
      case "utf16le": { const out = new Uint8Array(str.length * 2); for (let i = 0; i < str.length; i++) { const c = str.charCodeAt(i); out[i * 2] = c & 0xff; out[i * 2 + 1] = c >> 8; } return out; }
    }
  }
  function decodeBytes(u8, enc) {
    switch (normEnc(enc)) {
      case "utf8": return new TextDecoder().decode(u8);
      case "hex": { let s = ""; for (let i = 0; i < u8.length; i++) s += (u8[i] < 16 ? "0" : "") + u8[i].toString(16); return s; }
      case "base64": return b64encode(u8);
      case "base64url": return b64encode(u8).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      case "latin1": { let s = ""; for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000)); return s; }
      case "ascii": { let s = ""; for (let i = 0; i < u8.length; i++) s += String.fromCharCode(u8[i] & 0x7f); return s; }
      case "utf16le": { let s = ""; for (let i = 0; i + 1 < u8.length; i += 2) s += String.fromCharCode(u8[i] | (u8[i + 1] << 8)); return s; }
    }
  }
  class Buffer extends Uint8Array {
    static from(value, encOrOffset, length) {
      if (typeof value === "string") return Buffer._wrap(encodeString(value, encOrOffset));
      if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
        const off = encOrOffset || 0;
        return new Buffer(value, off, length === undefined ? value.byteLength - off : length);
      }
      if (ArrayBuffer.isView(value)) return Buffer._wrap(new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice());
      if (value && value.type === "Buffer" && Array.isArray(value.data)) return Buffer._wrap(Uint8Array.from(value.data));
      if (Array.isArray(value) || (value && typeof value.length === "number")) return Buffer._wrap(Uint8Array.from(value, (v) => v & 0xff));
      if (value && typeof value.valueOf === "function" && value.valueOf() !== value) return Buffer.from(value.valueOf(), encOrOffset, length);
      throw new TypeError("The first argument must be a string, Buffer, ArrayBuffer, Array or array-like object");
    }
    static _wrap(u8) { return new Buffer(u8.buffer, u8.byteOffset, u8.byteLength); }
    static alloc(size, fill, enc) { const b = new Buffer(size); if (fill !== undefined && fill !== 0) b.fill(fill, 0, size, enc); return b; }
    static allocUnsafe(size) { return new Buffer(size); }
    static allocUnsafeSlow(size) { return new Buffer(size); }
    static isBuffer(b) { return b instanceof Buffer; }
    static isEncoding(e) { return ENCODINGS.includes(String(e).toLowerCase()); }
    static byteLength(v, enc) { return typeof v === "string" ? encodeString(v, enc).length : v.byteLength; }
    static concat(list, total) {
      const len = total === undefined ? list.reduce((n, b) => n + b.length, 0) : total;
      const out = Buffer.alloc(len);
      let o = 0;
      for (const b of list) { if (o >= len) break; const part = b.subarray(0, len - o); out.set(part, o); o += part.length; }
      return out;
    }
    static compare(a, b) { return a.compare(b); }
    toString(enc, start = 0, end = this.length) { return decodeBytes(this.subarray(start, end), enc); }
    toJSON() { return { type: "Buffer", data: Array.from(this) }; }
    equals(other) { return this.compare(other) === 0; }
    compare(other, ts = 0, te = other.length, ss = 0, se = this.length) {
      const a = this.subarray(ss, se), b = other.subarray(ts, te);
      for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
      return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
    }
    subarray(s, e) { const u = Uint8Array.prototype.subarray.call(this, s, e); return new Buffer(u.buffer, u.byteOffset, u.byteLength); }
    slice(s, e) { return this.subarray(s, e); }
    write(str, offset = 0, length, enc) {
      if (typeof offset === "string") { enc = offset; offset = 0; } else if (typeof length === "string") { enc = length; length = undefined; }
      const bytes = encodeString(str, enc);
      const n = Math.min(bytes.length, this.length - offset, length === undefined ? Infinity : length);
      this.set(bytes.subarray(0, n), offset);
      return n;
    }
    copy(target, ts = 0, ss = 0, se = this.length) { const part = this.subarray(ss, Math.min(se, ss + target.length - ts)); target.set(part, ts); return part.length; }
    fill(value, start = 0, end = this.length, enc) {
      if (typeof start === "string") { enc = start; start = 0; end = this.length; }
      if (typeof value === "string") {
        const bytes = value.length === 1 && (!enc || normEnc(enc) === "utf8") && value.charCodeAt(0) < 128 ? [value.charCodeAt(0)] : encodeString(value, enc);
        for (let i = start, j = 0; i < end; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
        return this;
      }
      return Uint8Array.prototype.fill.call(this, value, start, end);
    }
    indexOf(v, from = 0, enc) {
      if (typeof v === "number") return Uint8Array.prototype.indexOf.call(this, v, from);
      const needle = typeof v === "string" ? encodeString(v, enc) : v;
      outer: for (let i = from < 0 ? Math.max(0, this.length + from) : from; i <= this.length - needle.length; i++) {
        for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
        return i;
      }
      return -1;
    }
    includes(v, from, enc) { return this.indexOf(v, from, enc) !== -1; }
    _view() { return new DataView(this.buffer, this.byteOffset, this.byteLength); }
    readUInt8(o = 0) { return this._view().getUint8(o); }
    readInt8(o = 0) { return this._view().getInt8(o); }
    readUInt16BE(o = 0) { return this._view().getUint16(o); }
    readUInt16LE(o = 0) { return this._view().getUint16(o, true); }
    readInt16BE(o = 0) { return this._view().getInt16(o); }
    readInt16LE(o = 0) { return this._view().getInt16(o, true); }
    readUInt32BE(o = 0) { return this._view().getUint32(o); }
    readUInt32LE(o = 0) { return this._view().getUint32(o, true); }
    readInt32BE(o = 0) { return this._view().getInt32(o); }
    readInt32LE(o = 0) { return this._view().getInt32(o, true); }
    readBigUInt64BE(o = 0) { return this._view().getBigUint64(o); }
    readBigUInt64LE(o = 0) { return this._view().getBigUint64(o, true); }
    readFloatBE(o = 0) { return this._view().getFloat32(o); }
    readDoubleBE(o = 0) { return this._view().getFloat64(o); }
    writeUInt8(v, o = 0) { this._view().setUint8(o, v); return o + 1; }
    writeInt8(v, o = 0) { this._view().setInt8(o, v); return o + 1; }
    writeUInt16BE(v, o = 0) { this._view().setUint16(o, v); return o + 2; }
    writeUInt16LE(v, o = 0) { this._view().setUint16(o, v, true); return o + 2; }
    writeUInt32BE(v, o = 0) { this._view().setUint32(o, v); return o + 4; }
    writeUInt32LE(v, o = 0) { this._view().setUint32(o, v, true); return o + 4; }
    writeInt32BE(v, o = 0) { this._view().setInt32(o, v); return o + 4; }
    writeInt32LE(v, o = 0) { this._view().setInt32(o, v, true); return o + 4; }
    writeBigUInt64BE(v, o = 0) { this._view().setBigUint64(o, v); return o + 8; }
    writeDoubleBE(v, o = 0) { this._view().setFloat64(o, v); return o + 8; }
  }
  for (const [alias, name] of [["readUint8", "readUInt8"], ["readUint16BE", "readUInt16BE"], ["readUint16LE", "readUInt16LE"], ["readUint32BE", "readUInt32BE"], ["readUint32LE", "readUInt32LE"], ["writeUint8", "writeUInt8"], ["writeUint16BE", "writeUInt16BE"], ["writeUint32BE", "writeUInt32BE"], ["writeUint32LE", "writeUInt32LE"]])
    Buffer.prototype[alias] = Buffer.prototype[name];
  Buffer.poolSize = 8192;

  // node:crypto basics over the host's hashes and WebCrypto.
  const NODE_HASH = { md5: "MD5", sha1: "SHA-1", sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512", "sha-1": "SHA-1", "sha-256": "SHA-256", "sha-384": "SHA-384", "sha-512": "SHA-512" };
  const nodeHash = (a) => { const h = NODE_HASH[String(a).toLowerCase()]; if (!h) throw new Error(`Digest method not supported: ${a}`); return h; };
  const toBytes = (d, enc) => (typeof d === "string" ? encodeString(d, enc) : toU8(d));
  class Hash {
    constructor(alg, key) { this._alg = nodeHash(alg); this._key = key; this._parts = []; }
    update(data, enc) { this._parts.push(toBytes(data, enc)); return this; }
    digest(enc) {
      const data = Buffer.concat(this._parts.map((p) => Buffer._wrap(p)));
      const out = Buffer._wrap(this._key ? host.hmac(this._alg, this._key, data) : host.digest(this._alg, data));
      return enc ? out.toString(enc) : out;
    }
    copy() { const h = new Hash("sha256", this._key); h._alg = this._alg; h._parts = [...this._parts]; return h; }
  }
  const nodeCrypto = {
    webcrypto: crypto, subtle: crypto.subtle,
    randomUUID: () => crypto.randomUUID(),
    getRandomValues: (a) => crypto.getRandomValues(a),
    randomBytes: (n, cb) => { const b = Buffer._wrap(host.randomBytes(n)); if (cb) { queueMicrotask(() => cb(null, b)); return undefined; } return b; },
    randomInt: (min, max) => { if (max === undefined) { max = min; min = 0; } const r = new Uint32Array(1); crypto.getRandomValues(r); return min + (r[0] % (max - min)); },
    createHash: (alg) => new Hash(alg),
    createHmac: (alg, key) => new Hash(alg, typeof key === "string" ? encodeString(key) : toU8(key)),
    timingSafeEqual: (a, b) => { if (a.byteLength !== b.byteLength) throw new RangeError("Input buffers must have the same byte length"); return host.fixedEquals(toU8(a), toU8(b)); },
    pbkdf2Sync: (pw, salt, iterations, keylen, digest) => Buffer._wrap(host.deriveBits("PBKDF2", nodeHash(digest), toBytes(pw), toBytes(salt), new Uint8Array(0), iterations, keylen * 8)),
    getHashes: () => Object.keys(NODE_HASH).filter((k) => !k.includes("-")),
  };
  nodeCrypto.pbkdf2 = (pw, salt, it, len, digest, cb) => { try { const r = nodeCrypto.pbkdf2Sync(pw, salt, it, len, digest); queueMicrotask(() => cb(null, r)); } catch (e) { queueMicrotask(() => cb(e)); } };

  // node:path (POSIX).
  const normalizeParts = (parts, absolute) => {
    const out = [];
    for (const p of parts) {
      if (!p || p === ".") continue;
      if (p === "..") { if (out.length && out[out.length - 1] !== "..") out.pop(); else if (!absolute) out.push(".."); } else out.push(p);
    }
    return out;
  };
  const path = {
    sep: "/", delimiter: ":",
    normalize(p) { const abs = p.startsWith("/"); const trail = p.endsWith("/"); let r = normalizeParts(p.split("/"), abs).join("/"); if (!r && !abs) r = "."; if (r && trail && r !== ".") r += "/"; return (abs ? "/" : "") + r; },
    join(...parts) { const j = parts.filter((x) => x !== "").join("/"); return j ? path.normalize(j) : "."; },
    resolve(...parts) { let r = ""; for (let i = parts.length - 1; i >= 0 && !r.startsWith("/"); i--) r = parts[i] + (r ? "/" + r : ""); if (!r.startsWith("/")) r = "/" + r; return "/" + normalizeParts(r.split("/"), true).join("/"); },
    isAbsolute: (p) => p.startsWith("/"),
    dirname(p) { if (!p) return "."; const t = p.replace(/\/+$/, ""); const i = t.lastIndexOf("/"); return i < 0 ? "." : i === 0 ? "/" : t.slice(0, i); },
    basename(p, ext) { const t = p.replace(/\/+$/, ""); let b = t.slice(t.lastIndexOf("/") + 1); if (ext && b.endsWith(ext) && b !== ext) b = b.slice(0, -ext.length); return b; },
    extname(p) { const b = path.basename(p); const i = b.lastIndexOf("."); return i <= 0 ? "" : b.slice(i); },
    relative(from, to) { const f = path.resolve(from).split("/").filter(Boolean), t = path.resolve(to).split("/").filter(Boolean); let i = 0; while (i < f.length && i < t.length && f[i] === t[i]) i++; return [...Array(f.length - i).fill(".."), ...t.slice(i)].join("/"); },
    parse(p) { const root = p.startsWith("/") ? "/" : ""; const base = path.basename(p); const ext = path.extname(p); return { root, dir: path.dirname(p), base, ext, name: ext ? base.slice(0, -ext.length) : base }; },
    format(o) { const dir = o.dir || o.root || ""; const base = o.base || (o.name || "") + (o.ext || ""); return dir ? (dir.endsWith("/") ? dir + base : dir + "/" + base) : base; },
    toNamespacedPath: (p) => p,
  };
  path.posix = path;

  // node:querystring.
  const qsEscape = (s) => encodeURIComponent(s);
  const querystring = {
    escape: qsEscape, unescape: (s) => { try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch { return s; } },
    parse(str, sep = "&", eq = "=") {
      const out = Object.create(null);
      if (typeof str !== "string" || !str) return out;
      for (const pair of str.split(sep)) {
        if (!pair) continue;
        const i = pair.indexOf(eq);
        const k = querystring.unescape(i < 0 ? pair : pair.slice(0, i)), v = i < 0 ? "" : querystring.unescape(pair.slice(i + eq.length));
        if (k in out) out[k] = [].concat(out[k], v); else out[k] = v;
      }
      return out;
    },
    stringify(obj, sep = "&", eq = "=") {
      if (!obj || typeof obj !== "object") return "";
      const s = (v) => (typeof v === "string" ? v : typeof v === "number" && isFinite(v) ? String(v) : typeof v === "boolean" || typeof v === "bigint" ? String(v) : "");
      return Object.keys(obj).map((k) => Array.isArray(obj[k]) ? obj[k].map((v) => qsEscape(k) + eq + qsEscape(s(v))).join(sep) : qsEscape(k) + eq + qsEscape(s(obj[k]))).filter(Boolean).join(sep);
    },
  };
  querystring.decode = querystring.parse;
  querystring.encode = querystring.stringify;

  // node:stream, minimal: event-based Readable/Writable/Transform with async iteration, pipe and pipeline.
  class Stream extends EventEmitter {
    pipe(dest) { this.on("data", (c) => dest.write(c)); this.on("end", () => { if (dest !== process.stdout && dest !== process.stderr) dest.end(); }); return dest; }
  }
  class Readable extends Stream {
    constructor(opts = {}) { super(); this._buf = []; this._ended = false; this.readable = true; this._objectMode = !!opts.objectMode; if (opts.read) this._read = opts.read.bind(this); this._flowing = false; }
    static from(iterable, opts) {
      const r = new Readable({ objectMode: true, ...opts });
      (async () => { try { for await (const c of iterable) r.push(c); r.push(null); } catch (e) { r.destroy(e); } })();
      return r;
    }
    _read() {}
    push(chunk) {
      if (chunk === null) { this._ended = true; queueMicrotask(() => this._drain()); return false; }
      this._buf.push(typeof chunk === "string" && !this._objectMode ? Buffer.from(chunk) : chunk);
      queueMicrotask(() => this._drain());
      return true;
    }
    _drain() {
      if (!this._flowing) return;
      while (this._buf.length) this.emit("data", this._buf.shift());
      if (this._ended && !this._endEmitted) { this._endEmitted = true; this.readable = false; this.emit("end"); this.emit("close"); }
    }
    on(e, f) { super.on(e, f); if (e === "data") this.resume(); return this; }
    resume() { this._flowing = true; this._read(); queueMicrotask(() => this._drain()); return this; }
    pause() { this._flowing = false; return this; }
    destroy(err) { this._ended = true; if (err) queueMicrotask(() => this.emit("error", err)); this.emit("close"); return this; }
    setEncoding(enc) { this._enc = enc; return this; }
    async *[Symbol.asyncIterator]() {
      const queue = []; let done = false, error = null, wake = null;
      this.on("data", (c) => { queue.push(c); wake?.(); });
      this.on("end", () => { done = true; wake?.(); });
      this.on("error", (e) => { error = e; wake?.(); });
      for (;;) {
        if (queue.length) { yield queue.shift(); continue; }
        if (error) throw error;
        if (done) return;
        await new Promise((r) => { wake = r; });
        wake = null;
      }
    }
  }
  class Writable extends Stream {
    constructor(opts = {}) { super(); this.writable = true; if (opts.write) this._write = opts.write.bind(this); if (opts.final) this._final = opts.final.bind(this); }
    _write(chunk, enc, cb) { cb(); }
    write(chunk, enc, cb) { if (typeof enc === "function") { cb = enc; enc = undefined; } this._write(chunk, enc || "utf8", (e) => { if (e) this.emit("error", e); cb?.(e); }); return true; }
    end(chunk, enc, cb) {
      if (typeof chunk === "function") { cb = chunk; chunk = undefined; }
      if (chunk !== undefined && chunk !== null) this.write(chunk, enc);
      const finish = () => { this.writable = false; this.emit("finish"); this.emit("close"); cb?.(); };
      if (this._final) this._final((e) => (e ? this.emit("error", e) : finish())); else queueMicrotask(finish);
      return this;
    }
    destroy(err) { if (err) queueMicrotask(() => this.emit("error", err)); this.emit("close"); return this; }
  }
  class Transform extends Readable {
    constructor(opts = {}) {
      super(opts);
      this.writable = true;
      if (opts.transform) this._transform = opts.transform.bind(this);
      if (opts.flush) this._flush = opts.flush.bind(this);
    }
    _transform(chunk, enc, cb) { cb(null, chunk); }
    write(chunk, enc, cb) { if (typeof enc === "function") { cb = enc; enc = undefined; } this._transform(chunk, enc || "utf8", (e, out) => { if (e) this.emit("error", e); else if (out !== undefined && out !== null) this.push(out); cb?.(e); }); return true; }
    end(chunk, enc, cb) {
      if (typeof chunk === "function") { cb = chunk; chunk = undefined; }
      if (chunk !== undefined && chunk !== null) this.write(chunk, enc);
      const done = () => { this.push(null); this.emit("finish"); cb?.(); };
      if (this._flush) this._flush((e, out) => { if (out !== undefined && out !== null) this.push(out); done(); }); else done();
      return this;
    }
  }
  class PassThrough extends Transform {}
  const pipeline = (...streams) => {
    const cb = typeof streams[streams.length - 1] === "function" ? streams.pop() : null;
    const p = new Promise((resolve, reject) => {
      for (let i = 0; i < streams.length - 1; i++) { streams[i].on("error", reject); streams[i].pipe(streams[i + 1]); }
      const last = streams[streams.length - 1];
      last.on("error", reject);
      last.on(last instanceof Writable ? "finish" : "end", resolve);
      if (last instanceof Transform || last instanceof Readable) last.resume?.();
    });
    if (cb) p.then(() => cb(), cb);
    return p;
  };
  const stream = Object.assign(Stream, { Stream, Readable, Writable, Transform, PassThrough, Duplex: Transform, pipeline, finished: (s, cb) => { s.on("end", () => cb()); s.on("finish", () => cb()); s.on("error", cb); } });
  stream.promises = { pipeline, finished: (s) => new Promise((res, rej) => stream.finished(s, (e) => (e ? rej(e) : res()))) };

  class StringDecoder {
    constructor(enc = "utf8") { this.encoding = normEnc(enc); this._dec = this.encoding === "utf8" ? new TextDecoder() : null; }
    write(buf) { return this._dec ? this._dec.decode(buf, { stream: true }) : decodeBytes(toU8(buf), this.encoding); }
    end(buf) { return (buf ? this.write(buf) : "") + (this._dec ? this._dec.decode() : ""); }
  }
  EventEmitter.once = (emitter, name) => new Promise((resolve, reject) => {
    emitter.once(name, (...args) => resolve(args));
    if (name !== "error") emitter.once("error", reject);
  });
  EventEmitter.defaultMaxListeners = 10;
  const nodeUtil = {
    inherits, TextEncoder, TextDecoder, inspect: (v) => inspect(v, 1, []), format: (...a) => format(a),
    promisify: (fn) => (...a) => new Promise((res, rej) => fn(...a, (e, v) => (e ? rej(e) : res(v)))),
    callbackify: (fn) => (...a) => { const cb = a.pop(); fn(...a).then((v) => cb(null, v), (e) => cb(e)); },
    deprecate: (fn) => fn, debuglog: () => () => {}, isDeepStrictEqual: (a, b) => JSON.stringify(a) === JSON.stringify(b),
    types: { isUint8Array: (v) => v instanceof Uint8Array, isPromise: (v) => v instanceof Promise, isDate: (v) => v instanceof Date, isRegExp: (v) => v instanceof RegExp, isArrayBuffer: (v) => v instanceof ArrayBuffer, isAnyArrayBuffer: (v) => v instanceof ArrayBuffer, isTypedArray: (v) => ArrayBuffer.isView(v) && !(v instanceof DataView) },
    isArray: Array.isArray, isString: (v) => typeof v === "string", isFunction: (v) => typeof v === "function", isObject: (v) => v !== null && typeof v === "object",
  };
  // Compression: whole-buffer codecs in .NET (streams buffer their input and emit at the end).
  const zlibRun = (compress, format, data) => {
    try { return host.zlib(compress, format, toBytes(data)); } catch (e) { const err = new Error(String(e && e.message || e).replace(/^OperationError: /, "")); err.code = "Z_DATA_ERROR"; throw err; }
  };
  const zlib = { constants: { Z_NO_FLUSH: 0, Z_FINISH: 4, Z_OK: 0, Z_BEST_COMPRESSION: 9, Z_BEST_SPEED: 1, BROTLI_PARAM_QUALITY: 1 } };
  for (const [name, compress, format] of [["gzip", true, "gzip"], ["gunzip", false, "gzip"], ["deflate", true, "deflate"], ["inflate", false, "deflate"],
    ["deflateRaw", true, "deflate-raw"], ["inflateRaw", false, "deflate-raw"], ["brotliCompress", true, "brotli"], ["brotliDecompress", false, "brotli"], ["unzip", false, "auto"]]) {
    zlib[name + "Sync"] = (data) => Buffer._wrap(zlibRun(compress, format, data));
    zlib[name] = (data, opts, cb) => {
      if (typeof opts === "function") cb = opts;
      let result, error = null;
      try { result = zlib[name + "Sync"](data); } catch (e) { error = e; }
      queueMicrotask(() => cb(error, result));
    };
  }
  const codecStream = (compress, format) => {
    const f = String(format);
    if (!["gzip", "deflate", "deflate-raw"].includes(f)) throw new TypeError(`Unsupported compression format: '${format}'`);
    const parts = [];
    return {
      transform(chunk) { parts.push(toU8(chunk).slice()); },
      flush(c) {
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) { all.set(p, o); o += p.length; }
        try { c.enqueue(host.zlib(compress, f, all)); } catch (e) { throw new TypeError(String(e && e.message || e).replace(/^OperationError: /, "")); }
      },
    };
  };
  class CompressionStream extends TransformStream { constructor(format) { super(codecStream(true, format)); } }
  class DecompressionStream extends TransformStream { constructor(format) { super(codecStream(false, format)); } }
  define("CompressionStream", CompressionStream);
  define("DecompressionStream", DecompressionStream);

  const builtins = {
    zlib,
    buffer: { Buffer, Blob, File, atob, btoa, constants: { MAX_LENGTH: 2 ** 31 - 1, MAX_STRING_LENGTH: 2 ** 29 }, kMaxLength: 2 ** 31 - 1 },
    crypto: nodeCrypto,
    events: EventEmitter,
    path,
    "path/posix": path,
    process,
    querystring,
    stream,
    "stream/promises": stream.promises,
    string_decoder: { StringDecoder },
    timers: { setTimeout, clearTimeout, setInterval, clearInterval, setImmediate: (f, ...a) => setTimeout(f, 0, ...a), clearImmediate: (t) => clearTimeout(t) },
    "timers/promises": { setTimeout: (ms, v) => new Promise((r) => setTimeout(() => r(v), ms)), setImmediate: (v) => new Promise((r) => setTimeout(() => r(v), 0)) },
    url: { URL, URLSearchParams, fileURLToPath: (u) => new URL(String(u)).pathname, pathToFileURL: (p) => new URL("file://" + p), format: (u) => (u instanceof URL ? u.href : String(u.href || "")), parse: (s) => { const u = new URL(s, "http://x"); return { href: s, protocol: u.protocol, host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, query: u.search.slice(1), hash: u.hash }; } },
    util: nodeUtil,
    os: { EOL: "\n", platform: () => "linux", arch: () => "x64", type: () => "Linux", release: () => "", hostname: () => "localhost", homedir: () => "/", tmpdir: () => "/tmp", cpus: () => [], totalmem: () => 0, freemem: () => 0, endianness: () => "LE" },
    assert: Object.assign((v, m) => { if (!v) throw new Error(m || "Assertion failed"); }, {
      ok: (v, m) => { if (!v) throw new Error(m || "Assertion failed"); },
      equal: (a, b, m) => { if (a != b) throw new Error(m || `${a} == ${b}`); }, // eslint-disable-line eqeqeq
      strictEqual: (a, b, m) => { if (a !== b) throw new Error(m || `${a} === ${b}`); },
      deepStrictEqual: (a, b, m) => { if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(m || "Values are not deeply equal"); },
    }),
  };
  for (const [k, v] of Object.entries(builtins)) if (v && typeof v === "object" && !("default" in v)) Object.defineProperty(v, "default", { value: v, enumerable: false, configurable: true, writable: true });
  define("__supacsBuiltin", (name) => {
    const bare = name.startsWith("node:") ? name.slice(5) : name;
    if (!Object.prototype.hasOwnProperty.call(builtins, bare)) throw new Error(`node:${bare} is not available in Supacs edge functions`);
    return builtins[bare];
  });
  const cjsCache = new Map();
  const dirOf = (p) => p.slice(0, p.lastIndexOf("/")) || "/";
  function makeRequire(dir) {
    const require = (spec) => {
      spec = String(spec);
      const bare = spec.startsWith("node:") ? spec.slice(5) : spec;
      if (Object.prototype.hasOwnProperty.call(builtins, bare)) return builtins[bare];
      const path = host.cjsResolve(spec, dir);
      if (path === null) {
        const err = new Error(`Cannot find module '${spec}'`);
        err.code = "MODULE_NOT_FOUND";
        throw err;
      }
      return loadCommonJs(path);
    };
    require.resolve = (spec) => host.cjsResolve(String(spec), dir);
    require.cache = {};
    return require;
  }
  function loadCommonJs(path) {
    const cached = cjsCache.get(path);
    if (cached) return cached.exports;
    if (path.endsWith(".json")) {
      const module = { exports: JSON.parse(host.readText(path)) };
      cjsCache.set(path, module);
      return module.exports;
    }
    const module = { exports: {}, id: path, filename: path, loaded: false, children: [], paths: [] };
    cjsCache.set(path, module);
    const fn = host.cjsCompile(path);
    const dir = dirOf(path);
    try {
      fn.call(module.exports, module.exports, makeRequire(dir), module, path, dir, Buffer, globalThis, builtins.timers.setImmediate, builtins.timers.clearImmediate);
    } catch (e) {
      cjsCache.delete(path);
      throw e;
    }
    module.loaded = true;
    return module.exports;
  }
  define("__supacsRequire", loadCommonJs);

  // ---------- the host's entry points ----------
  define("__supacsStdServe", (fn, opts) => { Deno.serve(opts || {}, fn); return Promise.resolve(); });
  define("__supacsHasHandler", () => handler !== null);
  define("__supacsUseDefaultExport", (ns) => {
    const d = ns && ns.default;
    if (handler === null && d && typeof d.fetch === "function") register((req, info) => d.fetch(req, info));
    return handler !== null;
  });
  define("__supacsHasWaits", () => waits.size > 0);

  // Runs the handler for one request; calls done(parts) or fail(error). parts = [status, statusText, flatHeaders, kind, payload]
  // with kind 0 = no body, 1 = text, 2 = bytes, 3 = host stream id, 4 = JS stream reader.
  define("__supacsDispatch", (method, url, flat, body, remoteIp, remotePort, done, fail) => {
    // The host already validated the URL and lower-cased header names: build the Request without re-checking.
    const req = Object.create(Request.prototype);
    req._url = url;
    req.method = method;
    const headers = new Headers();
    for (let i = 0; i < flat.length; i += 2) {
      const list = headers._map.get(flat[i]);
      if (list) list.push(flat[i + 1]); else headers._map.set(flat[i], [flat[i + 1]]);
    }
    req.headers = headers;
    req.redirect = "follow";
    req._signal = null;
    req.credentials = "same-origin";
    req.mode = "cors";
    req.cache = "default";
    req.referrer = "about:client";
    req.integrity = "";
    req.keepalive = false;
    req._bodyUsed = false;
    req._body = body === null ? null : { bytes: body };
    const info = { remoteAddr: { transport: "tcp", hostname: remoteIp, port: remotePort }, completed: Promise.resolve() };
    let result;
    try { result = handler(req, info); } catch (e) { result = Promise.reject(e); }
    // Deno.serve({ onError }) turns a handler's error into a response.
    if (onError) result = Promise.resolve(result).catch((e) => onError(e));
    Promise.resolve(result).then((res) => {
      if (!(res instanceof Response)) {
        fail(new TypeError("Return value from serve handler must be a response or a promise resolving to a response"));
        return;
      }
      if (res._type === "error") { fail(new TypeError("The handler returned Response.error()")); return; }
      const b = res._bodyUsed ? null : res._body;
      let kind = 0, payload = null;
      if (b !== null) {
        if (b.text !== undefined) { kind = 1; payload = b.text; }
        else if (b.bytes !== undefined) { kind = 2; payload = b.bytes; }
        else if (b.stream._hostId !== undefined && !b.stream._locked && b.stream._queue.length === 0) { kind = 3; payload = b.stream._hostId; b.stream._locked = true; }
        else { kind = 4; payload = b.stream.getReader(); }
      }
      done([res._status, res._statusText, res._headers._flat(), kind, payload]);
    }, fail);
  });
  // Reads the next chunk of a JS stream body: done(Uint8Array | string | null) or fail(error).
  define("__supacsReadChunk", (reader, done, fail) => {
    reader.read().then(({ value, done: end }) => {
      if (end) { done(null); return; }
      if (typeof value === "string") done(value);
      else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) done(toU8(value));
      else fail(new TypeError("Response body stream chunks must be Uint8Array or string"));
    }, fail);
  });
  define("__supacsCancelReader", (reader) => { try { reader.cancel(); } catch { /* ignore */ } });
})(__host);
