/** Words and numbers for the account page. */

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (seconds <= 0) return 'none';
  if (seconds % 86400 === 0) return plural(seconds / 86400, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A Unix time in seconds, in the browser's locale; `fallback` for 0 or absent. */
export function formatTime(seconds: number | undefined, fallback: string): string {
  return seconds ? new Date(seconds * 1000).toLocaleString() : fallback;
}

/** The first and last characters of a token: enough to tell tokens apart on screen. */
export function shortToken(token: string): string {
  return token.length > 12 ? `${token.slice(0, 7)}…${token.slice(-4)}` : token;
}
