/* Vestnik console: progressive enhancement only; every page works without this file. */
/* global document, window, location, fetch */
(function () {
  'use strict';
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body || {}),
    }).then(function (res) {
      return res.json().then(function (json) { return { ok: res.ok, status: res.status, body: json }; });
    });
  }

  // The language switch returns to the page it was used on.
  document.querySelectorAll('[data-current-path]').forEach(function (input) {
    input.value = location.pathname + location.search;
  });

  // Destructive buttons ask first.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  });

  window.Vestnik = { post: post, csrf: csrf };
})();
