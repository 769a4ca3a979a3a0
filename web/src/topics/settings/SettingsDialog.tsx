import { useState } from 'react';
import { Dialog } from '../Dialog.js';
import { useExtensions } from '../extensions.js';
import { LANGUAGES, useT } from '../i18n/index.js';
import { settings, useSettings, type DeleteAfter, type Settings } from '../state/index.js';

/** The local settings: minimum priority, sound, delete after, language, appearance, notifications. */
export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const value = useSettings();
  const { settingsItems } = useExtensions();
  const [notice, setNotice] = useState('');

  const toggleNotifications = async (on: boolean) => {
    setNotice('');
    if (!on) return settings.set({ browserNotifications: false });
    if (!('Notification' in globalThis)) return setNotice(t('settings.permissionUnsupported'));
    // Asked here, from the user's own click, as browsers require.
    const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
    if (permission !== 'granted') return setNotice(t('settings.permissionDenied'));
    settings.set({ browserNotifications: true });
  };

  return (
    <Dialog title={t('settings.title')} onClose={onClose}>
      <div className="stack">
        <label>
          {t('settings.minPriority')}
          <select value={value.minPriority} onChange={(e) => settings.set({ minPriority: Number(e.target.value) as Settings['minPriority'] })} aria-describedby="min-priority-hint">
            {[1, 2, 3, 4, 5].map((p) => <option key={p} value={p}>{t(`priority.${p}` as 'priority.1')}</option>)}
          </select>
        </label>
        <p id="min-priority-hint" className="hint">{t('settings.minPriorityHint')}</p>
        <label className="check">
          <input type="checkbox" checked={value.sound} onChange={(e) => settings.set({ sound: e.target.checked })} />
          {t('settings.sound')}
        </label>
        <label className="check">
          <input type="checkbox" checked={value.browserNotifications} onChange={(e) => void toggleNotifications(e.target.checked)} />
          {t('settings.browserNotifications')}
        </label>
        {notice && <p role="alert" className="error">{notice}</p>}
        <label>
          {t('settings.deleteAfter')}
          <select value={value.deleteAfter} onChange={(e) => settings.set({ deleteAfter: e.target.value as DeleteAfter })}>
            <option value="never">{t('settings.deleteNever')}</option>
            <option value="1d">{t('settings.delete1d')}</option>
            <option value="1w">{t('settings.delete1w')}</option>
            <option value="1m">{t('settings.delete1m')}</option>
          </select>
        </label>
        <label>
          {t('settings.language')}
          <select value={value.language} onChange={(e) => settings.set({ language: e.target.value })}>
            <option value="auto">{t('settings.languageAuto')}</option>
            {Object.entries(LANGUAGES).map(([code, l]) => <option key={code} value={code} lang={code}>{l.name}</option>)}
          </select>
        </label>
        <label>
          {t('settings.theme')}
          <select value={value.theme} onChange={(e) => settings.set({ theme: e.target.value as Settings['theme'] })}>
            <option value="system">{t('settings.themeSystem')}</option>
            <option value="light">{t('settings.themeLight')}</option>
            <option value="dark">{t('settings.themeDark')}</option>
          </select>
        </label>
        {settingsItems.map((item) => <div key={item.id}>{item.render()}</div>)}
        <p className="hint">{t('settings.local')}</p>
        <div className="buttons">
          <button type="button" className="primary" onClick={onClose}>{t('common.close')}</button>
        </div>
      </div>
    </Dialog>
  );
}
