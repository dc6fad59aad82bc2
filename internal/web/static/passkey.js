// Passkeys: "Sign in with a passkey" on /login and "Add a passkey" on
// /account. The server sends WebAuthn options as JSON with base64url
// binary fields; this file converts them for navigator.credentials and
// posts the result back. Loaded as a file: the CSP forbids inline script.
"use strict";
(function () {
  function b64uToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function bufToB64u(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = b64uToBuf(pk.challenge);
    pk.user.id = b64uToBuf(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
    return pk;
  }
  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = b64uToBuf(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
    return pk;
  }
  function credentialJSON(c) {
    var r = c.response, resp = { clientDataJSON: bufToB64u(r.clientDataJSON) };
    if (r.attestationObject) {
      resp.attestationObject = bufToB64u(r.attestationObject);
      if (r.getTransports) resp.transports = r.getTransports();
    }
    if (r.authenticatorData) resp.authenticatorData = bufToB64u(r.authenticatorData);
    if (r.signature) resp.signature = bufToB64u(r.signature);
    if (r.userHandle) resp.userHandle = bufToB64u(r.userHandle);
    return {
      id: c.id, rawId: bufToB64u(c.rawId), type: c.type, response: resp,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {}
    };
  }
  function post(url, body, csrf) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (csrf) headers["X-CSRF-Token"] = csrf;
    return fetch(url, { method: "POST", headers: headers, credentials: "same-origin", body: JSON.stringify(body || {}) })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (j) {
          if (!res.ok) throw new Error(j.error || "The server refused the request (" + res.status + ").");
          return j;
        });
      });
  }
  function show(el, msg) {
    if (!el) return;
    el.textContent = msg;
    el.hidden = !msg;
  }
  function explain(err) {
    if (err && err.name === "NotAllowedError") return "The passkey prompt was closed or timed out. Try again.";
    if (err && err.name === "InvalidStateError") return "This device already holds a passkey for your account.";
    return (err && err.message) || "Something went wrong. Try again.";
  }
  function supported() {
    return window.PublicKeyCredential && navigator.credentials && window.isSecureContext;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var login = document.getElementById("passkey-login");
    var add = document.getElementById("passkey-add");
    var errEl = document.getElementById("passkey-error");
    if (!supported()) {
      [login, add].forEach(function (b) { if (b) b.disabled = true; });
      show(errEl, "This browser cannot use passkeys here.");
      return;
    }
    if (login) {
      login.addEventListener("click", function () {
        show(errEl, "");
        login.disabled = true;
        post("/login/passkey/begin").then(function (opts) {
          return navigator.credentials.get({ publicKey: requestOptions(opts) });
        }).then(function (cred) {
          return post("/login/passkey/finish", { credential: credentialJSON(cred), return: login.getAttribute("data-return") || "/" });
        }).then(function (j) {
          window.location.assign(j.redirect || "/");
        }).catch(function (err) {
          login.disabled = false;
          show(errEl, explain(err));
        });
      });
    }
    if (add) {
      add.addEventListener("click", function () {
        var csrf = add.getAttribute("data-csrf");
        var nameEl = document.getElementById("passkey-name");
        show(errEl, "");
        add.disabled = true;
        post("/account/passkeys/begin", {}, csrf).then(function (opts) {
          return navigator.credentials.create({ publicKey: creationOptions(opts) });
        }).then(function (cred) {
          return post("/account/passkeys/finish", { name: nameEl ? nameEl.value : "", credential: credentialJSON(cred) }, csrf);
        }).then(function (j) {
          window.location.assign(j.redirect || "/account");
        }).catch(function (err) {
          add.disabled = false;
          show(errEl, explain(err));
        });
      });
    }
  });
})();
