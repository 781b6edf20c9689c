// Messages about the files given: what was skipped and why, newest first.
import { useApp } from './StoreContext';

export function Notices() {
  const notices = useApp((s) => s.dataset.notices);
  const dismiss = useApp((s) => s.dismissNotice);
  const clear = useApp((s) => s.clearNotices);
  if (notices.length === 0) return null;
  return (
    <div className="notices" role="log" aria-label="Messages" aria-live="polite">
      <div className="notices-head">
        <strong>Messages</strong>{' '}
        <button type="button" onClick={clear}>
          Clear all
        </button>
      </div>
      <ul>
        {notices.map((n) => (
          <li key={n.id} className={`notice notice-${n.level}`}>
            <span>{n.text}</span>{' '}
            <button type="button" aria-label="Dismiss message" onClick={() => dismiss(n.id)}>
              ×
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
