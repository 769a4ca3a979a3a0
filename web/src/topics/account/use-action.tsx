import { useCallback, useState } from 'react';

/**
 * A form's call to the server: `run` marks it busy, and its failure (or the success notice) is
 * kept in words for the form to show, so nothing fails silently.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const run = useCallback(async (work: () => Promise<string | void>): Promise<boolean> => {
    setBusy(true);
    setError('');
    setNotice('');
    try {
      const done = await work();
      if (done) setNotice(done);
      return true;
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, notice, run };
}

/** The worded outcome of an action: an alert for a failure, a status line for a success. */
export function ActionMessages({ error, notice }: { error: string; notice: string }) {
  return (
    <>
      {error && <p role="alert" className="account-error">{error}</p>}
      <p role="status" className="account-notice">{notice}</p>
    </>
  );
}
