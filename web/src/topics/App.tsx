import { lazy, Suspense, useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { baseUrl as ownServer, serverConfig } from '../shared/server-config.js';
import { AccountSwitch, accountScreenOf } from './account/index.js';
import { startAlerts } from './alerts.js';
import { useExtensions, viewSwitch } from './extensions.js';
import { I18n, resolveLanguage, translator, useT } from './i18n/index.js';
import { NotificationCard } from './notifications/NotificationCard.js';
import { NotificationList } from './notifications/NotificationList.js';
import { dismissProblem, reportProblem, useProblems } from './problems.js';
import {
  connections, DELETE_AFTER_SECONDS, onStorageError, store, TOPIC_PATTERN, useSettings, useStoreVersion,
  type Subscription,
} from './state/index.js';

const PublishDialog = lazy(() => import('./publish/PublishDialog.js').then((m) => ({ default: m.PublishDialog })));
const SubscribeDialog = lazy(() => import('./subscribe/SubscribeDialog.js').then((m) => ({ default: m.SubscribeDialog })));
const SettingsDialog = lazy(() => import('./settings/SettingsDialog.js').then((m) => ({ default: m.SettingsDialog })));

const ROOT = serverConfig.app_root === '/' ? '' : serverConfig.app_root.replace(/\/+$/, '');

/** What the address names: `/` (all), `/<topic>` (this server) or `/<host.tld>/<topic>` (another). */
function viewFromLocation(): string {
  const parts = location.pathname.slice(ROOT.length).split('/').filter(Boolean);
  if (accountScreenOf()) return 'all';
  try {
    if (parts.length === 1 && TOPIC_PATTERN.test(parts[0]!)) return store.add({ baseUrl: ownServer, topic: parts[0]! }, 'url').id;
    if (parts.length === 2 && parts[0]!.includes('.') && TOPIC_PATTERN.test(parts[1]!)) return store.add({ baseUrl: `https://${parts[0]}`, topic: parts[1]! }, 'url').id;
  } catch (err) {
    reportProblem((err as Error).message);
  }
  return 'all';
}

function pathOf(s: Subscription | undefined): string {
  if (!s) return `${ROOT}/`;
  if (s.baseUrl === ownServer) return `${ROOT}/${s.topic}`;
  const other = new URL(s.baseUrl);
  return other.protocol === 'https:' && other.pathname === '/' ? `${ROOT}/${other.host}/${s.topic}` : `${ROOT}/`;
}

function nameOf(s: Subscription): string {
  return s.displayName || s.topic;
}

function serverLabel(s: Subscription): string | undefined {
  return s.baseUrl === ownServer ? undefined : s.baseUrl.replace(/^https:\/\//, '');
}

export function App() {
  const prefs = useSettings();
  const language = resolveLanguage(prefs.language);
  const i18n = useMemo(() => ({ t: translator(language), language }), [language]);
  const tRef = useRef(i18n.t);
  tRef.current = i18n.t;

  useEffect(() => {
    document.documentElement.dataset.theme = prefs.theme;
    document.documentElement.lang = language;
  }, [prefs.theme, language]);
  useEffect(() => onStorageError(reportProblem), []);
  useEffect(() => startAlerts(() => tRef.current), []);
  useEffect(() => {
    connections.start();
    return () => connections.stopAll();
  }, []);
  useEffect(() => {
    const seconds = DELETE_AFTER_SECONDS[prefs.deleteAfter];
    if (!seconds) return undefined;
    const prune = () => store.deleteOlderThan(Math.floor(Date.now() / 1000) - seconds);
    prune();
    const timer = setInterval(prune, 3_600_000);
    return () => clearInterval(timer);
  }, [prefs.deleteAfter]);

  return (
    <I18n.Provider value={i18n}>
      <AccountSwitch><Shell /></AccountSwitch>
    </I18n.Provider>
  );
}

type DialogName = 'publish' | 'subscribe' | 'settings' | undefined;

function Shell() {
  const t = useT();
  const prefs = useSettings();
  const version = useStoreVersion();
  const extensions = useExtensions();
  const [view, setView] = useState(viewFromLocation);
  const [dialog, setDialog] = useState<DialogName>();
  const [search, setSearch] = useState('');
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [now, setNow] = useState(Date.now);
  const problems = useProblems();

  const subs = store.list();
  const current = view.startsWith('ext:') ? undefined : store.get(view);
  const extView = view.startsWith('ext:') ? extensions.views.find((v) => `ext:${v.id}` === view) : undefined;

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    const onPop = () => setView(viewFromLocation());
    addEventListener('popstate', onPop);
    viewSwitch.go = (id) => go(id === 'all' ? 'all' : `ext:${id}`);
    return () => {
      clearInterval(timer);
      removeEventListener('popstate', onPop);
    };
  }, []);
  // A subscription removed (here, in another tab or by a sync) while shown: back to all.
  useEffect(() => {
    if (view !== 'all' && !view.startsWith('ext:') && !current) go('all');
  }, [version]);

  const unreadTotal = store.unreadCount();
  useEffect(() => {
    document.title = unreadTotal ? `(${unreadTotal}) ${t('appName')}` : t('appName');
  }, [unreadTotal, t]);

  function go(next: string, e?: MouseEvent) {
    e?.preventDefault();
    setView(next);
    const s = store.get(next);
    const path = next.startsWith('ext:') ? location.pathname : pathOf(s);
    if (path !== location.pathname) history.pushState(null, '', path);
  }

  const all = useMemo(() => store.notifications(current?.id), [version, current?.id]);
  const shown = all.filter((n) => (n.priority ?? 3) >= prefs.minPriority);
  const hidden = all.length - shown.length;
  const query = search.trim().toLowerCase();
  const filtered = shown.filter((n) => (!unreadOnly || n.new) && (!query
    || [n.title, n.message, n.topic, ...(n.tags ?? [])].some((f) => f?.toLowerCase().includes(query))));
  const multi = !current && subs.length > 1;

  const unsubscribe = () => {
    if (current && confirm(t('view.unsubscribeConfirm', { topic: nameOf(current) }))) {
      store.remove(current.id);
      go('all');
    }
  };
  const clearAll = () => {
    if (confirm(t('toolbar.clearConfirm'))) store.clearAll(current?.id);
  };

  return (
    <div className="app">
      <header className="topbar">
        <h1><a href={`${ROOT}/`} onClick={(e) => go('all', e)}>{t('appName')}</a></h1>
        <div className="topbar-tools">
          <button type="button" className="primary" onClick={() => setDialog('publish')}>{t('header.publish')}</button>
          <button type="button" onClick={() => setDialog('settings')}>{t('header.settings')}</button>
          {extensions.headerItems.map((item) => <span key={item.id}>{item.render()}</span>)}
        </div>
      </header>
      <nav aria-label={t('nav.label')} className="sidebar">
        <ul>
          <li>
            <a href={`${ROOT}/`} aria-current={view === 'all' ? 'page' : undefined} onClick={(e) => go('all', e)}>
              <span className="name">{t('nav.all')}</span>
              <Unread count={unreadTotal} />
            </a>
          </li>
          {subs.map((s) => (
            <li key={s.id}>
              <a href={pathOf(s)} aria-current={view === s.id ? 'page' : undefined} onClick={(e) => go(s.id, e)}>
                <span className="name">{nameOf(s)}{serverLabel(s) && <small className="server">{serverLabel(s)}</small>}</span>
                <ConnectionDot state={store.connectionState(s.id)?.state} />
                <Unread count={store.unreadCount(s.id)} />
              </a>
            </li>
          ))}
          {extensions.views.map((v) => (
            <li key={v.id}>
              <a href={location.pathname} aria-current={view === `ext:${v.id}` ? 'page' : undefined} onClick={(e) => go(`ext:${v.id}`, e)}>{v.label}</a>
            </li>
          ))}
        </ul>
        {!subs.length && <p className="hint">{t('nav.empty')}</p>}
        <button type="button" className="subscribe" onClick={() => setDialog('subscribe')}>+ {t('nav.subscribe')}</button>
      </nav>
      <main className="content" aria-labelledby="view-title">
        {problems.length > 0 && (
          <div className="problems">
            {problems.map((p) => (
              <p key={p.id} role="alert" className="error banner">
                {p.message} <button type="button" className="small" onClick={() => dismissProblem(p.id)}>{t('common.dismiss')}</button>
              </p>
            ))}
          </div>
        )}
        {extView ? (
          <>
            <h2 id="view-title" className="visually-hidden">{extView.label}</h2>
            {extView.render()}
          </>
        ) : (
          <>
            <div className="view-head">
              <h2 id="view-title">{current ? nameOf(current) : t('nav.all')}{current && serverLabel(current) && <small className="server"> {serverLabel(current)}</small>}</h2>
              {current && <button type="button" onClick={unsubscribe}>{t('view.unsubscribe')}</button>}
            </div>
            {(current ? [current] : subs).map((s) => <ConnectionLine key={s.id} subscription={s} verbose={!!current} />)}
            {subs.length === 0 && <p className="welcome">{t('view.welcome')}</p>}
            {all.length > 0 && (
              <div className="toolbar" role="group" aria-label={t('toolbar.label')}>
                <input type="search" aria-label={t('toolbar.search')} placeholder={t('toolbar.searchPlaceholder')} value={search} onChange={(e) => setSearch(e.target.value)} />
                <label className="check">
                  <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />
                  {t('toolbar.unreadOnly')}
                </label>
                <button type="button" onClick={() => store.markAllRead(current?.id)} disabled={!all.some((n) => n.new)}>{t('toolbar.markAllRead')}</button>
                <button type="button" onClick={clearAll}>{t('toolbar.clearAll')}</button>
              </div>
            )}
            {hidden > 0 && <p className="hint">{t('list.hiddenByPriority', { count: hidden })}</p>}
            <NotificationList items={filtered} label={t('list.label')} moreLabel={(left) => t('list.more', { count: left })}
              resetKey={`${view}\n${query}\n${unreadOnly}`}
              render={(n) => {
                const s = multi ? store.get(n.subscriptionId) : undefined;
                return <NotificationCard key={`${n.subscriptionId}:${n.id}`} notification={n} source={s && nameOf(s)} now={now} />;
              }} />
            {subs.length > 0 && filtered.length === 0 && <p className="hint">{shown.length ? t('list.noMatch') : t('list.empty')}</p>}
          </>
        )}
      </main>
      <Suspense fallback={null}>
        {dialog === 'publish' && <PublishDialog onClose={() => setDialog(undefined)} initial={current && { baseUrl: current.baseUrl, topic: current.topic }} />}
        {dialog === 'subscribe' && <SubscribeDialog onClose={() => setDialog(undefined)} onSubscribed={(s) => { setDialog(undefined); go(s.id); }} />}
        {dialog === 'settings' && <SettingsDialog onClose={() => setDialog(undefined)} />}
      </Suspense>
    </div>
  );
}

