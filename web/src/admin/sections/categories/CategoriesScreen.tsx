import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { SectionProps } from '../../sections.js';
import { allowed } from '../../sections.js';
import { CHANNELS, CHANNEL_LABELS, ConfirmDialog, Notice, errorText, when, type Channel } from '../notify-common/ui.js';

interface Category { name: string; description: string; channels: Channel[]; critical: boolean; digest?: { window_ms: number }; created_at: string; updated_at: string }

const EMPTY = { name: '', description: '', channels: ['push', 'email', 'sms', 'inapp'] as Channel[], critical: false, digest: '' };

/** `/admin/categories`: every category, and a form that creates one or replaces one picked from the list. */
export function CategoriesScreen({ api, identity }: SectionProps) {
  const [list, setList] = useState<Category[]>();
  const [form, setForm] = useState(EMPTY);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [deleting, setDeleting] = useState<string>();
  const canWrite = allowed(identity, 'templates:write');

  const load = useCallback(() => {
    api.call<{ categories: Category[] }>('/v1/categories').then((r) => setList(r.categories), (err: unknown) => setError(errorText(err)));
  }, [api]);
  useEffect(load, [load]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    setDone('');
    try {
      await api.call(`/v1/categories/${encodeURIComponent(form.name.trim())}`, {
        method: 'PUT',
        body: { description: form.description, channels: form.channels, critical: form.critical, digest: form.digest.trim() ? { window: form.digest.trim() } : null },
      });
      setDone(`Category ${form.name.trim()} saved.`);
      setForm(EMPTY);
      load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const remove = async (name: string) => {
    setDeleting(undefined);
    setError('');
    setDone('');
    try {
      await api.call(`/v1/categories/${encodeURIComponent(name)}`, { method: 'DELETE' });
      setDone(`Category ${name} deleted.`);
      load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const edit = (c: Category) => setForm({ name: c.name, description: c.description, channels: c.channels, critical: c.critical, digest: c.digest ? `${Math.round(c.digest.window_ms / 60_000)}m` : '' });

  return (
    <div className="notify">
      <h1>Categories</h1>
      <Notice error={error} done={done} />
      {list && (list.length === 0 ? <p>No category yet.</p> : (
        <table aria-label="Categories">
          <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Channels</th><th scope="col">Critical</th><th scope="col">Digest</th><th scope="col">Updated</th>{canWrite ? <th scope="col">Actions</th> : null}</tr></thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.name}>
                <td>{c.name}</td><td>{c.description || '—'}</td><td>{c.channels.map((ch) => CHANNEL_LABELS[ch] ?? ch).join(', ')}</td>
                <td>{c.critical ? 'yes' : 'no'}</td><td>{c.digest ? `${Math.round(c.digest.window_ms / 60_000)} min` : '—'}</td><td>{when(c.updated_at)}</td>
                {canWrite ? (
                  <td>
                    <div className="row">
                      <button type="button" className="secondary" onClick={() => edit(c)} aria-label={`Edit ${c.name}`}>Edit</button>
                      <button type="button" className="danger" onClick={() => setDeleting(c.name)} aria-label={`Delete ${c.name}`}>Delete</button>
                    </div>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      {canWrite && (
        <form onSubmit={(e) => void save(e)} aria-labelledby="cat-form-h">
          <h2 id="cat-form-h">Create or replace a category</h2>
          <div className="row">
            <label>Name <input required value={form.name} pattern="[a-z0-9][a-z0-9._\-]{0,63}" title="lowercase letters, digits, dots, dashes or underscores"
              onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
            <label>Description <input value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} /></label>
            <label>Digest window (e.g. 1h; empty: none) <input value={form.digest} onChange={(e) => setForm({ ...form, digest: e.target.value })} /></label>
          </div>
          <fieldset>
            <legend>Default channels</legend>
            <div className="row">
              {CHANNELS.map((c) => (
                <label key={c} className="check">
                  <input type="checkbox" checked={form.channels.includes(c)}
                    onChange={(e) => setForm({ ...form, channels: e.target.checked ? CHANNELS.filter((x) => x === c || form.channels.includes(x)) : form.channels.filter((x) => x !== c) })} /> {CHANNEL_LABELS[c]}
                </label>
              ))}
            </div>
          </fieldset>
          <label className="check"><input type="checkbox" checked={form.critical} onChange={(e) => setForm({ ...form, critical: e.target.checked })} /> Critical (ignores quiet hours and caps)</label>
          <div className="actions"><button>Save category</button></div>
        </form>
      )}
      <ConfirmDialog open={deleting !== undefined} title={`Delete category ${deleting ?? ''}?`} confirm="Delete" onConfirm={() => void remove(deleting!)} onCancel={() => setDeleting(undefined)}>
        <p>Templates naming it can no longer be stored until it exists again.</p>
      </ConfirmDialog>
    </div>
  );
}
