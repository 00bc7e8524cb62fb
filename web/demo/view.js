// DOM helpers, icons and the formatting of names, times and presence. No state lives here.

/** Creates an element: el('div', {class: 'x', onclick: f}, child, 'text', ...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Replaces all children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

const ICONS = {
  send: '<path d="M3.4 20.4 21 12 3.4 3.6l-.01 6.53L15 12 3.39 13.87z"/>',
  back: '<path d="M15.4 5.4 14 4l-8 8 8 8 1.4-1.4L8.8 12z"/>',
  search: '<path d="M15.5 14h-.79l-.28-.27A6.47 6.47 0 0 0 16 9.5 6.5 6.5 0 1 0 9.5 16c1.61 0 3.09-.59 4.23-1.57l.27.28v.79l5 4.99L20.49 19zm-6 0C7.01 14 5 11.99 5 9.5S7.01 5 9.5 5 14 7.01 14 9.5 11.99 14 9.5 14"/>',
  check: '<path d="M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z"/>',
  checks: '<path d="m18 7-1.41-1.41-6.34 6.34 1.41 1.41zm4.24-1.41L11.66 16.17 7.48 12l-1.41 1.41L11.66 19l12-12zM.41 13.41 6 19l1.41-1.41L1.83 12z"/>',
  clock: '<path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20m0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16m.5-13H11v6l5.25 3.15.75-1.23-4.5-2.67z"/>',
  alert: '<path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20m1 15h-2v-2h2zm0-4h-2V7h2z"/>',
  logout: '<path d="m17 7-1.41 1.41L18.17 11H8v2h10.17l-2.58 2.58L17 17l5-5zM4 5h8V3H4a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h8v-2H4z"/>',
  chat: '<path d="M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2m0 14H5.17L4 17.17V4h16z"/>',
  down: '<path d="M7.41 8.59 12 13.17l4.59-4.58L18 10l-6 6-6-6z"/>',
};

/** An inline SVG icon (decorative unless `label` is given). */
export function icon(name, label) {
  const span = el('span', { class: `icon icon-${name}`, role: label ? 'img' : null, 'aria-label': label, 'aria-hidden': label ? null : 'true' });
  span.innerHTML = `<svg viewBox="0 0 24 24" width="1em" height="1em" fill="currentColor" focusable="false">${ICONS[name]}</svg>`;
  return span;
}

export function initials(name) {
  const words = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0] || '?'];
  return letters.map((w) => Array.from(w)[0]).join('').toUpperCase();
}

/** A round avatar: the picture when there is one, else initials on a colour from the id. */
export function avatar({ id, name, avatar: url }, { online, size = 'md' } = {}) {
  const node = el('span', { class: `avatar avatar-${size}`, 'aria-hidden': 'true' });
  node.style.setProperty('--hue', String((Number(id) * 47) % 360));
  const letters = el('span', { class: 'avatar-initials', text: initials(name) });
  node.append(letters);
  if (url) {
    const img = el('img', { src: url, alt: '', loading: 'lazy', referrerpolicy: 'no-referrer' });
    img.addEventListener('error', () => img.remove());
    node.append(img);
  }
  if (online !== undefined) node.append(el('span', { class: `dot ${online ? 'on' : 'off'}` }));
  return node;
}

/** Today's date as the original writes it ("dd.mm.YYYY"). */
function todayDotted() {
  const d = new Date();
  const two = (n) => String(n).padStart(2, '0');
  return `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()}`;
}

/**
 * The status line of a person: "online", "last seen today at 14:05", "last seen 02.03.2025
 * at 09:12". `seen` is the original's "dd.mm.YYYY HH:MM" (a User) or "HH:MM" (a status event,
 * which happens now, so today).
 */
export function presenceText(presence) {
  if (!presence) return '';
  if (presence.online) return 'online';
  const seen = presence.lastSeen;
  if (!seen) return 'offline';
  const [date, time] = seen.includes(' ') ? seen.split(' ') : [todayDotted(), seen];
  return date === todayDotted() ? `last seen today at ${time}` : `last seen ${date} at ${time}`;
}

/** "Today", "Yesterday", or a readable date, for day separators. */
export function dayLabel(date) {
  const start = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((start(new Date()) - start(date)) / 86400000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  const sameYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: sameYear ? undefined : 'numeric' });
}

/** A day key ("2025-03-02") of an RFC 3339 time, in the viewer's zone. */
export function dayKey(rfc3339) {
  const d = new Date(rfc3339);
  return Number.isNaN(d.getTime()) ? '' : `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/** A short-lived message at the bottom of the screen. */
export function toast(text) {
  const box = document.getElementById('toast');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

/** A random id for idempotent sends (works outside secure contexts too). */
export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
