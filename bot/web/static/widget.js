/*
 * Chat widget for "Chat om bekymring for ekstremisme".
 *
 * Embed with ONE tag:  <script src="/widget.js" defer></script>
 *
 * The script injects widget.css (from the same folder as this script), builds the widget with
 * createElement and talks to the web app as described in docs/chat-protocol.md.
 *
 * Works under a strict Content-Security-Policy (script-src 'self'; style-src 'self'):
 * no inline scripts or styles, no element.style, no eval, no innerHTML. All server text is put
 * into the page with textContent and shown with CSS white-space: pre-line.
 *
 * Stable hooks for tests (data-testid): hc-launcher, hc-panel, hc-close, hc-log, hc-message
 * (with data-kind="bot|user|staff|notice|status"), hc-quick-replies, hc-quick-reply, hc-input,
 * hc-send, hc-restart, hc-status-banner, hc-case-code, hc-typing, hc-connection, hc-counter,
 * hc-copy (the copy button of a text the assistant offers for copying) and hc-copy-status.
 */
(function () {
  'use strict';

  // Only one widget per page, even if the tag is included twice.
  if (document.querySelector('[data-hc-root]')) {
    return;
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration

  const scriptEl = document.currentScript ||
    document.querySelector('script[src$="widget.js"], script[src*="widget.js?"]');
  // Everything (CSS, chat endpoints) is resolved relative to the folder this script came from,
  // so the widget also works when the app is mounted under a path prefix.
  const BASE = new URL('.', (scriptEl && scriptEl.src) || document.baseURI);

  // Filled in by the web app when it serves this file, from bot/knowledge/data/contacts.yml.
  const EMERGENCY_NUMBER = '__EMERGENCY_NUMBER__';
  const STORAGE_KEY = 'hotline-chat';
  const MAX_LEN = 2000;
  const MAX_TRANSCRIPT = 300; // entries kept in sessionStorage
  const TYPING_TIMEOUT_MS = 10000;
  const LONG_POLL_ABORT_MS = 40000; // the server answers a long poll within 25 s
  const BACKOFF_START_MS = 1000;
  const BACKOFF_MAX_MS = 15000;
  const DISCONNECT_NOTICE_DELAY_MS = 1500; // avoid flashing the notice for a brief hiccup
  const WS_OPEN_FAILURES_BEFORE_FALLBACK = 2;
  const SEND_WAIT_MS = 4000; // how long a send waits for a (re)connecting WebSocket

  const numberFormat = (n) => {
    try {
      return n.toLocaleString('da-DK');
    } catch (e) {
      return String(n);
    }
  };

  const T = {
    region: 'Chat om bekymring for radikalisering',
    launcher: 'Bekymret for radikalisering? Skriv med os',
    unread: 'Ny besked',
    title: 'Chat om bekymring for ekstremisme',
    disclosure: 'Du skriver med en automatisk assistent, ikke et menneske.',
    emergencyLead: 'Akut fare? Ring ',
    close: 'Luk chat',
    log: 'Samtale',
    inputLabel: 'Skriv din besked',
    inputHint: 'Tryk Enter for at sende. Tryk Skift og Enter for at lave en ny linje.',
    send: 'Send',
    restart: 'Start forfra',
    quickReplies: 'Svarmuligheder',
    copy: 'Kopiér teksten',
    copied: 'Teksten er kopieret.',
    notCopied: 'Teksten kunne ikke kopieres. Markér den, og kopiér den selv.',
    typing: 'Assistenten skriver …',
    disconnected: 'Forbindelsen blev afbrudt. Vi prøver igen …',
    notSent: 'Beskeden blev ikke sendt. Prøv igen.',
    expired: 'Samtalen er udløbet, så vi er startet forfra.',
    waiting: 'Du venter på en medarbejder',
    human: 'Du skriver med en medarbejder fra hotlinen',
    caseCode: 'Sagskode',
    speaker: {
      bot: 'Assistenten:',
      user: 'Du:',
      staff: 'Medarbejder:',
      notice: 'Besked:',
      status: 'Besked:',
    },
    counter: (n) => numberFormat(n) + ' af ' + numberFormat(MAX_LEN) + ' tegn',
    remaining: (n) => 'Du kan skrive ' + numberFormat(n) + ' tegn mere.',
    full: 'Du har brugt alle ' + numberFormat(MAX_LEN) + ' tegn.',
  };

  const KINDS = ['bot', 'user', 'staff', 'notice', 'status'];
  const MODES = ['bot', 'waiting', 'human'];

  // ---------------------------------------------------------------------------------------------
  // State and sessionStorage

  function freshState(open) {
    return {
      conversation: null,
      lastSeq: 0,
      transcript: [],
      mode: 'bot',
      caseCode: null,
      open: Boolean(open),
    };
  }

  let state = loadState();
  let seenSeqs = new Set(state.transcript.filter((e) => typeof e.seq === 'number').map((e) => e.seq));
  const entryElements = new Map(); // transcript entry -> its element in the log

  function loadState() {
    const s = freshState(false);
    let raw = null;
    try {
      raw = window.sessionStorage.getItem(STORAGE_KEY);
    } catch (e) {
      return s;
    }
    if (!raw) {
      return s;
    }
    try {
      const data = JSON.parse(raw);
      if (data && typeof data === 'object') {
        if (typeof data.conversation === 'string' && data.conversation) {
          s.conversation = data.conversation;
        }
        if (Number.isInteger(data.lastSeq) && data.lastSeq >= 0) {
          s.lastSeq = data.lastSeq;
        }
        if (Array.isArray(data.transcript)) {
          s.transcript = data.transcript.map(sanitizeEntry).filter(Boolean);
        }
        if (MODES.indexOf(data.mode) !== -1) {
          s.mode = data.mode;
        }
        if (typeof data.caseCode === 'string' && data.caseCode) {
          s.caseCode = data.caseCode;
        }
        s.open = data.open === true;
      }
    } catch (e) {
      // Corrupt storage: start clean.
    }
    return s;
  }

  function saveState() {
    if (state.transcript.length > MAX_TRANSCRIPT) {
      const dropped = state.transcript.splice(0, state.transcript.length - MAX_TRANSCRIPT);
      dropped.forEach((entry) => {
        const el = entryElements.get(entry);
        if (el && el.parentNode) {
          el.parentNode.removeChild(el);
        }
        entryElements.delete(entry);
      });
    }
    const data = {
      conversation: state.conversation,
      lastSeq: state.lastSeq,
      transcript: state.transcript.filter((e) => !e.transient).map((e) => {
        const out = { kind: e.kind, text: e.text };
        if (typeof e.seq === 'number') {
          out.seq = e.seq;
        }
        if (e.buttons && e.buttons.length) {
          out.buttons = e.buttons;
        }
        if (typeof e.copy === 'string') {
          out.copy = e.copy;
        }
        return out;
      }),
      mode: state.mode,
      caseCode: state.caseCode,
      open: state.open,
    };
    try {
      window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(data));
    } catch (e) {
      // Storage full or disabled: the widget keeps working, it just won't survive a reload.
    }
  }

  function clearStorage() {
    try {
      window.sessionStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      // ignore
    }
  }

  function sanitizeButtons(buttons) {
    if (!Array.isArray(buttons)) {
      return [];
    }
    return buttons
      .filter((b) => b && typeof b.title === 'string' && b.title.trim() !== '')
      .slice(0, 12)
      .map((b) => ({
        title: b.title,
        payload: typeof b.payload === 'string' && b.payload !== '' ? b.payload : b.title,
      }));
  }

  function sanitizeEntry(e) {
    if (!e || KINDS.indexOf(e.kind) === -1 || typeof e.text !== 'string') {
      return null;
    }
    const out = { kind: e.kind, text: e.text };
    if (Number.isInteger(e.seq)) {
      out.seq = e.seq;
    }
    const buttons = sanitizeButtons(e.buttons);
    if (buttons.length) {
      out.buttons = buttons;
    }
    if (typeof e.copy === 'string' && e.kind === 'bot') {
      out.copy = e.copy;
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // DOM helpers (createElement + textContent only)

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach((key) => {
        const value = attrs[key];
        if (value === null || value === undefined || value === false) {
          return;
        }
        if (key === 'className') {
          node.className = value;
        } else if (key === 'text') {
          node.textContent = value;
        } else if (key === 'hidden') {
          node.hidden = true;
        } else {
          node.setAttribute(key, value === true ? '' : String(value));
        }
      });
    }
    (children || []).forEach((child) => {
      if (child === null || child === undefined) {
        return;
      }
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function chatIcon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'hc-icon');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', 'M4 5h16v11H9l-5 4z');
    svg.appendChild(path);
    return svg;
  }

  // ---------------------------------------------------------------------------------------------
  // Build the widget

  const launcherUnread = el('span', { className: 'hc-launcher-unread', hidden: true }, [
    el('span', { className: 'hc-visually-hidden', text: ', ' }),
    T.unread,
  ]);
  const launcher = el('button', {
    type: 'button',
    id: 'hc-launcher',
    className: 'hc-launcher',
    'data-testid': 'hc-launcher',
    'aria-haspopup': 'dialog',
    'aria-expanded': 'false',
    'aria-controls': 'hc-panel',
  }, [chatIcon(), el('span', { className: 'hc-launcher-text', text: T.launcher }), launcherUnread]);

  const closeButton = el('button', {
    type: 'button',
    id: 'hc-close',
    className: 'hc-button hc-button--secondary hc-close',
    'data-testid': 'hc-close',
    text: T.close,
  });

  const disclosure = el('p', { className: 'hc-disclosure', id: 'hc-disclosure', text: T.disclosure });

  const emergency = el('p', { className: 'hc-emergency', 'data-testid': 'hc-emergency' }, [
    el('span', { className: 'hc-emergency-mark', 'aria-hidden': 'true', text: '!' }),
    el('span', { className: 'hc-emergency-text' }, [
      T.emergencyLead,
      el('a', { href: 'tel:' + EMERGENCY_NUMBER.replace(/\D/g, ''), className: 'hc-emergency-link', text: EMERGENCY_NUMBER }),
    ]),
  ]);

  const header = el('div', { className: 'hc-header' }, [
    el('div', { className: 'hc-header-top' }, [
      el('h2', { id: 'hc-title', className: 'hc-title', text: T.title }),
      closeButton,
    ]),
    disclosure,
    emergency,
  ]);

  const bannerText = el('span', { className: 'hc-banner-text' });
  const bannerCode = el('span', { className: 'hc-banner-code-wrap', hidden: true }, [
    el('span', { className: 'hc-banner-sep', 'aria-hidden': 'true', text: ' · ' }),
    el('span', { className: 'hc-visually-hidden', text: '. ' }),
    T.caseCode + ' ',
    el('span', { className: 'hc-code', 'data-testid': 'hc-case-code' }),
  ]);
  const banner = el('div', {
    className: 'hc-banner',
    id: 'hc-status-banner',
    'data-testid': 'hc-status-banner',
    hidden: true,
  }, [bannerText, bannerCode]);

  // The log is scrollable; tabindex="0" lets keyboard users scroll it even when it contains no
  // buttons (axe rule scrollable-region-focusable).
  const log = el('div', {
    className: 'hc-log',
    id: 'hc-log',
    role: 'log',
    'aria-live': 'polite',
    'aria-label': T.log,
    tabindex: '0',
    'data-testid': 'hc-log',
  });

  // Live regions stay in the DOM permanently and only their text changes, so screen readers
  // reliably announce the change (a region that appears together with its text often is not).
  const typing = el('div', {
    className: 'hc-typing',
    role: 'status',
    'data-testid': 'hc-typing',
  });
  const connection = el('div', {
    className: 'hc-connection',
    role: 'status',
    'data-testid': 'hc-connection',
  });

  const textarea = el('textarea', {
    id: 'hc-input',
    className: 'hc-input',
    name: 'message',
    rows: '2',
    maxlength: String(MAX_LEN),
    autocomplete: 'off',
    'aria-describedby': 'hc-input-hint hc-counter',
    'data-testid': 'hc-input',
  });
  const counter = el('span', {
    id: 'hc-counter',
    className: 'hc-counter',
    'data-testid': 'hc-counter',
  });
  const counterLive = el('span', { className: 'hc-visually-hidden', role: 'status' });
  const sendButton = el('button', {
    type: 'submit',
    id: 'hc-send',
    className: 'hc-button hc-button--primary hc-send',
    'data-testid': 'hc-send',
    text: T.send,
  });
  const restartButton = el('button', {
    type: 'button',
    id: 'hc-restart',
    className: 'hc-button hc-button--secondary hc-restart',
    'data-testid': 'hc-restart',
    text: T.restart,
  });

  const form = el('form', { className: 'hc-form', 'data-testid': 'hc-form', novalidate: true }, [
    el('div', { className: 'hc-label-row' }, [
      el('label', { for: 'hc-input', className: 'hc-label', text: T.inputLabel }),
      counter,
    ]),
    el('span', { id: 'hc-input-hint', className: 'hc-visually-hidden', text: T.inputHint }),
    textarea,
    counterLive,
    el('div', { className: 'hc-actions' }, [restartButton, sendButton]),
  ]);

  // WCAG choice: the panel is a NON-modal dialog (role="dialog", no aria-modal, no focus trap).
  // It opens on a button press, takes focus, closes with Esc and returns focus to the launcher,
  // which is exactly the dialog interaction pattern, and screen readers announce its name
  // ("dialog, Chat om bekymring for ekstremisme") when focus moves in. It is non-modal so that the
  // rest of the page (e.g. the emergency information) stays reachable. The whole widget sits in one
  // labelled <aside> landmark so that no content lies outside landmarks.
  const panel = el('div', {
    id: 'hc-panel',
    className: 'hc-panel',
    role: 'dialog',
    'aria-labelledby': 'hc-title',
    'aria-describedby': 'hc-disclosure',
    'data-testid': 'hc-panel',
    hidden: true,
  }, [header, banner, log, typing, connection, form]);

  const root = el('aside', {
    className: 'hc-root',
    'aria-label': T.region,
    lang: 'da',
    'data-hc-root': '',
    'data-testid': 'hc-root',
    hidden: true, // shown once the stylesheet has loaded, to avoid a flash of unstyled content
  }, [launcher, panel]);

  // ---------------------------------------------------------------------------------------------
  // Rendering messages

  function speakerSpan(kind) {
    // The speaker is visible for staff (so a human reply is never told apart by colour alone)
    // and visually hidden for the others.
    const cls = kind === 'staff' ? 'hc-speaker hc-speaker--visible' : 'hc-speaker hc-visually-hidden';
    return el('span', { className: cls, text: T.speaker[kind] + ' ' });
  }

  function renderEntry(entry) {
    const item = el('div', {
      className: 'hc-msg hc-msg--' + entry.kind,
      'data-kind': entry.kind,
      'data-testid': 'hc-message',
      'data-seq': typeof entry.seq === 'number' ? String(entry.seq) : null,
    }, [
      el('div', { className: 'hc-bubble' }, [
        speakerSpan(entry.kind),
        el('span', { className: 'hc-text', text: entry.text }),
      ]),
    ]);
    entryElements.set(entry, item);
    if (typeof entry.copy === 'string') {
      item.appendChild(renderCopyButton(entry));
    }
    if (entry.buttons && entry.buttons.length) {
      item.appendChild(renderQuickReplies(entry));
    }
    return item;
  }

  // A text the assistant offers for copying (the readiness check's summary for an e-mail): a
  // button copies it as plain text, and a polite live region says whether that worked.
  function renderCopyButton(entry) {
    const status = el('span', {
      className: 'hc-copy-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'hc-copy-status',
    });
    const btn = el('button', { type: 'button', className: 'hc-copy', 'data-testid': 'hc-copy', text: T.copy });
    btn.addEventListener('click', () => {
      copyText(entry.copy).then((ok) => {
        status.textContent = ok ? T.copied : T.notCopied;
      });
    });
    return el('div', { className: 'hc-copy-row' }, [btn, status]);
  }

  function copyText(text) {
    if (navigator.clipboard && typeof navigator.clipboard.writeText === 'function') {
      return navigator.clipboard.writeText(text).then(() => true, () => copyBySelection(text));
    }
    return Promise.resolve(copyBySelection(text));
  }

  // Older browsers, or a page that may not use the clipboard API: copy through a selected textarea.
  function copyBySelection(text) {
    const area = el('textarea', { className: 'hc-visually-hidden', 'aria-hidden': 'true', tabindex: '-1', readonly: true });
    area.value = text;
    root.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (e) {
      ok = false;
    }
    root.removeChild(area);
    return ok;
  }

  function renderQuickReplies(entry) {
    const group = el('div', {
      className: 'hc-quick',
      role: 'group',
      'aria-label': T.quickReplies,
      'data-testid': 'hc-quick-replies',
    });
    entry.buttons.forEach((b) => {
      const btn = el('button', {
        type: 'button',
        className: 'hc-quick-reply',
        'data-testid': 'hc-quick-reply',
        'data-payload': b.payload,
        text: b.title,
      });
      btn.addEventListener('click', () => {
        if (b.payload === '/restart') { // the assistant's own "start over" button ends the conversation too
          restartButton.click();
          return;
        }
        submitMessage(b.title, b.payload, 'button');
      });
      group.appendChild(btn);
    });
    return group;
  }

  function removeQuickReplyElements() {
    Array.prototype.slice.call(log.querySelectorAll('.hc-quick')).forEach((g) => {
      g.parentNode.removeChild(g);
    });
  }

  // Only the latest bot message's buttons are active: spend them all in the transcript.
  function spendQuickReplies() {
    state.transcript.forEach((e) => {
      if (e.buttons) {
        delete e.buttons;
      }
    });
    removeQuickReplyElements();
  }

  // After a failed send, bring back the buttons that were showing.
  function restoreQuickReplies() {
    removeQuickReplyElements();
    for (let i = state.transcript.length - 1; i >= 0; i--) {
      const e = state.transcript[i];
      if (e.buttons && e.buttons.length) {
        const item = entryElements.get(e);
        if (item) {
          item.appendChild(renderQuickReplies(e));
        }
        return;
      }
    }
  }

  function isNearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function scrollToBottom() {
    log.scrollTop = log.scrollHeight;
    // On very low viewports the whole panel scrolls instead of the log (see widget.css).
    if (panel.scrollHeight > panel.clientHeight && window.getComputedStyle(panel).overflowY === 'auto') {
      panel.scrollTop = panel.scrollHeight;
    }
  }

  function addEntry(entry, options) {
    const opts = options || {};
    const stick = opts.forceScroll || isNearBottom();
    state.transcript.push(entry);
    log.appendChild(renderEntry(entry));
    if (!entry.transient) {
      saveState();
    }
    if (stick) {
      scrollToBottom();
    }
    return entry;
  }

  function removeEntry(entry) {
    const i = state.transcript.indexOf(entry);
    if (i !== -1) {
      state.transcript.splice(i, 1);
    }
    const item = entryElements.get(entry);
    if (item && item.parentNode) {
      item.parentNode.removeChild(item);
    }
    entryElements.delete(entry);
    saveState();
  }

  function addLocalNotice(text, transient) {
    return addEntry({ kind: 'notice', text: text, transient: Boolean(transient) }, { forceScroll: true });
  }

  function clearLog() {
    while (log.firstChild) {
      log.removeChild(log.firstChild);
    }
    entryElements.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // Mode banner, typing indicator, connection notice, unread marker

  function renderMode() {
    const inHandoff = state.mode === 'waiting' || state.mode === 'human';
    banner.hidden = !inHandoff;
    panel.classList.toggle('hc-panel--handoff', inHandoff);
    // The "automatic assistant" line would be wrong while a person (or the hotline's desk)
    // receives the messages; the banner says who you are writing with instead.
    disclosure.hidden = inHandoff;
    if (inHandoff) {
      panel.setAttribute('aria-describedby', 'hc-status-banner');
    } else {
      panel.setAttribute('aria-describedby', 'hc-disclosure');
    }
    bannerText.textContent = state.mode === 'human' ? T.human : (state.mode === 'waiting' ? T.waiting : '');
    banner.setAttribute('data-mode', state.mode);
    const code = inHandoff && state.caseCode;
    bannerCode.hidden = !code;
    bannerCode.querySelector('.hc-code').textContent = code || '';
  }

  function setMode(mode, caseCode) {
    if (MODES.indexOf(mode) !== -1) {
      state.mode = mode;
    }
    if (typeof caseCode === 'string' && caseCode) {
      state.caseCode = caseCode;
    }
    if (state.mode !== 'bot') {
      hideTyping();
    }
    renderMode();
  }

  let typingTimer = null;

  function showTyping() {
    clearTimeout(typingTimer);
    if (!typing.firstChild) {
      typing.appendChild(el('span', { className: 'hc-typing-text', text: T.typing }));
      typing.appendChild(el('span', { className: 'hc-typing-dots', 'aria-hidden': 'true' }, [
        el('span'), el('span'), el('span'),
      ]));
    }
    typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    typingTimer = null;
    while (typing.firstChild) {
      typing.removeChild(typing.firstChild);
    }
  }

  let disconnectNoticeTimer = null;

  function setConnected(isConnected) {
    connected = isConnected;
    if (isConnected) {
      clearTimeout(disconnectNoticeTimer);
      disconnectNoticeTimer = null;
      connection.textContent = '';
      backoff = BACKOFF_START_MS;
    } else if (!disconnectNoticeTimer && !connection.textContent) {
      disconnectNoticeTimer = setTimeout(() => {
        disconnectNoticeTimer = null;
        if (!connected) {
          connection.textContent = T.disconnected;
        }
      }, DISCONNECT_NOTICE_DELAY_MS);
    }
  }

  function setUnread(on) {
    launcherUnread.hidden = !on;
    launcher.classList.toggle('hc-launcher--unread', on);
  }

  // ---------------------------------------------------------------------------------------------
  // Incoming events

  function handleEvents(events) {
    if (!Array.isArray(events) || !events.length) {
      return;
    }
    const list = events.filter((e) => e && typeof e === 'object').slice();
    list.sort((a, b) => (Number(a.seq) || 0) - (Number(b.seq) || 0));
    list.forEach(handleEvent);
  }

  function handleEvent(ev) {
    const hasSeq = Number.isInteger(ev.seq);
    if (hasSeq) {
      if (seenSeqs.has(ev.seq)) {
        return; // already shown (resume after reconnect, or both POST reply and long poll)
      }
      seenSeqs.add(ev.seq);
      if (ev.seq > state.lastSeq) {
        state.lastSeq = ev.seq;
      }
    }
    const text = typeof ev.text === 'string' ? ev.text : '';
    const base = hasSeq ? { seq: ev.seq } : {};

    hideTyping();
    switch (ev.type) {
      case 'bot': {
        const buttons = sanitizeButtons(ev.buttons);
        if (buttons.length) {
          spendQuickReplies();
        }
        if (text || buttons.length) {
          addEntry(Object.assign(base, {
            kind: 'bot', text: text, buttons: buttons.length ? buttons : undefined, copy: text && typeof ev.copy === 'string' ? ev.copy : undefined,
          }));
        }
        markUnread();
        break;
      }
      case 'staff':
        if (text) {
          addEntry(Object.assign(base, { kind: 'staff', text: text }));
        }
        markUnread();
        break;
      case 'status':
        setMode(ev.mode, ev.case_code);
        if (text) {
          addEntry(Object.assign(base, { kind: 'status', text: text }));
        }
        markUnread();
        break;
      case 'notice':
        if (text) {
          addEntry(Object.assign(base, { kind: 'notice', text: text }));
        }
        break;
      default:
        // Unknown event type from a newer server: show its text if any, never HTML.
        if (text) {
          addEntry(Object.assign(base, { kind: 'notice', text: text }));
        }
    }
    saveState();
  }

  function markUnread() {
    if (!state.open) {
      setUnread(true);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Transport: WebSocket first, HTTP fallback

  let useHttp = typeof window.WebSocket !== 'function';
  let ws = null;
  let wsOpenFailures = 0;
  let fellBackAfterWsFailures = false;
  let connected = false;
  let backoff = BACKOFF_START_MS;
  let reconnectTimer = null;
  let pollToken = null;
  let pollAbort = null;
  let sessionPromise = null;
  let generation = 0; // bumped on every reset so stale callbacks do nothing
  const expiries = [];

  function endpoint(path, params) {
    const url = new URL(path, BASE);
    if (params) {
      Object.keys(params).forEach((k) => url.searchParams.set(k, String(params[k])));
    }
    return url;
  }

  function wsUrl() {
    const url = endpoint('chat/ws'); // the token goes in the first message, never in a URL
    const secure = url.protocol === 'https:' || window.location.protocol === 'https:';
    url.protocol = secure ? 'wss:' : 'ws:';
    return url.toString();
  }

  async function request(method, path, params, body, signal, conversation) {
    const init = {
      method: method,
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (signal) {
      init.signal = signal;
    }
    if (conversation) {
      init.headers['X-Conversation'] = conversation; // a header, so the token never is in a URL
    }
    const res = await fetch(endpoint(path, params).toString(), init);
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    return { status: res.status, body: data && typeof data === 'object' ? data : {} };
  }

  function isUnknownConversation(res) {
    return res.status === 404 || (res.body && res.body.error === 'unknown_conversation');
  }

  let tooFastShown = false;

  function ensureSession() {
    if (state.conversation) {
      return Promise.resolve(state.conversation);
    }
    if (sessionPromise) {
      return sessionPromise;
    }
    const gen = generation;
    sessionPromise = request('POST', 'chat/session', null, {})
      .then((res) => {
        if (gen !== generation) {
          throw new Error('stale');
        }
        if ((res.status === 201 || res.status === 200) && typeof res.body.conversation === 'string') {
          state.conversation = res.body.conversation;
          state.lastSeq = 0;
          seenSeqs = new Set();
          saveState();
          connect();
          return state.conversation;
        }
        if ((res.status === 429 || res.status === 503) && typeof res.body.text === 'string' && !tooFastShown) {
          tooFastShown = true; // say it once (too fast, or out of service); the widget keeps retrying quietly
          addLocalNotice(res.body.text, true);
        }
        throw new Error('session ' + res.status);
      })
      .catch((err) => {
        if (gen === generation) {
          setConnected(false);
          scheduleReconnect();
        }
        throw err;
      })
      .finally(() => {
        if (gen === generation) {
          sessionPromise = null;
        }
      });
    return sessionPromise;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (!state.conversation) {
      ensureSession().catch(() => {});
      return;
    }
    if (useHttp) {
      startPolling();
    } else {
      openSocket();
    }
  }

  function scheduleReconnect() {
    if (reconnectTimer) {
      return;
    }
    const delay = backoff;
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connect();
    }, delay);
  }

  function openSocket() {
    if (ws) {
      return;
    }
    let sock;
    let opened = false;
    try {
      sock = new window.WebSocket(wsUrl());
    } catch (e) {
      onSocketOpenFailed();
      return;
    }
    ws = sock;
    sock.onopen = () => {
      if (sock !== ws) {
        return;
      }
      opened = true;
      wsOpenFailures = 0;
      setConnected(true);
      sock.send(JSON.stringify({ type: 'resume', conversation: state.conversation, after: state.lastSeq }));
    };
    sock.onmessage = (msg) => {
      if (sock !== ws) {
        return;
      }
      let data;
      try {
        data = JSON.parse(msg.data);
      } catch (e) {
        return;
      }
      if (data && data.error === 'unknown_conversation') {
        conversationExpired();
        return;
      }
      if (data && data.error && typeof data.text === 'string' && data.text) {
        addLocalNotice(data.text, true);
        return;
      }
      if (Array.isArray(data)) {
        handleEvents(data);
      } else if (data && Array.isArray(data.events)) {
        handleEvents(data.events);
      } else if (data && typeof data.type === 'string') {
        handleEvents([data]);
      }
    };
    sock.onerror = () => {
      // A close event always follows; handled there.
    };
    sock.onclose = (ev) => {
      if (sock !== ws) {
        return;
      }
      ws = null;
      setConnected(false);
      // 4404 is what we would use for "unknown conversation" on an accepted socket.
      if (ev.code === 4404 || ev.code === 4004) {
        conversationExpired();
        return;
      }
      if (!opened) {
        onSocketOpenFailed();
        return;
      }
      scheduleReconnect();
    };
  }

  function onSocketOpenFailed() {
    ws = null;
    wsOpenFailures += 1;
    if (wsOpenFailures >= WS_OPEN_FAILURES_BEFORE_FALLBACK) {
      useHttp = true;
      fellBackAfterWsFailures = true;
      connect();
    } else {
      setConnected(false);
      scheduleReconnect();
    }
  }

  function closeSocket(sock) {
    if (!sock) {
      return;
    }
    sock.onopen = sock.onmessage = sock.onerror = sock.onclose = null;
    try {
      sock.close(1000);
    } catch (e) {
      // ignore
    }
  }

  function startPolling() {
    if (pollToken) {
      return;
    }
    const token = {};
    pollToken = token;
    pollLoop(token);
  }

  async function pollLoop(token) {
    while (pollToken === token && state.conversation) {
      const ctrl = new AbortController();
      pollAbort = ctrl;
      const timer = setTimeout(() => ctrl.abort(), LONG_POLL_ABORT_MS);
      const started = Date.now();
      let res = null;
      try {
        res = await request('GET', 'chat/events', { after: state.lastSeq }, undefined, ctrl.signal,
          state.conversation);
      } catch (e) {
        res = null;
      }
      clearTimeout(timer);
      if (pollToken !== token) {
        return;
      }
      if (res && res.status === 200) {
        setConnected(true);
        const events = Array.isArray(res.body.events) ? res.body.events : [];
        handleEvents(events);
        if (!events.length && Date.now() - started < 1000) {
          // A server that answers "nothing new" at once must not make us spin.
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        continue;
      }
      if (res && isUnknownConversation(res)) {
        pollToken = null;
        conversationExpired();
        return;
      }
      pollToken = null;
      setConnected(false);
      scheduleReconnect();
      return;
    }
    if (pollToken === token) {
      pollToken = null;
    }
  }

  function teardownTransport() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    const old = ws;
    ws = null;
    if (old) {
      // Give a just-sent "restart" frame a moment to leave before closing.
      old.onopen = old.onmessage = old.onerror = old.onclose = null;
      setTimeout(() => closeSocket(old), 300);
    }
    pollToken = null;
    if (pollAbort) {
      pollAbort.abort();
      pollAbort = null;
    }
    connected = false;
  }

  // Resolves to the open WebSocket, waiting a little if it is still connecting (e.g. right
  // after the panel was opened for the first time); null if it does not open in time.
  function waitForOpenSocket(ms) {
    const until = Date.now() + ms;
    return new Promise((resolve) => {
      const check = () => {
        if (ws && ws.readyState === 1) {
          resolve(ws);
        } else if (useHttp || Date.now() >= until || (connected === false && !ws && !reconnectTimer && !sessionPromise)) {
          resolve(null);
        } else {
          setTimeout(check, 100);
        }
      };
      check();
    });
  }

  // Sends one message; resolves to {ok, events?, text?, expired?}.
  async function deliver(text, payload) {
    if (!state.conversation) {
      try {
        await ensureSession();
      } catch (e) {
        return { ok: false };
      }
    }
    // `after`: the last event this tab has, so the server can drop what the transcript already holds.
    const msg = { type: 'message', text: text, after: state.lastSeq };
    if (payload) {
      msg.payload = payload;
    }
    if (!useHttp) {
      const sock = await waitForOpenSocket(SEND_WAIT_MS);
      if (sock) {
        try {
          sock.send(JSON.stringify(msg));
          return { ok: true };
        } catch (e) {
          return { ok: false };
        }
      }
      if (!useHttp) {
        return { ok: false };
      }
      // The WebSocket gave up meanwhile and we switched to HTTP: send that way.
    }
    const body = { conversation: state.conversation, text: text, after: state.lastSeq };
    if (payload) {
      body.payload = payload;
    }
    let res;
    try {
      res = await request('POST', 'chat/messages', null, body);
    } catch (e) {
      return { ok: false };
    }
    if (res.status === 200) {
      return { ok: true, events: res.body.events };
    }
    if (isUnknownConversation(res)) {
      return { ok: false, expired: true };
    }
    if ((res.status === 413 || res.status === 429 || res.status === 503) && typeof res.body.text === 'string') {
      return { ok: false, text: res.body.text };
    }
    return { ok: false };
  }

  function sendRestart() {
    const token = state.conversation;
    if (!token) {
      return;
    }
    if (!useHttp && ws && ws.readyState === 1) {
      try {
        ws.send(JSON.stringify({ type: 'restart' }));
        return;
      } catch (e) {
        // fall through to HTTP
      }
    }
    // Best effort; the old conversation's replies are not shown, a new session starts.
    request('POST', 'chat/restart', null, { conversation: token }).catch(() => {});
  }

  // Drop everything and start a brand-new conversation.
  function resetConversation(noticeText) {
    generation += 1;
    sessionPromise = null;
    teardownTransport();
    hideTyping();
    clearLog();
    clearStorage();
    state = freshState(state.open);
    seenSeqs = new Set();
    wsOpenFailures = 0;
    if (fellBackAfterWsFailures) {
      // The WebSocket may only have failed because the old token was unknown: try it again.
      useHttp = typeof window.WebSocket !== 'function';
      fellBackAfterWsFailures = false;
    }
    renderMode();
    if (noticeText) {
      addLocalNotice(noticeText, false);
    }
    saveState();
    if (state.open || noticeText) {
      ensureSession().catch(() => {});
    }
  }

  function conversationExpired() {
    // Guard against a loop if the server keeps forgetting new sessions.
    const now = Date.now();
    while (expiries.length && now - expiries[0] > 60000) {
      expiries.shift();
    }
    expiries.push(now);
    if (expiries.length > 3) {
      teardownTransport();
      setConnected(false);
      scheduleReconnect();
      return;
    }
    resetConversation(T.expired);
  }

  // ---------------------------------------------------------------------------------------------
  // Sending from the UI

  async function submitMessage(rawText, payload, source) {
    const text = source === 'typed' ? rawText.trim() : rawText;
    if (!text) {
      return;
    }
    const gen = generation;
    const wasBotMode = state.mode === 'bot';
    const entry = { kind: 'user', text: text };
    const hadFocusInQuick = source === 'button';
    // The buttons showing now are used up once this message is delivered (buttons that arrive
    // while it is on its way belong to the reply and stay).
    const offered = state.transcript.filter((e) => e.buttons && e.buttons.length);

    // Show the message at once; undo if it cannot be delivered.
    if (source === 'typed') {
      textarea.value = '';
      updateCounter();
    }
    removeQuickReplyElements();
    addEntry(entry, { forceScroll: true });
    if (hadFocusInQuick) {
      textarea.focus();
    }
    if (wasBotMode) {
      showTyping();
    }

    const result = await deliver(text, payload);
    if (gen !== generation) {
      // The conversation was reset meanwhile (restart/expiry): keep the text if typed.
      if (!result.ok && source === 'typed') {
        restoreText(text);
      }
      return;
    }
    if (result.ok) {
      offered.forEach((e) => {
        delete e.buttons;
      });
      saveState();
      if (result.events) {
        handleEvents(result.events);
      }
      return;
    }

    // Not delivered: take the message back out and keep what the user wrote.
    hideTyping();
    removeEntry(entry);
    restoreQuickReplies();
    if (source === 'typed') {
      restoreText(text);
    }
    if (result.expired) {
      conversationExpired();
      return;
    }
    addLocalNotice(result.text || T.notSent, !result.text);
  }

  function restoreText(text) {
    const current = textarea.value;
    textarea.value = current ? text + '\n' + current : text;
    updateCounter();
  }

  let counterLevel = 0;

  function updateCounter() {
    const len = textarea.value.length;
    const remaining = Math.max(0, MAX_LEN - len);
    if (remaining <= 200) {
      counter.textContent = T.counter(len);
      counter.classList.add('hc-counter--visible');
    } else {
      counter.textContent = '';
      counter.classList.remove('hc-counter--visible');
    }
    const level = remaining === 0 ? 3 : (remaining <= 50 ? 2 : (remaining <= 200 ? 1 : 0));
    // Announce only when crossing a threshold upwards, never on every keystroke.
    if (level > counterLevel) {
      counterLive.textContent = level === 3 ? T.full : T.remaining(remaining);
    } else if (level === 0) {
      counterLive.textContent = '';
    }
    counterLevel = level;
  }

  // ---------------------------------------------------------------------------------------------
  // Open / close

  function openPanel(moveFocus) {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute('aria-expanded', 'true');
    state.open = true;
    setUnread(false);
    saveState();
    if (!state.conversation) {
      ensureSession().catch(() => {});
    } else if (!ws && !pollToken && !reconnectTimer) {
      connect();
    }
    scrollToBottom();
    if (moveFocus) {
      textarea.focus();
    }
  }

  function closePanel() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute('aria-expanded', 'false');
    state.open = false;
    saveState();
    launcher.focus();
  }

  // ---------------------------------------------------------------------------------------------
  // Event listeners

  launcher.addEventListener('click', () => openPanel(true));
  closeButton.addEventListener('click', closePanel);

  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' || e.key === 'Esc') {
      e.preventDefault();
      e.stopPropagation();
      closePanel();
    }
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!textarea.value.trim()) {
      textarea.focus();
      return;
    }
    submitMessage(textarea.value, null, 'typed');
  });

  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !e.isComposing) {
      e.preventDefault();
      if (typeof form.requestSubmit === 'function') {
        form.requestSubmit(sendButton);
      } else {
        sendButton.click();
      }
    }
  });

  textarea.addEventListener('input', updateCounter);

  restartButton.addEventListener('click', () => {
    sendRestart();
    resetConversation(null);
    ensureSession().catch(() => {});
    textarea.focus();
  });

  // ---------------------------------------------------------------------------------------------
  // Start

  // Restore the transcript before the widget is attached, so screen readers do not re-read it.
  state.transcript.forEach((entry) => log.appendChild(renderEntry(entry)));
  renderMode();
  updateCounter();

  function mount() {
    document.body.appendChild(root);
    if (state.open) {
      // Restore the open panel without stealing focus from the page.
      openPanel(false);
    }
    if (state.conversation) {
      connect();
    }
  }

  function reveal() {
    root.hidden = false;
    root.setAttribute('data-hc-ready', 'true');
    if (state.open) {
      scrollToBottom();
    }
  }

  function injectStylesheet() {
    const href = new URL('widget.css', BASE).toString();
    const existing = Array.prototype.slice.call(document.querySelectorAll('link[rel="stylesheet"]'))
      .find((l) => l.href === href);
    if (existing) {
      reveal();
      return;
    }
    const link = el('link', { rel: 'stylesheet', href: href });
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        reveal();
      }
    };
    link.addEventListener('load', finish);
    link.addEventListener('error', finish);
    setTimeout(finish, 3000);
    document.head.appendChild(link);
  }

  function start() {
    injectStylesheet();
    mount();
  }

  if (document.body) {
    start();
  } else {
    document.addEventListener('DOMContentLoaded', start);
  }
})();
