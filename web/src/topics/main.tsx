import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './account/register.js';
import { App } from './App.js';
import './topics.css';

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);

if ('serviceWorker' in navigator && globalThis.isSecureContext) {
  // Background Web Push needs the worker; the app works without it.
  navigator.serviceWorker.register('/sw.js').catch(() => undefined);
}
