// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The reviewer's web app: sign-in, language, header counts and the keyboard. The review flow
// itself is review.js. Loaded as the page's only script (the Content-Security-Policy forbids
// inline script and inline event handlers).

import * as api from './client.js';
import { T, InitLanguage, SetLanguage, Language } from './i18n.js';
import { ReviewScreen } from './review.js';
import { InstallRecheck, RerenderRecheck } from './recheck.js';
import { GroupScreen } from './group.js';
import { SheetScreen } from './sheet.js';
import { DeskScreen } from './desk.js';

const $ = (id) => document.getElementById(id);
let me = null;
let screen = null;
// The other screens (group verification, the sheet view) and which one shows.
let view = 'review';
let group = null;
let sheet = null;
let desk = null;

function ApplyLanguage() {
  const lang = Language();
  document.documentElement.lang = lang;
  document.title = T('app_title');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = T(el.dataset.t);
  for (const el of document.querySelectorAll('[data-t-label]')) el.setAttribute('aria-label', T(el.dataset.tLabel));
  $('btn-lang').lang = lang === 'vi' ? 'en' : 'vi';
  $('hint').textContent = T('key_hint');
  if (me) $('who').textContent = $('who').title = T('signed_in_as', { user: me.user, role: T(`role_${me.role}`) });
  if (screen) screen.Rerender();
  RerenderRecheck();
  if (group) group.Rerender();
  if (sheet) sheet.Rerender();
  if (desk) desk.Rerender();
}

function SwitchLanguage() {
  SetLanguage(Language() === 'vi' ? 'en' : 'vi');
  ApplyLanguage();
}

function ShowLogin(message = '') {
  if (screen) { api.ReleaseOnUnload(screen.Stop()); screen = null; }
  if (group) api.GroupReleaseOnUnload(group.Stop());
  me = null;
  InstallRecheck(null);
  group = null;
  sheet = null;
  desk = null;
  $('desk').hidden = true;
  view = 'review';
  $('views').hidden = true;
  $('group').hidden = true;
  $('sheetview').hidden = true;
  $('review').hidden = true;
  $('counts').hidden = true;
  $('hint').hidden = true;
  $('btn-logout').hidden = true;
  $('btn-help').hidden = true;
  $('who').textContent = '';
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('login-password').value = '';
  $('login-user').focus();
}

function ShowCounts(counts, rate) {
  if (!counts) return;
  $('count-open').textContent = String(counts.open ?? '–');
  $('count-others').textContent = String(counts.leased_to_others ?? '–');
  $('count-mine').textContent = String(counts.decided_by_me ?? counts.decided_by_user ?? '–');
  $('count-rate').textContent = rate === null ? '–' : rate.toFixed(1);
}

async function ShowReview(user) {
  me = user;
  $('login').hidden = true;
  $('review').hidden = false;
  $('btn-logout').hidden = false;
  $('btn-help').hidden = false;
  InstallRecheck({ role: me.role, onUnauthorized: () => ShowLogin(T('session_expired')) });
  ApplyLanguage();
  // Which screens the role may open (the server checks again: 403 otherwise).
  const reviews = me.role === 'reviewer' || me.role === 'admin';
  const clerks = me.role === 'clerk' || me.role === 'admin';
  for (const id of ['view-review', 'view-group', 'view-sheet']) $(id).hidden = !reviews;
  $('view-desk').hidden = !clerks;
  if (!reviews && clerks) {
    // The review screen stays closed (it says why, should it be shown); the desk opens.
    $('item').hidden = true;
    $('status').textContent = T('no_review_role');
    $('views').hidden = false;
    await ShowView('desk');
    return;
  }
  if (me.role !== 'reviewer' && me.role !== 'admin') {
    $('item').hidden = true;
    $('status').textContent = T('no_review_role');
    return;
  }
  $('counts').hidden = false;
  $('hint').hidden = false;
  $('views').hidden = false;
  ShowView('review');
  $('status').textContent = T('loading');
  screen = new ReviewScreen({
    onUnauthorized: () => ShowLogin(T('session_expired')),
    onCounts: ShowCounts,
    user: () => (me ? me.user : ''),
  });
  await screen.Start();
}

/// Shows one of the screens: 'review' (one item), 'group', 'sheet'. The review screen keeps
/// its lease while another shows; the others start on first use.
async function ShowView(name, serial = 0) {
  if (view === 'group' && name !== 'group' && group) group.Leave();  // its leases go back
  const resume = view !== 'group' && name === 'group' && group;
  view = name;
  $('review').hidden = name !== 'review';
  $('group').hidden = name !== 'group';
  $('sheetview').hidden = name !== 'sheet';
  $('desk').hidden = name !== 'desk';
  $('counts').hidden = name !== 'review';
  $('hint').hidden = name !== 'review';
  for (const b of document.querySelectorAll('#views button')) b.setAttribute('aria-pressed', String(b.dataset.view === name));
  const expired = () => ShowLogin(T('session_expired'));
  if (name === 'desk') {
    if (!desk) desk = new DeskScreen($('desk'), { onUnauthorized: expired });
    await desk.Start();
  }
  if (name === 'group' && !group) {
    group = new GroupScreen($('group'), { onUnauthorized: expired });
    await group.Start();
  } else if (resume) {
    await group.Resume();
  }
  if (name === 'sheet' && !sheet) {
    sheet = new SheetScreen($('sheetview'), { onUnauthorized: expired });
    await sheet.Start(serial);
  } else if (name === 'sheet' && serial) {
    await sheet.Open(serial);
  }
}

