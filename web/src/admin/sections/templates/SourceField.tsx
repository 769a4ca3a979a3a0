import { useId, useRef, useState } from 'react';

export interface FieldError { line?: number | undefined; column?: number | undefined; message: string }

/**
 * A template source in a textarea with line numbers beside it. When the source has an error at a
 * line, that line's number and band are marked and the message below says where and what; the
 * textarea is then aria-invalid and described by the message. Lines do not wrap, so the numbers
 * stay in step with the text.
 */
export function SourceField({ label, value, onChange, error, placeholder, rows = 2 }: {
  label: string; value: string; onChange: (value: string) => void; error?: FieldError | undefined; placeholder?: string | undefined; rows?: number;
}) {
  const id = useId();
  const gutter = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const lines = Math.max(value.split('\n').length, rows);
  const bad = error?.line;
  return (
    <div className="source">
      <label className="source-label" htmlFor={`${id}-src`}>{label}</label>
      <div className={`source-box${error ? ' invalid' : ''}`}>
        <div className="source-gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lines }, (_, i) => (
            <span key={i} className={bad === i + 1 ? 'bad' : undefined} data-line={i + 1}>{i + 1}</span>
          ))}
        </div>
        {bad !== undefined ? <div className="source-band" style={{ top: 6 + (bad - 1) * 20 - scrollTop }} data-error-line={bad} /> : null}
        <textarea
          id={`${id}-src`} value={value} rows={Math.min(Math.max(lines, rows), 16)} wrap="off" spellCheck={false} placeholder={placeholder}
          aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-err` : undefined}
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => { const top = e.currentTarget.scrollTop; if (gutter.current) gutter.current.scrollTop = top; setScrollTop(top); }}
        />
      </div>
      {error ? (
        <p className="source-error" id={`${id}-err`}>
          {error.line !== undefined ? `Line ${error.line}${error.column !== undefined ? `, column ${error.column}` : ''}: ` : ''}{error.message}
        </p>
      ) : null}
    </div>
  );
}
