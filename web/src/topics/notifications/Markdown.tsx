import { useEffect, useState } from 'react';

type Render = (text: string) => string;
let renderer: Render | undefined;
let loading: Promise<Render> | undefined;

/** A Markdown message, rendered once markdown-it has loaded (plain text until then). */
export function Markdown({ text }: { text: string }) {
  const [render, setRender] = useState<Render | undefined>(() => renderer);
  const [failed, setFailed] = useState('');
  useEffect(() => {
    if (render) return;
    let live = true;
    loading ??= import('./markdown.js').then((m) => (renderer = m.renderMarkdown));
    loading.then((r) => live && setRender(() => r), (err: Error) => live && setFailed(err.message));
    return () => {
      live = false;
    };
  }, [render]);
  if (!render) {
    return (
      <div className="message plain">
        {text}
        {failed && <p className="error">Markdown could not be loaded: {failed}</p>}
      </div>
    );
  }
  // markdown-it with html:false escapes any HTML in the text, and links are limited to http(s)/mailto.
  return <div className="message markdown" dangerouslySetInnerHTML={{ __html: render(text) }} />;
}