async function OnLogin(event) {
  event.preventDefault();
  const user = $('login-user').value.trim().normalize('NFC');
  const password = $('login-password').value;
  $('login-submit').disabled = true;
  try {
    const who = await api.Login(user, password);
    await ShowReview(who);
  } catch (e) {
    $('login-error').textContent =
      e.status === 429 ? T('login_throttled') : e.status === 401 ? T('login_failed')
        : e.status === 0 ? T('network_error') : T('error', { detail: e.message });
    $('login-password').select();
  } finally {
    $('login-submit').disabled = false;
  }
}

async function OnLogout() {
  const held = screen ? screen.Stop() : [];
  screen = null;
  const groupHeld = group ? group.Stop() : [];
  await Promise.allSettled([...held.map((id) => api.Release(id)), ...(groupHeld.length ? [api.GroupRelease(groupHeld)] : [])]);
  try { await api.Logout(); } catch { /* the session is gone either way */ }
  ShowLogin();
}

function ToggleHelp() {
  const help = $('help');
  if (help.open) help.close(); else help.showModal();
}

const IsEditable = (el) => el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable);

function OnKey(e) {
  if (view === 'group' && group && !e.ctrlKey && !e.metaKey && !e.altKey) {
    if (e.key === 'l' || e.key === 'L') { if (!IsEditable(e.target)) { e.preventDefault(); SwitchLanguage(); } return; }
    if (IsEditable(e.target) && e.key !== 'Enter') return;
    if (e.target.tagName === 'SELECT' && e.key.startsWith('Arrow')) return;
    if (e.target.closest && e.target.closest('button') && (e.key === ' ')) return;
    if (group.HandleKey(e.key)) e.preventDefault();
    return;
  }
  if (!screen || $('review').hidden) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const pageView = $('pageview');
  const help = $('help');
  if (help.open || pageView.open) {  // Esc closes natively; Z and ? toggle their own window
    if ((e.key === 'z' || e.key === 'Z') && pageView.open) { e.preventDefault(); pageView.close(); }
    if (e.key === '?' && help.open) { e.preventDefault(); help.close(); }
    if (e.key === 'l' || e.key === 'L') { e.preventDefault(); SwitchLanguage(); }
    return;
  }
  if (IsEditable(e.target)) {
    // Leave typing alone (Vietnamese input methods compose inside the field): only Enter
    // accepts and Escape leaves the field.
    if (e.key === 'Enter' && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); screen.AcceptFromInput(); }
    else if (e.key === 'Escape' && !e.isComposing) { e.preventDefault(); e.target.blur(); $('item').focus(); }
    return;
  }
  const key = e.key;
  // A focused header button or link keeps its own Enter and Space.
  if ((key === 'Enter' || key === ' ') && e.target.closest && e.target.closest('button, a')
      && !e.target.closest('#options')) return;
  let handled = true;
  if (screen.HandleKey(key)) { /* an item command */ }
  else if (key === '?') ToggleHelp();
  else if (key === 'l' || key === 'L') SwitchLanguage();
  else handled = false;
  if (handled) e.preventDefault();
}

async function Boot() {
  InitLanguage();
  ApplyLanguage();
  $('login-form').addEventListener('submit', OnLogin);
  $('btn-lang').addEventListener('click', SwitchLanguage);
  $('btn-logout').addEventListener('click', OnLogout);
  $('btn-help').addEventListener('click', ToggleHelp);
  $('draft').addEventListener('input', () => screen && screen.OnInput());
  $('options').addEventListener('click', (e) => {
    const b = e.target.closest('button.option');
    if (b && screen) screen.ClickOption(b.dataset.key);
  });
  document.addEventListener('keydown', OnKey);
  $('views').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-view]');
    if (b) ShowView(b.dataset.view);
  });
  window.addEventListener('resize', () => screen && screen.Resize());
  window.addEventListener('pagehide', () => {
    if (screen) api.ReleaseOnUnload(screen.HeldIds());
    if (group) api.GroupReleaseOnUnload(group.HeldIds());
  });
  try {
    await ShowReview(await api.Me());
  } catch (e) {
    ShowLogin(e.status === 401 || e.status === 403 ? '' : T('network_error'));
  }
  document.body.dataset.ready = 'true';
}

Boot();
