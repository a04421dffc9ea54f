/** Formatting shared by the sections: dates, counts and masked secrets. */

/** A timestamp in the viewer's locale, or a dash when there is none. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A date (no time) in the viewer's locale, or a dash. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/** How long ago a timestamp was, in words ("3 minutes ago"). */
export function formatAgo(iso: string | undefined, now: Date = new Date()): string {
  if (!iso) return 'never';
  const seconds = Math.round((now.getTime() - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return iso;
  if (seconds < 60) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  const days = Math.round(hours / 24);
  return `${days} days ago`;
}

/** A sentence from the server, ending with a full stop so that the page can write another after it. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** A masked secret: its suffix behind dots. */
export function masked(suffix: string | undefined): string {
  return suffix ? `••••${suffix}` : '••••';
}

/** The value of a `<input type="date">` (yyyy-mm-dd) for an ISO timestamp. */
export function dateInputValue(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10);
}

/** An ISO timestamp for the end of the day a `<input type="date">` names, or null when it is empty. */
export function endOfDay(value: string): string | null {
  if (value.trim() === '') return null;
  const date = new Date(`${value}T23:59:59Z`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
