/* Vestnik console: progressive enhancement only; every page works without this file. */
/* global document, window, location, fetch, FormData, XMLHttpRequest, setTimeout, clearTimeout */
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

  function formBody(form) {
    var body = {};
    new FormData(form).forEach(function (value, key) { if (typeof value === 'string') body[key] = value; });
    return body;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // Selects the offending line in its field, without taking the focus from where the person types.
  function markLine(field, line) {
    var area = field && line && document.querySelector('[data-field="' + field + '"]');
    if (!area || typeof area.setSelectionRange !== 'function') return;
    var lines = area.value.split('\n');
    var start = lines.slice(0, line - 1).join('\n').length + (line > 1 ? 1 : 0);
    if (document.activeElement !== area) area.setSelectionRange(start, start + (lines[line - 1] || '').length);
  }

  // Bulletin editor: after a pause in typing, save the draft and render the preview beside it.
  // A template error is shown with its line, and the line is selected in its field.
  var editor = document.querySelector('form[data-editor][data-preview-url]');
  if (editor) {
    var timer = null;
    var state = document.querySelector('[data-save-state]');
    var chooser = document.querySelector('[data-preview-subscriber]');
    var refresh = function () {
      var body = formBody(editor);
      delete body._csrf;
      if (chooser && chooser.value) body.subscriberId = chooser.value;
      state.textContent = '…';
      post(editor.getAttribute('data-preview-url'), body).then(function (res) {
        var box = document.querySelector('[data-problem]');
        if (res.body.ok) {
          box.innerHTML = '';
          state.textContent = '✓';
          document.querySelector('[data-preview-frame]').srcdoc = res.body.preview.html;
          document.querySelector('[data-preview-subject]').textContent = res.body.preview.subject;
          return;
        }
        state.textContent = '';
        var p = res.body.problem;
        if (p) {
          var excerpt = p.excerpt.map(function (l) {
            return '<span class="' + (l.bad ? 'error-line' : '') + '">' + l.n + ' | ' + escapeHtml(l.text) + '</span>';
          }).join('\n');
          box.innerHTML = '<div class="alert" role="alert" data-test="template-error"><b>' + escapeHtml(p.message) + '</b>' +
            (excerpt ? '<pre class="excerpt">' + excerpt + '</pre>' : '') + '</div>';
          markLine(p.field, p.line);
        } else {
          box.innerHTML = '<div class="alert" role="alert">' + (res.body.formErrors || res.body.message || []).map(escapeHtml).join('<br>') + '</div>';
        }
      }).catch(function () { state.textContent = '!'; });
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(refresh, 600); };
    editor.addEventListener('input', later);
    if (chooser) chooser.addEventListener('change', refresh);
  }

  // Sending page: poll the progress while the bulletin moves; reload when its state changes.
  var progress = document.querySelector('[data-progress-url]');
  if (progress) {
    var status = progress.getAttribute('data-status-now');
    var tick = function () {
      fetch(progress.getAttribute('data-progress-url'), { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (res) { return res.json(); })
        .then(function (p) {
          var bar = progress.querySelector('[data-bar]');
          bar.setAttribute('aria-valuenow', p.percent);
          ['sent', 'failed', 'skipped'].forEach(function (k) { bar.querySelector('.p-' + k).style.width = p.parts[k] + '%'; });
          progress.querySelector('[data-percent]').textContent = p.percent + '%';
          Object.keys(p.stats).forEach(function (k) {
            var cell = progress.querySelector('[data-k="' + k + '"]');
            if (cell) cell.textContent = p.stats[k];
          });
          if (p.status !== status) { location.reload(); return; }
          if (['sending', 'scheduled', 'paused'].indexOf(p.status) >= 0) setTimeout(tick, 1000);
        })
        .catch(function () { setTimeout(tick, 3000); });
    };
    if (['sending', 'scheduled', 'paused'].indexOf(status) >= 0) setTimeout(tick, 500);
  }

  // CSV import: send the file itself (text/csv) so the upload shows its progress, then the report.
  var importForm = document.querySelector('form[data-import]');
  if (importForm) {
    importForm.addEventListener('submit', function (event) {
      var file = importForm.querySelector('input[type=file]').files[0];
      var source = importForm.querySelector('input[name=source]').value;
      if (!file || !window.XMLHttpRequest) return;
      event.preventDefault();
      var bar = importForm.querySelector('[data-import-progress]');
      var label = importForm.querySelector('[data-import-status]');
      bar.hidden = false;
      label.hidden = false;
      var xhr = new XMLHttpRequest();
      xhr.open('POST', importForm.action + '?source=' + encodeURIComponent(source));
      xhr.setRequestHeader('content-type', 'text/csv');
      xhr.setRequestHeader('accept', 'application/json');
      xhr.setRequestHeader('x-csrf-token', csrf);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.firstElementChild.style.width = Math.round((e.loaded / e.total) * 100) + '%';
      };
      xhr.onload = function () {
        bar.firstElementChild.style.width = '100%';
        label.hidden = true;
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch { body = { message: xhr.statusText }; }
        var out = document.querySelector('[data-import-result]');
        out.hidden = false;
        if (xhr.status >= 400) {
          out.querySelector('tbody').innerHTML = '<tr><td></td><td>' + escapeHtml([].concat(body.message).join(' ')) + '</td></tr>';
          return;
        }
        ['created', 'updated', 'skipped'].forEach(function (k) { out.querySelector('[data-k="' + k + '"]').textContent = body[k]; });
        out.querySelector('tbody').innerHTML = body.errors.map(function (e) {
          return '<tr><td class="num">' + e.line + '</td><td>' + escapeHtml(e.message) + '</td></tr>';
        }).join('');
      };
      xhr.send(file);
    });
  }

  window.Vestnik = { post: post, csrf: csrf };
})();