function Unread({ count }: { count: number }) {
  const t = useT();
  if (!count) return null;
  return <span className="count" title={t('nav.unread', { count })}><span aria-hidden="true">{count}</span><span className="visually-hidden">{t('nav.unread', { count })}</span></span>;
}

function ConnectionDot({ state }: { state: string | undefined }) {
  return state === 'error' ? <span className="dot error-dot" aria-hidden="true" /> : null;
}

/** How a subscription's live connection is doing; a failure in words, with Retry (and Log in on 401). */
function ConnectionLine({ subscription: s, verbose }: { subscription: Subscription; verbose: boolean }) {
  const t = useT();
  const { loginPrompt, connectionHelp } = useExtensions();
  const state = store.connectionState(s.id);
  if (state?.state === 'error') {
    return (
      <p role="alert" className="error banner">
        {!verbose && <strong>{nameOf(s)}: </strong>}
        {state.error}{' '}
        <button type="button" className="small" onClick={() => connections.reconnectNow()}>{t('view.retry')}</button>
        {state.status === 401 && loginPrompt && <button type="button" className="small" onClick={() => loginPrompt(s.baseUrl)}>{t('view.login')}</button>}
        {connectionHelp?.(s, state.status)}
      </p>
    );
  }
  if (!verbose) return null;
  return <p role="status" className="status">{state?.state === 'open' ? t('view.connected') : t('view.connecting')}</p>;
}
