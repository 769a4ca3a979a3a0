import { createContext, useContext } from 'react';
import { de } from './de.js';
import { en, type StringKey, type Strings } from './en.js';

export type { StringKey, Strings };

/** The languages the app speaks: add one by adding its file here (same keys as en.ts). */
export const LANGUAGES: Record<string, { name: string; strings: Strings }> = {
  en: { name: 'English', strings: en },
  de: { name: 'Deutsch', strings: de },
};

/** The language to use for a setting (`auto` → the browser's first language we speak). */
export function resolveLanguage(setting: string): string {
  if (setting !== 'auto' && LANGUAGES[setting]) return setting;
  for (const tag of globalThis.navigator?.languages ?? []) {
    const base = tag.toLowerCase().split('-')[0]!;
    if (LANGUAGES[base]) return base;
  }
  return 'en';
}

export type Translate = (key: StringKey, vars?: Record<string, string | number>) => string;

export function translator(language: string): Translate {
  const strings = LANGUAGES[language]?.strings ?? en;
  return (key, vars) => {
    const text = strings[key] ?? en[key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : text;
  };
}

export const I18n = createContext<{ t: Translate; language: string }>({ t: translator('en'), language: 'en' });

export function useT(): Translate {
  return useContext(I18n).t;
}

export function useLanguage(): string {
  return useContext(I18n).language;
}
