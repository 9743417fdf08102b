// Staff desk: keeps the queue up to date and carries the live chat of a case. User text is only
// ever inserted with textContent; server-rendered fragments come from autoescaped templates.
(function () {
  'use strict';
  var page = document.body.dataset.page;
  var csrf = document.body.dataset.csrf;

  function socketUrl(query) {
    var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return scheme + '//' + location.host + '/staff/ws' + query;
  }

  function listen(query, onEvent) {
    var delay = 1000;
    function connect() {
      var socket = new WebSocket(socketUrl(query));
      socket.onopen = function () { delay = 1000; };
      socket.onmessage = function (message) { onEvent(JSON.parse(message.data)); };
      socket.onclose = function (event) {
        if (event.code === 4401) { location.reload(); return; }  // the session ended: to the log-in page
        setTimeout(connect, delay); delay = Math.min(delay * 2, 15000);
      };
    }
    connect();
  }

  function refreshQueue() {
    fetch('/staff/queue', { credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var rows = new DOMParser().parseFromString('<table><tbody>' + html + '</tbody></table>', 'text/html');
        document.getElementById('queue-body').replaceChildren.apply(
          document.getElementById('queue-body'), Array.from(rows.querySelectorAll('tbody > tr')));
      });
  }

  function appendLine(log, sender, text) {
    var item = document.createElement('li');
    item.className = 'from-' + sender;
    var speaker = document.createElement('span');
    speaker.className = 'speaker';
    speaker.textContent = (sender === 'user' ? 'Bruger' : 'Hotline') + ':';
    var body = document.createElement('span');
    body.className = 'text';
    body.textContent = text;
    item.append(speaker, ' ', body);
    log.querySelector('ol').appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function setupCase() {
    var layout = document.querySelector('.case-layout');
    var log = document.getElementById('live-log');
    var presence = document.getElementById('presence');
    listen('?case=' + encodeURIComponent(layout.dataset.code), function (event) {
      if (event.type === 'user' || event.type === 'staff') { appendLine(log, event.type, event.text); }
      if (event.type === 'presence') {
        presence.textContent = event.in_chat ? 'Brugeren er i chatten nu.'
          : 'Brugeren har forladt chatten. Sagen kan tages op, hvis brugeren ringer med koden.';
      }
    });
    var form = document.getElementById('reply-form');
    if (!form) { return; }
    var field = document.getElementById('reply');
    var error = document.getElementById('reply-error');
    form.addEventListener('submit', function (submit) {
      submit.preventDefault();
      var text = field.value.trim();
      if (!text) { return; }
      fetch(form.action, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ text: text })
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        error.hidden = result.ok;
        error.textContent = result.ok ? '' : (result.body.error || 'Beskeden blev ikke sendt.');
        if (result.ok) { field.value = ''; field.focus(); }
      }).catch(function () {
        error.hidden = false;
        error.textContent = 'Beskeden blev ikke sendt. Prøv igen.';
      });
    });
    field.addEventListener('keydown', function (key) {
      if (key.key === 'Enter' && !key.shiftKey) { key.preventDefault(); form.requestSubmit(); }
    });
  }

  if (page === 'queue') {
    listen('', function (event) { if (event.type === 'queue') { refreshQueue(); } });
    setInterval(refreshQueue, 20000);
  } else if (page === 'case') {
    setupCase();
  }
}());
